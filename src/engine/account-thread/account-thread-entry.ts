/**
 * The accounts thread: its own database connection, the accounts' GramJS clients (built as everywhere by
 * telegramClientFactory), and the runners. Started by startAccountThread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createDatabase } from '../../db/client.js';
import { sandboxTransport } from '../../sandbox/sandbox-client.js';
import { socketEndpoint } from '../../sandbox/wire/socket-endpoint.js';
import { threadLogger } from '../../worker-log.js';
import { lowerThreadPriority } from '../../worker-thread.js';
import { telegramClientFactory } from '../clients/client-factory.js';
import { createSessionLeases } from '../clients/session-lease.js';
import { hostAccounts, type HostPort } from './account-host.js';
import type { AccountThreadData } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('account-thread-entry runs in a worker thread');
const data = workerData as AccountThreadData;
// Decoding pages is CPU the panel's answers must not wait behind.
lowerThreadPriority();
const logger = threadLogger(port, data.logLevel);
const db = createDatabase(data.databasePath, { migrate: false });
// Each connect request carries its account's own credential and device (README, Accounts: device and app credential).
const clients = telegramClientFactory({
  transport: data.sandbox ? sandboxTransport(socketEndpoint(data.sandbox)) : undefined,
  leases: createSessionLeases(db),
  floodSleepThreshold: data.floodSleepThreshold,
});
const host = hostAccounts({ port: port as unknown as HostPort, db, clients, data });
// This connection checkpoints the WAL for both threads (the main thread's is off): by itself after
// large writes, and every few seconds for what the main thread wrote while the accounts were quiet.
const checkpoints = setInterval(() => db.sqlite.pragma('wal_checkpoint(PASSIVE)'), 5000);
checkpoints.unref();
logger.debug('accounts thread ready');
await host.stopped;
clearInterval(checkpoints);
db.close();
port.close();
