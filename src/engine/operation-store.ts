import type { DatabaseHandle } from '../db/client.js';
import type { SqlExecutor } from '../db/sql/sql-port.js';
import type { RawRow } from '../db/raw-row.js';
import type { OperationRow, operations } from '../db/schema.js';
import { createCheckpointWriter } from './checkpoint-writer.js';
import type { FailureKind, OperationStatus } from './types.js';

/** An operations row as stored, JSON columns parsed, with the engine's own types for status and error kind. */
export type StoredOperation = Omit<OperationRow, 'status' | 'errorKind' | 'updatedAt'> & {
  status: OperationStatus;
  errorKind: FailureKind | null;
};

/** The row as the prepared statements read it (narrowing two text columns to the engine's types). */
type RawOperation = RawRow<typeof operations> & { status: OperationStatus; error_kind: FailureKind | null };

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

export interface NewOperation {
  kind: string;
  params: unknown;
  pinnedAccountId: number | null;
  priority: number;
  requestedBy: number | null;
  reportChatId: number | null;
  parentId: number | null;
}

export interface FinishRecord {
  status: Extract<OperationStatus, 'succeeded' | 'failed' | 'cancelled'>;
  result?: unknown;
  errorKind?: FailureKind | null;
  errorMessage?: string | null;
  /** Time spent running, for the persisted duration totals. */
  durationMs: number;
}

/** Most time a reported progress waits for a commit of its own, in ms. */
const PROGRESS_WRITE_MS = 250;

