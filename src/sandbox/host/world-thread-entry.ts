/**
 * The simulated Telegram in a worker thread: the world, its server on a loopback port, its trace. Started by
 * startWorldThread; talks to the main thread only to say where it listens, to relay logs and to stop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createTelegramServer } from '../telegram-server.js';
import { serveSandbox } from '../wire/socket-server.js';
import { createWorld } from '../world.js';
import { threadLogger } from '../../worker-log.js';
import { lowerThreadPriority } from '../../worker-thread.js';
import type { WorldThreadData, WorldThreadMessage } from './world-thread.js';

const port = parentPort;
if (!port) throw new Error('world-thread-entry runs in a worker thread');
const data = workerData as WorldThreadData;
// On Telegram this CPU is not ours: it must never delay the panel.
lowerThreadPriority();
const logger = threadLogger(port, data.logLevel);
const post = (message: WorldThreadMessage) => port.postMessage(message);

const world = createWorld(data.world, { tracePath: data.tracePath, logger });
const server = createTelegramServer(world);
try {
  const service = await serveSandbox(server, { host: data.host, port: data.port, logger });
  port.on('message', (message: { kind: 'stop' }) => {
    if (message.kind !== 'stop') return;
    void (async () => {
      await service.close();
      await world.stop();
      post({ kind: 'stopped' });
    })();
  });
  post({ kind: 'ready', address: service.address });
} catch (error) {
  await world.stop();
  post({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
}
