import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { RegisterWorker, WorkerRole } from '../../db/repositories/workers.js';

/**
 * This process as the worker registry knows it: a fresh random id per start (a restarted worker never inherits the
 * leases of its former self), and the name /status shows: `config.process.workerName`, which already defaults to
 * host:pid (README, Configuration).
 */
export function workerIdentity(role: WorkerRole, name: string): Omit<RegisterWorker, 'now'> {
  return { id: randomUUID(), name, role, host: hostname(), pid: process.pid };
}
