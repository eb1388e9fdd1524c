import type { DatabaseHandle } from '../db/client.js';
import {
  decodeOperation,
  finishSql,
  floodSql,
  insertOperationByRowidSql,
  markRunningSql,
  operationByIdSql,
  progressSql,
  recentOperationsSql,
  recordRetrySql,
  reportMessageSql,
  requeueSql,
  unfinishedOperationsSql,
  type FinishRecord,
  type FloodRecord,
  type NewOperation,
  type RawOperation,
  type StoredOperation,
} from '../db/repositories/operations-sql.js';
import type { SqlExecutor } from '../db/sql/sql-port.js';
import type { BoundSql } from '../db/sql/sql-statement.js';
import { createCheckpointWriter } from './checkpoint-writer.js';
import type { FailureKind, OperationStatus } from './types.js';

export type { FinishRecord, NewOperation, StoredOperation } from '../db/repositories/operations-sql.js';

/** Most time a reported progress waits for a commit of its own, in ms. */
const PROGRESS_WRITE_MS = 250;

/**
 * Durable operations (R9), synchronous: this is the dispatch hot path. The statements are operations-sql.ts's, which
 * the port's repository (db/repositories/operations.ts) runs as well, here run at once on the handle's `sql.sync`.
 */
export function createOperationStore(db: DatabaseHandle, onWriteError: (error: unknown, batchError: unknown) => void = () => undefined): OperationStore {
  const { sqlite } = db;
  const exec = db.sql.sync;
  const checkpoints = createCheckpointWriter(db);

  const runAll = (statements: readonly BoundSql[]): void => {
    for (const statement of statements) exec.run(statement);
  };
  const finishTx = sqlite.transaction((op: StoredOperation, record: FinishRecord, accountId: number | null, now: number) =>
    runAll(finishSql(op, record, accountId, now)),
  );
  const insertMany = sqlite.transaction((rows: NewOperation[], now: number) => rows.map((row) => insertOne(row, now)));
  const floodTx = sqlite.transaction((flood: FloodRecord) => runAll(floodSql(flood)));

  // Group commit: state changes that a crash may lose without harm (running → interrupted resumes from the
  // checkpoint anyway; a lost finish re-runs an idempotent runner) are written in one transaction per
  // event-loop turn. Callers are told "finished" only after the commit (see `afterCommit`).
  let pending: Array<() => void> = [];
  let after: Array<() => void> = [];
  let scheduled: ReturnType<typeof setImmediate> | undefined;
  // Progress is only for show (the checkpoint is what a resume uses): the latest of each operation rides
  // along with the next commit, and a commit for it alone happens at most every PROGRESS_WRITE_MS. A scrape
  // reports every page; a commit per page would keep the write lock busy for nothing.
  const progressLatest = new Map<number, { done: number; total: number | null; at: number }>();
  let progressTimer: ReturnType<typeof setTimeout> | undefined;
  const writeProgress = () => {
    for (const [id, p] of progressLatest) exec.run(progressSql({ id, done: p.done, total: p.total, now: p.at }));
    progressLatest.clear();
  };
  const commitBatch = sqlite.transaction((writes: Array<() => void>) => {
    for (const write of writes) write();
  });
  const flush = (): void => {
    if (scheduled !== undefined) clearImmediate(scheduled);
    scheduled = undefined;
    if (progressTimer !== undefined) clearTimeout(progressTimer);
    progressTimer = undefined;
    if (progressLatest.size > 0) pending.unshift(writeProgress);
    const writes = pending;
    const callbacks = after;
    pending = [];
    after = [];
    if (writes.length > 0) {
      try {
        commitBatch(writes);
      } catch (error) {
        // One bad write must not take the others (or the callbacks waiting on them) down with it.
        for (const write of writes) {
          try {
            write();
          } catch (single) {
            onWriteError(single, error);
          }
        }
      }
    }
    for (const callback of callbacks) callback();
  };
  const defer = (write: (() => void) | null, callback?: () => void): void => {
    if (write) pending.push(write);
    if (callback) after.push(callback);
    scheduled ??= setImmediate(flush);
  };

  function insertOne(row: NewOperation, now: number): number {
    return exec.run(insertOperationByRowidSql(row, now)).lastInsertRowid;
  }

  return {
    insert: insertOne,
    /** Inserts many operations in one transaction (bulk requests). */
    insertMany: (rows: NewOperation[], now: number): number[] => insertMany(rows, now),
    /** Deferred to the next group commit. */
    markRunning(id: number, accountId: number, now: number): void {
      defer(() => exec.run(markRunningSql({ id, accountId, now })));
    },
    /** Kept for the next group commit, which comes within PROGRESS_WRITE_MS. */
    progress(id: number, done: number, total: number | null, now: number): void {
      progressLatest.set(id, { done, total, at: now });
      if (progressTimer === undefined) {
        progressTimer = setTimeout(() => {
          progressTimer = undefined;
          defer(null);
        }, PROGRESS_WRITE_MS);
        progressTimer.unref();
      }
    },
    saveCheckpoint: checkpoints.save,
    /** Runs `write` and the checkpoint update in one transaction; returns both. */
    saveCheckpointWith: checkpoints.saveWith,
    requeue(id: number, notBefore: number | null, error: { kind: FailureKind; message: string } | null, now: number): void {
      // A deferred "running" must not land after this and undo it.
      flush();
      exec.run(requeueSql(id, notBefore, error, now));
    },
    /** Deferred to the next group commit; `committed` runs once it is durable. */
    finish(op: StoredOperation, record: FinishRecord, accountId: number | null, now: number, committed?: () => void): void {
      defer(() => finishTx(op, record, accountId, now), committed);
    },
    /** Commits every deferred write now (before a shutdown, or a read that must see them). */
    flush,
    recordRetry(kind: string, now: number): void {
      exec.run(recordRetrySql({ kind, now }));
    },
    recordFlood(kind, accountId, operationId, method, seconds, action, now): void {
      floodTx({ kind, accountId, operationId, method, seconds, action, now });
    },
    setReportMessage(id: number, chatId: number | null, messageId: number | null, now: number): void {
      exec.run(reportMessageSql({ id, chatId, messageId, now }));
    },
    get(id: number): StoredOperation | undefined {
      flush();
      const raw = exec.get<RawOperation>(operationByIdSql({ id }));
      return raw ? decodeOperation(raw) : undefined;
    },
    /** Queued and interrupted operations, in dispatch order: priority, then FIFO. */
    unfinished(): StoredOperation[] {
      flush();
      return exec.all<RawOperation>(unfinishedOperationsSql({})).map(decodeOperation);
    },
    recent(limit: number, offset = 0, status?: OperationStatus, excludeKinds: readonly string[] = []): StoredOperation[] {
      flush();
      return exec.all<RawOperation>(recentOperationsSql('sqlite', limit, offset, status, excludeKinds)).map(decodeOperation);
    },
  };
}