/** Durable operations (R9), on prepared statements: this is the dispatch hot path. */
export function createOperationStore(db: DatabaseHandle, onWriteError: (error: unknown, batchError: unknown) => void = () => undefined): OperationStore {
  const { sqlite } = db;
  const insert = sqlite.prepare<[string, string, number | null, number, number | null, number | null, number | null, number, number]>(
    `insert into operations (kind, params, pinned_account_id, priority, requested_by, report_chat_id, parent_id, created_at, updated_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const running = sqlite.prepare<[number, number, number, number]>(
    `update operations set status = 'running', assigned_account_id = ?, attempts = attempts + 1,
       started_at = coalesce(started_at, ?), not_before = null, updated_at = ? where id = ?`,
  );
  const progress = sqlite.prepare<[number, number | null, number, number]>(
    `update operations set progress_done = ?, progress_total = ?, updated_at = ? where id = ?`,
  );
  const checkpoints = createCheckpointWriter(db);
  const requeue = sqlite.prepare<[number | null, string | null, string | null, number, number]>(
    `update operations set status = 'queued', not_before = ?, error_kind = ?, error_message = ?, updated_at = ? where id = ?`,
  );
  const finish = sqlite.prepare<[string, string | null, string | null, string | null, number, number, number]>(
    `update operations set status = ?, result = ?, error_kind = ?, error_message = ?, not_before = null,
       finished_at = ?, updated_at = ? where id = ?`,
  );
  const stats = sqlite.prepare<{
    kind: string;
    succeeded: number;
    failed: number;
    cancelled: number;
    duration: number;
    now: number;
  }>(
    `insert into operation_stats (kind, total, succeeded, failed, cancelled, duration_ms_total, duration_ms_max, updated_at)
     values (@kind, 1, @succeeded, @failed, @cancelled, @duration, @duration, @now)
     on conflict(kind) do update set total = total + 1, succeeded = succeeded + @succeeded, failed = failed + @failed,
       cancelled = cancelled + @cancelled, duration_ms_total = duration_ms_total + @duration,
       duration_ms_max = max(duration_ms_max, @duration), updated_at = @now`,
  );
  const statsRetry = sqlite.prepare<[string, number]>(
    `insert into operation_stats (kind, retries, updated_at) values (?, 1, ?)
     on conflict(kind) do update set retries = retries + 1, updated_at = excluded.updated_at`,
  );
  const statsFlood = sqlite.prepare<[string, number]>(
    `insert into operation_stats (kind, flood_waits, updated_at) values (?, 1, ?)
     on conflict(kind) do update set flood_waits = flood_waits + 1, updated_at = excluded.updated_at`,
  );
  const floodEvent = sqlite.prepare<[number | null, number | null, string | null, number, string, number]>(
    `insert into flood_events (account_id, operation_id, method, seconds, action, at) values (?, ?, ?, ?, ?, ?)`,
  );
  const accountCounters = sqlite.prepare<[number, number, number]>(
    `update accounts set ops_total = ops_total + 1, ops_failed = ops_failed + ?, updated_at = ? where id = ?`,
  );
  const accountFlood = sqlite.prepare<[number, number]>(
    `update accounts set flood_waits = flood_waits + 1, updated_at = ? where id = ?`,
  );
  const reportMessage = sqlite.prepare<[number | null, number | null, number, number]>(
    `update operations set report_chat_id = ?, report_message_id = ?, updated_at = ? where id = ?`,
  );
  const byId = sqlite.prepare<[number], RawOperation>(`select * from operations where id = ?`);
  const unfinished = sqlite.prepare<[], RawOperation>(
    `select * from operations where status in ('queued', 'running') order by priority desc, id asc`,
  );
  // Kinds to leave out come as a JSON array, so one statement serves any list.
  const recent = sqlite.prepare<[string, number, number], RawOperation>(
    `select * from operations where kind not in (select value from json_each(?)) order by id desc limit ? offset ?`,
  );
  const recentByStatus = sqlite.prepare<[string, string, number, number], RawOperation>(
    `select * from operations where status = ? and kind not in (select value from json_each(?)) order by id desc limit ? offset ?`,
  );

  const finishTx = sqlite.transaction((op: StoredOperation, record: FinishRecord, accountId: number | null, now: number) => {
    finish.run(record.status, json(record.result), record.errorKind ?? null, record.errorMessage ?? null, now, now, op.id);
    stats.run({
      kind: op.kind,
      succeeded: record.status === 'succeeded' ? 1 : 0,
      failed: record.status === 'failed' ? 1 : 0,
      cancelled: record.status === 'cancelled' ? 1 : 0,
      duration: Math.max(0, Math.round(record.durationMs)),
      now,
    });
    if (accountId !== null) accountCounters.run(record.status === 'failed' ? 1 : 0, now, accountId);
  });
  const insertMany = sqlite.transaction((rows: NewOperation[], now: number) => rows.map((row) => insertOne(row, now)));
  const floodTx = sqlite.transaction(
    (kind: string, accountId: number | null, operationId: number | null, method: string | null, seconds: number, action: string, now: number) => {
      floodEvent.run(accountId, operationId, method, seconds, action, now);
      statsFlood.run(kind, now);
      if (accountId !== null) accountFlood.run(now, accountId);
    },
  );

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
    for (const [id, p] of progressLatest) progress.run(p.done, p.total, p.at, id);
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
    const info = insert.run(
      row.kind,
      JSON.stringify(row.params ?? null),
      row.pinnedAccountId,
      row.priority,
      row.requestedBy,
      row.reportChatId,
      row.parentId,
      now,
      now,
    );
    return Number(info.lastInsertRowid);
  }

  return {
    insert: insertOne,
    /** Inserts many operations in one transaction (bulk requests). */
    insertMany: (rows: NewOperation[], now: number): number[] => insertMany(rows, now),
    /** Deferred to the next group commit. */
    markRunning(id: number, accountId: number, now: number): void {
      defer(() => running.run(accountId, now, now, id));
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
      requeue.run(notBefore, error?.kind ?? null, error?.message ?? null, now, id);
    },
    /** Deferred to the next group commit; `committed` runs once it is durable. */
    finish(op: StoredOperation, record: FinishRecord, accountId: number | null, now: number, committed?: () => void): void {
      defer(() => finishTx(op, record, accountId, now), committed);
    },
    /** Commits every deferred write now (before a shutdown, or a read that must see them). */
    flush,
    recordRetry(kind: string, now: number): void {
      statsRetry.run(kind, now);
    },
    recordFlood(
      kind: string,
      accountId: number | null,
      operationId: number | null,
      method: string | null,
      seconds: number,
      action: 'slept' | 'cooled',
      now: number,
    ): void {
      floodTx(kind, accountId, operationId, method, seconds, action, now);
    },
    setReportMessage(id: number, chatId: number | null, messageId: number | null, now: number): void {
      reportMessage.run(chatId, messageId, now, id);
    },
    get(id: number): StoredOperation | undefined {
      flush();
      const raw = byId.get(id);
      return raw ? fromRaw(raw) : undefined;
    },
    /** Queued and interrupted operations, in dispatch order: priority, then FIFO. */
    unfinished(): StoredOperation[] {
      flush();
      return unfinished.all().map(fromRaw);
    },
    recent(limit: number, offset = 0, status?: OperationStatus, excludeKinds: readonly string[] = []): StoredOperation[] {
      flush();
      const excluded = JSON.stringify(excludeKinds);
      const rows = status ? recentByStatus.all(status, excluded, limit, offset) : recent.all(excluded, limit, offset);
      return rows.map(fromRaw);
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
