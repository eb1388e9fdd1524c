import type { FailureKind, OperationStatus } from '../../engine/types.js';
import type { SqlExecutor, SqlHandle } from '../sql/sql-port.js';
import type { SqlStatement } from '../sql/sql-statement.js';
import {
  addToStatsSql,
  assignSql,
  cancelUnplacedSql,
  decodeCheckpoint,
  decodeMaybeNumber,
  decodeOperation,
  decodeUnfinishedCounts,
  finishSql,
  floodSql,
  insertOperationSql,
  lastSucceededSql,
  lockedCheckpointSql,
  markRunningSql,
  operationByIdSql,
  operationStatusSql,
  progressSql,
  recentOperationsSql,
  recordRetrySql,
  reportMessageSql,
  requeueSql,
  saveCheckpointSql,
  unassignSql,
  unfinishedCountsSql,
  unfinishedForAccountsSql,
  unfinishedOperationsSql,
  type FinishRecord,
  type NewOperation,
  type RawOperation,
  type StoredOperation,
} from './operations-sql.js';

/** Why an operation goes back to the queue, when it failed in a way worth retrying. */
export interface RequeueError {
  readonly kind: FailureKind;
  readonly message: string;
}

/**
 * Durable operations (R9) over the SQL port, on SQLite and PostgreSQL alike: the statements of operations-sql.ts,
 * which engine/operation-store.ts runs synchronously, for processes (workers on PostgreSQL) that reach the database
 * through the port. Unlike the store it defers nothing: every write is committed when its promise resolves (or with the caller's
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

/** The operations table (R9) over the SQL port; see {@link OperationsRepository}. */
export function createOperationsRepository(db: SqlHandle): OperationsRepository {
  const port = db.sql;
  /** `body` in the caller's transaction when there is one, else in a transaction of its own. */
  const atomically = <T>(tx: SqlExecutor | undefined, body: (tx: SqlExecutor) => Promise<T>): Promise<T> =>
    tx === undefined ? port.transaction(body) : body(tx);
  /** Runs statements in order, in one transaction (or the caller's). */
  const inOrder = (statements: readonly SqlStatement[], tx: SqlExecutor | undefined): Promise<void> =>
    atomically(tx, async (t) => {
      for (const statement of statements) await t.run(statement);
    });

  const insertOne = async (row: NewOperation, now: number, tx: SqlExecutor): Promise<number> => {
    const inserted = await tx.get<{ id: number }>(insertOperationSql(row, now));
    if (inserted === undefined) throw new Error('INSERT … RETURNING gave no row');
    return inserted.id;
  };

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
      const raw = await tx.get<RawOperation>(operationByIdSql({ id }));
      return raw === undefined ? undefined : decodeOperation(raw);
    },

    async status(id, tx = port) {
      return (await tx.get<{ status: OperationStatus }>(operationStatusSql({ id })))?.status;
    },

    async unfinished(tx = port) {
      return (await tx.all<RawOperation>(unfinishedOperationsSql({}))).map(decodeOperation);
    },

    async unfinishedForAccounts(accountIds, tx = port) {
      if (accountIds.length === 0) return [];
      return (await tx.all<RawOperation>(unfinishedForAccountsSql(tx.dialect, accountIds))).map(decodeOperation);
    },

    async unassign(id, now, tx = port) {
      return (await tx.run(unassignSql({ id, now }))).changes > 0;
    },

    async assign(id, accountId, now, tx = port) {
      return (await tx.run(assignSql({ id, accountId, now }))).changes > 0;
    },

    async markRunning(id, accountId, now, tx = port) {
      await tx.run(markRunningSql({ id, accountId, now }));
    },

    async progress(id, done, total, now, tx = port) {
      await tx.run(progressSql({ id, done, total, now }));
    },

    async requeue(id, notBefore, error, now, tx = port) {
      await tx.run(requeueSql(id, notBefore, error, now));
    },

    cancelUnplaced(id, message, now, tx) {
      return atomically(tx, async (t) => {
        const cancelled = await t.get<{ kind: string }>(cancelUnplacedSql({ id, message, now }));
        if (cancelled === undefined) return false;
        await t.run(addToStatsSql(cancelled.kind, { status: 'cancelled', durationMs: 0 }, now));
        return true;
      });
    },

    async lastSucceeded(kind, accountId, tx = port) {
      return decodeMaybeNumber((await tx.get<{ at: number | string | null }>(lastSucceededSql({ kind, accountId })))?.at);
    },

    async unfinishedCounts(tx = port) {
      return decodeUnfinishedCounts(await tx.all(unfinishedCountsSql({})));
    },

    finish(op, record, accountId, now, tx) {
      return inOrder(finishSql(op, record, accountId, now), tx);
    },

    async recordRetry(kind, now, tx = port) {
      await tx.run(recordRetrySql({ kind, now }));
    },

    recordFlood(kind, accountId, operationId, method, seconds, action, now, tx) {
      return inOrder(floodSql({ kind, accountId, operationId, method, seconds, action, now }), tx);
    },

    async setReportMessage(id, chatId, messageId, now, tx = port) {
      await tx.run(reportMessageSql({ id, chatId, messageId, now }));
    },

    async recent(limit, offset = 0, status, excludeKinds = []) {
      return (await port.all<RawOperation>(recentOperationsSql(port.dialect, limit, offset, status, excludeKinds))).map(
        decodeOperation,
      );
    },

    async saveCheckpoint(id, value, now, tx = port) {
      await tx.run(saveCheckpointSql(id, value, now));
    },

    async lockedCheckpoint(id, tx) {
      return decodeCheckpoint(await tx.get<{ checkpoint: string | null }>(lockedCheckpointSql(tx.dialect, id)));
    },

    saveCheckpointWith<R, K>(id: number, now: number, write: (tx: SqlExecutor) => Promise<R>, next: K | ((result: R) => K)) {
      return port.transaction(async (tx) => {
        const result = await write(tx);
        const value = typeof next === 'function' ? (next as (r: R) => K)(result) : next;
        await tx.run(saveCheckpointSql(id, value, now));
        return { result, value };
      });
    },
  };
}
