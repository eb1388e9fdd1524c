import { sql } from 'drizzle-orm';
import type { FinishRecord, NewOperation, StoredOperation } from '../../engine/operation-store.js';
import type { FailureKind, OperationStatus } from '../../engine/types.js';
import type { RawRow } from '../raw-row.js';
import type { operations } from '../schema.js';
import { jsonArrayValues } from '../sql/json-array.js';
import type { SqlExecutor, SqlHandle } from '../sql/sql-port.js';

/** Why an operation goes back to the queue, when it failed in a way worth retrying. */
export interface RequeueError {
  readonly kind: FailureKind;
  readonly message: string;
}

/**
 * Durable operations (R9) over the SQL port, on SQLite and PostgreSQL alike: the statements of
 * engine/operation-store.ts, written once, for processes (workers on PostgreSQL) that reach the database through the
 * port. Unlike the store it defers nothing: every write is committed when its promise resolves (or with the caller's
 * transaction, for the methods that take `tx`: a statement of the caller's `db.sql.transaction` commits or rolls back
 * with it). `tx` defaults to `db.sql`.
 */
export interface OperationsRepository {
  /** Adds a queued operation; returns its id. */
  insert(row: NewOperation, now: number, tx?: SqlExecutor): Promise<number>;
  /** Adds many queued operations in one transaction (or in `tx`); returns their ids, in the order of `rows`. */
  insertMany(rows: readonly NewOperation[], now: number, tx?: SqlExecutor): Promise<number[]>;
  get(id: number, tx?: SqlExecutor): Promise<StoredOperation | undefined>;
  /** Just the status, or undefined when there is no such operation: a cheap check before redoing a delivered job. */
  status(id: number, tx?: SqlExecutor): Promise<OperationStatus | undefined>;
  /** Queued and interrupted (running) operations, in dispatch order: priority, then FIFO. */
  unfinished(tx?: SqlExecutor): Promise<StoredOperation[]>;
  /**
   * Queued and running operations placed on, or else pinned to, one of `accountIds` (by
   * `coalesce(assigned_account_id, pinned_account_id)`), in dispatch order.
   */
  unfinishedForAccounts(accountIds: readonly number[], tx?: SqlExecutor): Promise<StoredOperation[]>;
  /**
   * Cancels an operation no process has taken up yet: queued, neither placed on an account nor pinned to one (a panel's
   * cancel of work still in the queue, docs/several-processes.md). False when it was not such an operation: a worker
   * took it first, and only that worker can cancel it.
   */
  cancelUnplaced(id: number, message: string, now: number, tx?: SqlExecutor): Promise<boolean>;
  /** When the latest operation of `kind` that succeeded on `accountId` finished (epoch ms), or null. */
  lastSucceeded(kind: string, accountId: number, tx?: SqlExecutor): Promise<number | null>;
  /** Operations not finished, fleet-wide: how many wait, and how many run of each kind. */
  unfinishedCounts(tx?: SqlExecutor): Promise<{ readonly queued: number; readonly runningByKind: ReadonlyMap<string, number> }>;
  /**
   * Takes a queued operation off the account it was placed on, so any worker may place it again (a hand-back to the
   * fleet); false when it is not queued or gone.
   */
  unassign(id: number, now: number, tx?: SqlExecutor): Promise<boolean>;
  /** Places a queued operation on an account; false when it is not queued (started, finished) or gone. */
  assign(id: number, accountId: number, now: number, tx?: SqlExecutor): Promise<boolean>;
  /** Marks it running on `accountId`: one more attempt, first start time kept, `not_before` cleared. */
  markRunning(id: number, accountId: number, now: number, tx?: SqlExecutor): Promise<void>;
  progress(id: number, done: number, total: number | null, now: number, tx?: SqlExecutor): Promise<void>;
  /** Back to the queue, not to start before `notBefore` (null: at once), with the error that sent it back. */
  requeue(id: number, notBefore: number | null, error: RequeueError | null, now: number, tx?: SqlExecutor): Promise<void>;
  /**
   * Ends it and adds it to the persisted totals of its kind (and of `accountId`, when given): one transaction, or
   * the caller's `tx`.
   */
  finish(op: StoredOperation, record: FinishRecord, accountId: number | null, now: number, tx?: SqlExecutor): Promise<void>;
  /** Counts one retry of an operation of `kind`. */
  recordRetry(kind: string, now: number, tx?: SqlExecutor): Promise<void>;
  /** Records a flood wait: the event, the kind's total and the account's; one transaction, or the caller's `tx`. */
  recordFlood(
    kind: string,
    accountId: number | null,
    operationId: number | null,
    method: string | null,
    seconds: number,
    action: 'slept' | 'cooled',
    now: number,
    tx?: SqlExecutor,
  ): Promise<void>;
  /** Where the operation's report lives, so a later edit finds it. */
  setReportMessage(id: number, chatId: number | null, messageId: number | null, now: number, tx?: SqlExecutor): Promise<void>;
  /** The latest operations, newest first, of `status` when given, leaving out the kinds in `excludeKinds`. */
  recent(limit: number, offset?: number, status?: OperationStatus, excludeKinds?: readonly string[]): Promise<StoredOperation[]>;
  /** Stores the resume point (undefined clears it). */
  saveCheckpoint(id: number, value: unknown, now: number, tx?: SqlExecutor): Promise<void>;
  /**
   * The resume point as committed, read inside `tx` with the row locked on PostgreSQL: a transaction of another
   * connection still writing it is waited for, so the answer is its outcome.
   */
  lockedCheckpoint(id: number, tx: SqlExecutor): Promise<unknown>;
  /**
   * Runs `write` and the checkpoint update in ONE transaction of `db.sql`, so data and resume point never disagree
   * after a crash: both commit, or (when `write` or `next` throws) neither does. `next` is the checkpoint, or
   * computes it from what `write` returned. `write` should await nothing but `tx` (see SqlDatabase.transaction).
   */
  saveCheckpointWith<R, K>(
    id: number,
    now: number,
    write: (tx: SqlExecutor) => Promise<R>,
    next: K | ((result: R) => K),
  ): Promise<{ result: R; value: K }>;
}

