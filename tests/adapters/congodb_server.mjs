// CongoDB launcher for the mongo adapter's tests and benchmark.
//
//   node congodb_server.mjs CONGODB_DIR PORT
//
// CONGODB_DIR is what tests/adapters/setup_congodb.sh installed (the directory
// holding package/dist_ts/congodb). Listens on 127.0.0.1:PORT (0: a free
// port), prints "ready PORT" on stdout once it accepts connections, and stops
// cleanly on SIGTERM or SIGINT (or when stdin closes, if --stdin is given,
// so that a parent that dies does not leave it running).
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [dir, portArg, ...flags] = process.argv.slice(2);
if (!dir || portArg === undefined) {
  console.error('usage: node congodb_server.mjs CONGODB_DIR PORT [--stdin]');
  process.exit(2);
}
const entry = path.resolve(dir, 'package/dist_ts/congodb/index.js');
const { CongoServer } = await import(pathToFileURL(entry).href);
const server = new CongoServer({ host: '127.0.0.1', port: Number(portArg) });
await server.start();
const port = server.server.address().port;
process.stdout.write(`ready ${port}\n`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await server.stop();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
if (flags.includes('--stdin')) {
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
}
