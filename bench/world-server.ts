// The simulated Telegram in a process of its own, as `SANDBOX_SERVE` serves it from `npm start`, for benches whose
// CPU must be told apart from the world's: `node --import tsx bench/world-server.ts <world.json>` prints
// `{"address":"host:port"}` on stdout once it serves, and stops on SIGTERM or when its stdin closes.
import { pino } from 'pino';
import { openSandbox } from '../src/sandbox/open-sandbox.js';

const worldPath = process.argv[2];
if (worldPath === undefined) throw new Error('usage: world-server.ts <world.json>');
const sandbox = await openSandbox({ worldPath, tracePath: undefined, serve: { host: '127.0.0.1', port: 0 }, connect: undefined, logger: pino({ level: 'warn' }, pino.destination(2)) });
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void sandbox.stop().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
// A parent killed with -9 closes the pipe: the world does not outlive it.
process.stdin.on('end', stop).resume();
process.stdout.write(`${JSON.stringify({ address: sandbox.address })}\n`);
