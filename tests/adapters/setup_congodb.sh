#!/bin/sh
# Installs CongoDB, the MongoDB-wire-protocol server written in TypeScript
# that ships in the npm package @push.rocks/smartmongo 2.2.0, into DIR
# (default build/congodb), for the mongo adapter's tests and benchmark.
#
# A plain `npm install @push.rocks/smartmongo` fails (its other parts pull in
# a real mongod download); so the package is packed, unpacked, and only the
# server's own dependencies are installed, pinned. Idempotent: does nothing
# when DIR already holds a working install.
set -eu
DIR=${1:-build/congodb}
if [ -f "$DIR/.installed" ] && [ -d "$DIR/package/dist_ts/congodb" ]; then
  exit 0
fi
command -v npm >/dev/null || { echo "setup_congodb.sh: npm not found (apt-get install nodejs npm)" >&2; exit 1; }
mkdir -p "$DIR"
cd "$DIR"
rm -rf package node_modules push.rocks-smartmongo-2.2.0.tgz
npm pack --silent @push.rocks/smartmongo@2.2.0 >/dev/null
tar xzf push.rocks-smartmongo-2.2.0.tgz
cd package
# The package's own package.json lists everything (mongod downloader included):
# replace it with one that names only what dist_ts/congodb imports.
cat > package.json <<'JSON'
{ "name": "congodb-only", "version": "2.2.0", "private": true, "type": "module" }
JSON
npm install --silent --no-audit --no-fund --ignore-scripts \
  bson@6.10.4 mingo@7.2.7 @push.rocks/smartfs@1.5.0 @push.rocks/smartpath@5.1.0 \
  @push.rocks/smartpromise@4.2.3 @push.rocks/smartrx@3.0.10 >/dev/null
cd ..
touch .installed
echo "setup_congodb.sh: CongoDB installed in $DIR/package"