/** The row as the statements read it (narrowing two text columns to the engine's types). */
type RawOperation = Omit<RawRow<typeof operations>, 'updated_at'> & { status: OperationStatus; error_kind: FailureKind | null };

const columns = sql`id, kind, params, pinned_account_id, assigned_account_id, status, priority, attempts, checkpoint,
  progress_done, progress_total, result, error_kind, error_message, requested_by, report_chat_id, report_message_id,
  parent_id, not_before, created_at, started_at, finished_at`;

/** Dispatch order: priority, then FIFO (the operations_status_idx index). */
const dispatchOrder = sql`ORDER BY priority DESC, id ASC`;

const parse = (text: string | null): unknown => (text === null ? undefined : JSON.parse(text));
const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));

function fromRaw(raw: RawOperation): StoredOperation {
  return {
    id: raw.id,
    kind: raw.kind,
    params: parse(raw.params),
    pinnedAccountId: raw.pinned_account_id,
    assignedAccountId: raw.assigned_account_id,
    status: raw.status,
    priority: raw.priority,
    attempts: raw.attempts,
    checkpoint: parse(raw.checkpoint),
    progressDone: raw.progress_done,
    progressTotal: raw.progress_total,
    result: parse(raw.result),
    errorKind: raw.error_kind,
    errorMessage: raw.error_message,
    requestedBy: raw.requested_by,
    reportChatId: raw.report_chat_id,
    reportMessageId: raw.report_message_id,
    parentId: raw.parent_id,
    notBefore: raw.not_before,
    createdAt: raw.created_at,
    startedAt: raw.started_at,
    finishedAt: raw.finished_at,
  };
}

