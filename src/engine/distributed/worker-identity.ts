import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { RegisterWorker, WorkerRole } from '../../db/repositories/workers.js';

/**
 * This process as the worker registry knows it: a fresh random id per start (a restarted worker never inherits the
 * leases of its former self), and the name /status shows — WORKER_NAME, or host:pid when unset.
 */
export function workerIdentity(role: WorkerRole, workerName?: string): Omit<RegisterWorker, 'now'> {
  const host = hostname();
  const name = workerName !== undefined && workerName.trim() !== '' ? workerName.trim() : `${host}:${process.pid}`;
  return { id: randomUUID(), name, role, host, pid: process.pid };
}
