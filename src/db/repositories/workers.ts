import { sql } from 'drizzle-orm';
import type { SqlExecutor } from '../sql/sql-port.js';

/** Which processes hold accounts: `all` (bot and accounts in one) or `worker`. A panel holds none and never registers. */
export type WorkerRole = 'all' | 'worker';

/** One process as the registry knows it. */
export interface WorkerRecord {
  /** Random per process start, so a restarted worker never inherits the leases of its former self. */
  readonly id: string;
  /** WORKER_NAME, or host:pid: how /status names it. */
  readonly name: string;
  readonly role: WorkerRole;
  readonly host: string;
  readonly pid: number;
  readonly startedAt: number;
  /** Its last heartbeat, epoch ms (its own clock). */
  readonly heartbeatAt: number;
  /** When it began a graceful stop, or null. A stopping worker takes no more accounts and is left out of fair shares. */
  readonly stoppingAt: number | null;
}

/** A worker for /status: whether it is still heard from, and the accounts it holds by unexpired lease. */
export interface WorkerStatus extends WorkerRecord {
  /** Heard from within the liveness window. */
  readonly live: boolean;
  /** Accounts it holds right now, ascending. */
  readonly accountIds: readonly number[];
}

export interface RegisterWorker {
  readonly id: string;
  readonly name: string;
  readonly role: WorkerRole;
  readonly host: string;
  readonly pid: number;
  /** Start time and first heartbeat, epoch ms. */
  readonly now: number;
}

/**
 * The registry of processes holding accounts (table `workers`), on SQLite and PostgreSQL alike. Liveness is a heartbeat
 * within a window the caller passes (the lease time): a worker that stops beating is left out of fair shares before its
 * leases even expire, and its row stays for /status ("last seen") until {@link WorkerRepository.removeSilentSince}.
 */
export interface WorkerRepository {
  /** Adds this process (a fresh id per start; registering the same id again refreshes its row). */
  register(worker: RegisterWorker): Promise<void>;
  /** Records a heartbeat; false when the row is gone (removed as silent), so the caller registers again. */
  heartbeat(id: string, now: number): Promise<boolean>;
  /** Marks the start of a graceful stop. */
  markStopping(id: string, now: number): Promise<void>;
  /** Deregisters it. */
  remove(id: string): Promise<void>;
  /** Workers heard from within `windowMs` before `now` that are not stopping: the ones accounts are shared among. */
  listLive(now: number, windowMs: number): Promise<WorkerRecord[]>;
  /** Every registered worker, live or not, with the accounts each holds at `now`, by name. */
  listWithAccounts(now: number, windowMs: number): Promise<WorkerStatus[]>;
  /** Forgets workers silent since before `before` (they left no graceful goodbye); returns how many. */
  removeSilentSince(before: number): Promise<number>;
}

interface WorkerSqlRow {
  id: string;
  name: string;
  role: string;
  host: string;
  pid: number;
  started_at: number;
  heartbeat_at: number;
  stopping_at: number | null;
}

const columns = sql`id, name, role, host, pid, started_at, heartbeat_at, stopping_at`;

function toRecord(row: WorkerSqlRow): WorkerRecord {
  return {
    id: row.id,
    name: row.name,
    role: row.role === 'all' ? 'all' : 'worker',
    host: row.host,
    pid: Number(row.pid),
    startedAt: Number(row.started_at),
    heartbeatAt: Number(row.heartbeat_at),
    stoppingAt: row.stopping_at === null ? null : Number(row.stopping_at),
  };
}

/** The worker registry over the SQL port (any executor: the database itself or a transaction of it). */
export function createWorkerRepository(db: SqlExecutor): WorkerRepository {
  return {
    async register(worker) {
      await db.run(sql`
        INSERT INTO workers (id, name, role, host, pid, started_at, heartbeat_at, stopping_at)
        VALUES (${worker.id}, ${worker.name}, ${worker.role}, ${worker.host}, ${worker.pid}, ${worker.now}, ${worker.now}, NULL)
        ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, stopping_at = NULL`);
    },

    async heartbeat(id, now) {
      const { changes } = await db.run(sql`UPDATE workers SET heartbeat_at = ${now} WHERE id = ${id}`);
      return changes > 0;
    },

    async markStopping(id, now) {
      await db.run(sql`UPDATE workers SET stopping_at = ${now} WHERE id = ${id} AND stopping_at IS NULL`);
    },

    async remove(id) {
      await db.run(sql`DELETE FROM workers WHERE id = ${id}`);
    },

    async listLive(now, windowMs) {
      const rows = await db.all<WorkerSqlRow>(sql`
        SELECT ${columns} FROM workers
        WHERE heartbeat_at > ${now - windowMs} AND stopping_at IS NULL
        ORDER BY started_at, id`);
      return rows.map(toRecord);
    },

    async listWithAccounts(now, windowMs) {
      const rows = await db.all<WorkerSqlRow>(sql`SELECT ${columns} FROM workers ORDER BY name, id`);
      const leases = await db.all<{ worker_id: string; account_id: number }>(sql`
        SELECT worker_id, account_id FROM account_leases
        WHERE worker_id IS NOT NULL AND expires_at > ${now}
        ORDER BY account_id`);
      const held = new Map<string, number[]>();
      for (const lease of leases) {
        const list = held.get(lease.worker_id) ?? [];
        list.push(Number(lease.account_id));
        held.set(lease.worker_id, list);
      }
      return rows.map((row) => {
        const record = toRecord(row);
        return { ...record, live: record.heartbeatAt > now - windowMs, accountIds: held.get(record.id) ?? [] };
      });
    },

    async removeSilentSince(before) {
      const { changes } = await db.run(sql`DELETE FROM workers WHERE heartbeat_at < ${before}`);
      return changes;
    },
  };
}