/** The operations table (R9) over the SQL port; see {@link OperationsRepository}. */
export function createOperationsRepository(db: SqlHandle): OperationsRepository {
  const port = db.sql;
  /** `body` in the caller's transaction when there is one, else in a transaction of its own. */
  const atomically = <T>(tx: SqlExecutor | undefined, body: (tx: SqlExecutor) => Promise<T>): Promise<T> =>
    tx === undefined ? port.transaction(body) : body(tx);

  const insertOne = async (row: NewOperation, now: number, tx: SqlExecutor): Promise<number> => {
    const inserted = await tx.get<{ id: number }>(sql`
      INSERT INTO operations (kind, params, pinned_account_id, priority, requested_by, report_chat_id, parent_id,
                              created_at, updated_at)
      VALUES (${row.kind}, ${JSON.stringify(row.params ?? null)}, ${row.pinnedAccountId}, ${row.priority},
              ${row.requestedBy}, ${row.reportChatId}, ${row.parentId}, ${now}, ${now})
      RETURNING id`);
    if (inserted === undefined) throw new Error('INSERT … RETURNING gave no row');
    return inserted.id;
  };

  /** Adds a finish to the persisted totals of its kind. */
  const addToStats = async (t: SqlExecutor, kind: string, record: FinishRecord, now: number): Promise<void> => {
    const duration = Math.max(0, Math.round(record.durationMs));
    const flag = (status: FinishRecord['status']) => (record.status === status ? 1 : 0);
    // The existing row's columns are qualified (PostgreSQL finds bare names ambiguous in DO UPDATE), and the
    // larger of two durations is a CASE, since SQLite's two-argument max() is PostgreSQL's greatest().
    await t.run(sql`
      INSERT INTO operation_stats (kind, total, succeeded, failed, cancelled, duration_ms_total, duration_ms_max,
                                   updated_at)
      VALUES (${kind}, 1, ${flag('succeeded')}, ${flag('failed')}, ${flag('cancelled')}, ${duration}, ${duration},
              ${now})
      ON CONFLICT (kind) DO UPDATE SET
        total = operation_stats.total + 1,
        succeeded = operation_stats.succeeded + excluded.succeeded,
        failed = operation_stats.failed + excluded.failed,
        cancelled = operation_stats.cancelled + excluded.cancelled,
        duration_ms_total = operation_stats.duration_ms_total + excluded.duration_ms_total,
        duration_ms_max = CASE WHEN excluded.duration_ms_max > operation_stats.duration_ms_max
                               THEN excluded.duration_ms_max ELSE operation_stats.duration_ms_max END,
        updated_at = excluded.updated_at`);
  };

  const checkpoint = (id: number, value: unknown, now: number) =>
    sql`UPDATE operations SET checkpoint = ${json(value)}, updated_at = ${now} WHERE id = ${id}`;

  return {
    insert: (row, now, tx = port) => insertOne(row, now, tx),

    async insertMany(rows, now, tx) {
      if (rows.length === 0) return [];
      return atomically(tx, async (t) => {
        // One at a time: the ids come back in the order of `rows`, which a multi-row RETURNING does not promise.
        const ids: number[] = [];
        for (const row of rows) ids.push(await insertOne(row, now, t));
        return ids;
      });
    },

    async get(id, tx = port) {
      const raw = await tx.get<RawOperation>(sql`SELECT ${columns} FROM operations WHERE id = ${id}`);
      return raw === undefined ? undefined : fromRaw(raw);
    },

    async status(id, tx = port) {
      const row = await tx.get<{ status: OperationStatus }>(sql`SELECT status FROM operations WHERE id = ${id}`);
      return row?.status;
    },

    async unfinished(tx = port) {
      const rows = await tx.all<RawOperation>(
        sql`SELECT ${columns} FROM operations WHERE status IN ('queued', 'running') ${dispatchOrder}`,
      );
      return rows.map(fromRaw);
    },

    async unfinishedForAccounts(accountIds, tx = port) {
      if (accountIds.length === 0) return [];
      const rows = await tx.all<RawOperation>(sql`
        SELECT ${columns} FROM operations
        WHERE status IN ('queued', 'running')
          AND coalesce(assigned_account_id, pinned_account_id) IN (${jsonArrayValues(tx.dialect, accountIds, 'integer')})
        ${dispatchOrder}`);
      return rows.map(fromRaw);
    },

    async unassign(id, now, tx = port) {
      const { changes } = await tx.run(sql`
        UPDATE operations SET assigned_account_id = NULL, updated_at = ${now} WHERE id = ${id} AND status = 'queued'`);
      return changes > 0;
    },

    async assign(id, accountId, now, tx = port) {
      const { changes } = await tx.run(sql`
        UPDATE operations SET assigned_account_id = ${accountId}, updated_at = ${now}
        WHERE id = ${id} AND status = 'queued'`);
      return changes > 0;
    },

    async markRunning(id, accountId, now, tx = port) {
      await tx.run(sql`
        UPDATE operations SET status = 'running', assigned_account_id = ${accountId}, attempts = attempts + 1,
          started_at = coalesce(started_at, ${now}), not_before = NULL, updated_at = ${now}
        WHERE id = ${id}`);
    },

    async progress(id, done, total, now, tx = port) {
      await tx.run(sql`
        UPDATE operations SET progress_done = ${done}, progress_total = ${total}, updated_at = ${now} WHERE id = ${id}`);
    },

    async requeue(id, notBefore, error, now, tx = port) {
      await tx.run(sql`
        UPDATE operations SET status = 'queued', not_before = ${notBefore}, error_kind = ${error?.kind ?? null},
          error_message = ${error?.message ?? null}, updated_at = ${now}
        WHERE id = ${id}`);
    },

    cancelUnplaced(id, message, now, tx) {
      return atomically(tx, async (t) => {
        const cancelled = await t.get<{ kind: string }>(sql`
          UPDATE operations SET status = 'cancelled', error_kind = 'cancelled', error_message = ${message}, not_before = NULL,
            finished_at = ${now}, updated_at = ${now}
          WHERE id = ${id} AND status = 'queued' AND assigned_account_id IS NULL AND pinned_account_id IS NULL
          RETURNING kind`);
        if (cancelled === undefined) return false;
        await addToStats(t, cancelled.kind, { status: 'cancelled', durationMs: 0 }, now);
        return true;
      });
    },

    async lastSucceeded(kind, accountId, tx = port) {
      const row = await tx.get<{ at: number | string | null }>(sql`
        SELECT max(finished_at) AS at FROM operations WHERE kind = ${kind} AND status = 'succeeded' AND assigned_account_id = ${accountId}`);
      // A bigint on PostgreSQL, which node-postgres hands back as a string.
      return row?.at === null || row?.at === undefined ? null : Number(row.at);
    },

    async unfinishedCounts(tx = port) {
      const rows = await tx.all<{ kind: string; status: string; n: number | string }>(sql`
        SELECT kind, status, count(*) AS n FROM operations WHERE status IN ('queued', 'running') GROUP BY kind, status`);
      let queued = 0;
      const runningByKind = new Map<string, number>();
      for (const row of rows) {
        // count(*) is a bigint on PostgreSQL, which node-postgres hands back as a string.
        const n = Number(row.n);
        if (row.status === 'queued') queued += n;
        else runningByKind.set(row.kind, (runningByKind.get(row.kind) ?? 0) + n);
      }
      return { queued, runningByKind };
    },

    finish(op, record, accountId, now, tx) {
      const flag = (status: FinishRecord['status']) => (record.status === status ? 1 : 0);
      return atomically(tx, async (t) => {
        await t.run(sql`
          UPDATE operations SET status = ${record.status}, result = ${json(record.result)},
            error_kind = ${record.errorKind ?? null}, error_message = ${record.errorMessage ?? null}, not_before = NULL,
            finished_at = ${now}, updated_at = ${now}
          WHERE id = ${op.id}`);
        await addToStats(t, op.kind, record, now);
        if (accountId !== null) {
          await t.run(sql`
            UPDATE accounts SET ops_total = ops_total + 1, ops_failed = ops_failed + ${flag('failed')},
              updated_at = ${now}
            WHERE id = ${accountId}`);
        }
      });
    },

    async recordRetry(kind, now, tx = port) {
      await tx.run(sql`
        INSERT INTO operation_stats (kind, retries, updated_at) VALUES (${kind}, 1, ${now})
        ON CONFLICT (kind) DO UPDATE SET retries = operation_stats.retries + 1, updated_at = excluded.updated_at`);
    },

    recordFlood(kind, accountId, operationId, method, seconds, action, now, tx) {
      return atomically(tx, async (t) => {
        await t.run(sql`
          INSERT INTO flood_events (account_id, operation_id, method, seconds, action, at)
          VALUES (${accountId}, ${operationId}, ${method}, ${seconds}, ${action}, ${now})`);
        await t.run(sql`
          INSERT INTO operation_stats (kind, flood_waits, updated_at) VALUES (${kind}, 1, ${now})
          ON CONFLICT (kind) DO UPDATE SET
            flood_waits = operation_stats.flood_waits + 1, updated_at = excluded.updated_at`);
        if (accountId !== null) {
          await t.run(sql`UPDATE accounts SET flood_waits = flood_waits + 1, updated_at = ${now} WHERE id = ${accountId}`);
        }
      });
    },

    async setReportMessage(id, chatId, messageId, now, tx = port) {
      await tx.run(sql`
        UPDATE operations SET report_chat_id = ${chatId}, report_message_id = ${messageId}, updated_at = ${now}
        WHERE id = ${id}`);
    },

    async recent(limit, offset = 0, status, excludeKinds = []) {
      const byStatus = status === undefined ? sql`` : sql`status = ${status} AND `;
      const rows = await port.all<RawOperation>(sql`
        SELECT ${columns} FROM operations
        WHERE ${byStatus}kind NOT IN (${jsonArrayValues(port.dialect, excludeKinds, 'text')})
        ORDER BY id DESC LIMIT ${limit} OFFSET ${offset}`);
      return rows.map(fromRaw);
    },

    async saveCheckpoint(id, value, now, tx = port) {
      await tx.run(checkpoint(id, value, now));
    },

    async lockedCheckpoint(id, tx) {
      const lock = tx.dialect === 'postgres' ? sql` FOR UPDATE` : sql``;
      const row = await tx.get<{ checkpoint: string | null }>(sql`SELECT checkpoint FROM operations WHERE id = ${id}${lock}`);
      return parse(row?.checkpoint ?? null);
    },

    saveCheckpointWith<R, K>(id: number, now: number, write: (tx: SqlExecutor) => Promise<R>, next: K | ((result: R) => K)) {
      return port.transaction(async (tx) => {
        const result = await write(tx);
        const value = typeof next === 'function' ? (next as (r: R) => K)(result) : next;
        await tx.run(checkpoint(id, value, now));
        return { result, value };
      });
    },
  };
}
