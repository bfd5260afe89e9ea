#!/usr/bin/env bash
# tests/net/tls_certs.sh DIR: the certificates the TLS tests use, made with
# the openssl command (EC P-256 keys: quick to make and to use).
#   ca.pem/ca.key            the test CA
#   server.pem/server.key    localhost, 127.0.0.1 and ::1 (subjectAltName), by the CA
#   expired.pem/.key         the same names, valid 2020-01-01..2021-01-01, by the CA
#   selfsigned.pem/.key      localhost, signed by itself
#   wronghost.pem/.key       wrong.example only, by the CA
#   alt.pem/alt.key          alt.test (for SNI), by the CA
#   client.pem/client.key    a client certificate (clientAuth), by the CA
#   otherca.pem, unknownca.pem/.key   a second CA, and a localhost cert it signed
# Run once per ctest run (the tls fixture); a finished DIR is kept.
set -euo pipefail
dir=${1:?usage: tls_certs.sh DIR}
[ -f "$dir/done" ] && exit 0
mkdir -p "$dir"
cd "$dir"
rm -rf ca-db && mkdir ca-db && : > ca-db/index.txt && echo 1000 > ca-db/serial

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

ca() {  # name subject
  key "$1.key"
  openssl req -x509 -new -key "$1.key" -sha256 -days 3650 -subj "$2" -out "$1.pem" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
}

cat > ca.cnf <<CNF
[ ca ]
default_ca = test_ca
[ test_ca ]
database = ca-db/index.txt
serial = ca-db/serial
new_certs_dir = ca-db
default_md = sha256
policy = any
unique_subject = no
copy_extensions = copy
email_in_dn = no
[ any ]
commonName = supplied
[ server_ext ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
[ client_ext ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
CNF

issue() {  # name cn san ext signer [startdate enddate]
  local name=$1 cn=$2 san=$3 ext=$4 signer=$5
  key "$name.key"
  local args=(-subj "/CN=$cn")
  [ -n "$san" ] && args+=(-addext "subjectAltName=$san")
  openssl req -new -key "$name.key" "${args[@]}" -out "$name.csr"
  local dates=(-days 3650)
  [ $# -ge 7 ] && dates=(-startdate "$6" -enddate "$7")
  openssl ca -batch -config ca.cnf -cert "$signer.pem" -keyfile "$signer.key" -extensions "$ext" \
    "${dates[@]}" -in "$name.csr" -out "$name.pem" -notext 2>/dev/null
  rm -f "$name.csr"
}

ca ca "/CN=simul test CA"
ca otherca "/CN=simul other CA"
names="DNS:localhost,IP:127.0.0.1,IP:::1"
issue server localhost "$names" server_ext ca
issue expired localhost "$names" server_ext ca 20200101000000Z 20210101000000Z
issue wronghost wrong.example "DNS:wrong.example" server_ext ca
issue alt alt.test "DNS:alt.test" server_ext ca
issue client "simul test client" "" client_ext ca
issue unknownca localhost "$names" server_ext otherca
key selfsigned.key
openssl req -x509 -new -key selfsigned.key -sha256 -days 3650 -subj "/CN=localhost" \
  -addext "subjectAltName=$names" -out selfsigned.pem
rm -f *.srl
touch done