/**
 * The engine's durable record of operations (R9), synchronous from the engine's side: writes that may be
 * deferred are (group commit here, an ordered write-behind queue on PostgreSQL, src/engine/distributed/
 * mirror-operation-store.ts); `finish` says through `committed` when its write is durable.
 */
export interface OperationStore {
  insert(row: NewOperation, now: number): number;
  insertMany(rows: NewOperation[], now: number): number[];
  markRunning(id: number, accountId: number, now: number): void;
  progress(id: number, done: number, total: number | null, now: number): void;
  saveCheckpoint(id: number, value: unknown, now: number): void;
  /** Runs `write` and the checkpoint update in one transaction; returns (or resolves to) both. */
  saveCheckpointWith<R, K>(
    id: number,
    now: number,
    write: (tx?: SqlExecutor) => R | Promise<R>,
    next: K | ((result: R) => K),
  ): { result: R; value: K } | Promise<{ result: R; value: K }>;
  requeue(id: number, notBefore: number | null, error: { kind: FailureKind; message: string } | null, now: number): void;
  finish(op: StoredOperation, record: FinishRecord, accountId: number | null, now: number, committed?: () => void): void;
  /** Commits every deferred write it can now (before a shutdown, or a read that must see them). */
  flush(): void;
  recordRetry(kind: string, now: number): void;
  recordFlood(kind: string, accountId: number | null, operationId: number | null, method: string | null, seconds: number, action: 'slept' | 'cooled', now: number): void;
  setReportMessage(id: number, chatId: number | null, messageId: number | null, now: number): void;
  get(id: number): StoredOperation | undefined;
  unfinished(): StoredOperation[];
  recent(limit: number, offset?: number, status?: OperationStatus, excludeKinds?: readonly string[]): StoredOperation[];
  /**
   * The dispatcher chose `accountId` for a queued operation (not yet running). One process needs no record
   * of it; several do, so that the account's next lease holder resumes the operation (docs/several-processes.md).
   */
  placed?(id: number, accountId: number, now: number): void;
}
