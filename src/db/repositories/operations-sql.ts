import { sql, type Placeholder, type SQL } from 'drizzle-orm';
import type { FailureKind, OperationStatus } from '../../engine/types.js';
import type { RawRow } from '../raw-row.js';
import type { OperationRow, operations } from '../schema.js';
import { jsonArrayValues } from '../sql/json-array.js';
import type { Dialect } from '../sql/sql-port.js';
import { preparedSql, type BoundSql } from '../sql/sql-statement.js';

/*
 * The statements of the operations table (R9) and its totals, one set for both of its stores: the one-process
 * engine's synchronous store (engine/operation-store.ts, on `sql.sync`) and the repository of the SQL port
 * (operations.ts, SQLite and PostgreSQL). The hot ones are prepared: built and rendered once, bound per call.
 */

/** An operations row as stored, JSON columns parsed, with the engine's own types for status and error kind. */
export type StoredOperation = Omit<OperationRow, 'status' | 'errorKind' | 'updatedAt'> & {
  status: OperationStatus;
  errorKind: FailureKind | null;
};

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

/** The row as the statements read it (narrowing two text columns to the engine's types). */
export type RawOperation = Omit<RawRow<typeof operations>, 'updated_at'> & { status: OperationStatus; error_kind: FailureKind | null };

const columns = sql`id, kind, params, pinned_account_id, assigned_account_id, status, priority, attempts, checkpoint,
  progress_done, progress_total, result, error_kind, error_message, requested_by, report_chat_id, report_message_id,
  parent_id, not_before, created_at, started_at, finished_at`;

/** Dispatch order: priority, then FIFO (the operations_status_idx index). */
const dispatchOrder = sql`ORDER BY priority DESC, id ASC`;

const parse = (text: string | null): unknown => (text === null ? undefined : JSON.parse(text));
/** A JSON column's value as stored: undefined is no value (NULL), as the store has always written it. */
export const jsonText = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));

/** An operation as the statements read it, JSON columns parsed. */
export function decodeOperation(raw: RawOperation): StoredOperation {
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

/** The resume point as `checkpointSql` reads it. */
export const decodeCheckpoint = (row: { checkpoint: string | null } | undefined): unknown => parse(row?.checkpoint ?? null);

interface InsertValues extends Record<string, unknown> {
  kind: string;
  params: string;
  pinnedAccountId: number | null;
  priority: number;
  requestedBy: number | null;
  reportChatId: number | null;
  parentId: number | null;
  now: number;
}

const insertion = (v: (name: keyof InsertValues & string) => Placeholder): SQL => sql`
  INSERT INTO operations (kind, params, pinned_account_id, priority, requested_by, report_chat_id, parent_id,
                          created_at, updated_at)
  VALUES (${v('kind')}, ${v('params')}, ${v('pinnedAccountId')}, ${v('priority')}, ${v('requestedBy')},
          ${v('reportChatId')}, ${v('parentId')}, ${v('now')}, ${v('now')})`;
const insertTemplate = preparedSql<InsertValues>(insertion);
const insertReturningTemplate = preparedSql<InsertValues>((v) => sql`${insertion(v)} RETURNING id`);

const insertValues = (row: NewOperation, now: number): InsertValues => ({
  kind: row.kind,
  params: JSON.stringify(row.params ?? null),
  pinnedAccountId: row.pinnedAccountId,
  priority: row.priority,
  requestedBy: row.requestedBy,
  reportChatId: row.reportChatId,
  parentId: row.parentId,
  now,
});

/** Adds a queued operation; returns `{ id }`. Missing params are stored as JSON null. */
export const insertOperationSql = (row: NewOperation, now: number): BoundSql => insertReturningTemplate(insertValues(row, now));

/**
 * The same insert without its RETURNING clause, for SQLite's synchronous store, which reads the id as the insert's
 * rowid (SqlSyncRunResult): RETURNING costs SQLite some 3 µs an insert more, a measurable share of a dispatch.
 */
export const insertOperationByRowidSql = (row: NewOperation, now: number): BoundSql => insertTemplate(insertValues(row, now));

/** One operation ({@link RawOperation}). */
export const operationByIdSql = preparedSql<{ id: number }>((v) => sql`SELECT ${columns} FROM operations WHERE id = ${v('id')}`);

/** Just its status (`{ status }`). */
export const operationStatusSql = preparedSql<{ id: number }>((v) => sql`SELECT status FROM operations WHERE id = ${v('id')}`);

/** Queued and running operations, in dispatch order. */
export const unfinishedOperationsSql = preparedSql<Record<string, never>>(
  () => sql`SELECT ${columns} FROM operations WHERE status IN ('queued', 'running') ${dispatchOrder}`,
);

/** Queued and running operations placed on, or else pinned to, one of `accountIds`, in dispatch order. */
export const unfinishedForAccountsSql = (dialect: Dialect, accountIds: readonly number[]): SQL => sql`
  SELECT ${columns} FROM operations
  WHERE status IN ('queued', 'running')
    AND coalesce(assigned_account_id, pinned_account_id) IN (${jsonArrayValues(dialect, accountIds, 'integer')})
  ${dispatchOrder}`;

/** The latest operations, newest first, of `status` when given, leaving out `excludeKinds`. */
export function recentOperationsSql(
  dialect: Dialect,
  limit: number,
  offset: number,
  status: OperationStatus | undefined,
  excludeKinds: readonly string[],
): SQL {
  const byStatus = status === undefined ? sql`` : sql`status = ${status} AND `;
  return sql`
    SELECT ${columns} FROM operations
    WHERE ${byStatus}kind NOT IN (${jsonArrayValues(dialect, excludeKinds, 'text')})
    ORDER BY id DESC LIMIT ${limit} OFFSET ${offset}`;
}

/** Takes a queued operation off its account. */
export const unassignSql = preparedSql<{ id: number; now: number }>(
  (v) => sql`UPDATE operations SET assigned_account_id = NULL, updated_at = ${v('now')} WHERE id = ${v('id')} AND status = 'queued'`,
);

/** Places a queued operation on an account. */
export const assignSql = preparedSql<{ id: number; accountId: number; now: number }>(
  (v) => sql`
    UPDATE operations SET assigned_account_id = ${v('accountId')}, updated_at = ${v('now')}
    WHERE id = ${v('id')} AND status = 'queued'`,
);

/** Running on `accountId`: one more attempt, first start time kept, `not_before` cleared. */
export const markRunningSql = preparedSql<{ id: number; accountId: number; now: number }>(
  (v) => sql`
    UPDATE operations SET status = 'running', assigned_account_id = ${v('accountId')}, attempts = attempts + 1,
      started_at = coalesce(started_at, ${v('now')}), not_before = NULL, updated_at = ${v('now')}
    WHERE id = ${v('id')}`,
);

export const progressSql = preparedSql<{ id: number; done: number; total: number | null; now: number }>(
  (v) => sql`
    UPDATE operations SET progress_done = ${v('done')}, progress_total = ${v('total')}, updated_at = ${v('now')}
    WHERE id = ${v('id')}`,
);

const requeueTemplate = preparedSql<{
  id: number;
  notBefore: number | null;
  errorKind: FailureKind | null;
  errorMessage: string | null;
  now: number;
}>(
  (v) => sql`
    UPDATE operations SET status = 'queued', not_before = ${v('notBefore')}, error_kind = ${v('errorKind')},
      error_message = ${v('errorMessage')}, updated_at = ${v('now')}
    WHERE id = ${v('id')}`,
);

/** Back to the queue, not before `notBefore` (null: at once), with the error that sent it back. */
export const requeueSql = (
  id: number,
  notBefore: number | null,
  error: { readonly kind: FailureKind; readonly message: string } | null,
  now: number,
): BoundSql => requeueTemplate({ id, notBefore, errorKind: error?.kind ?? null, errorMessage: error?.message ?? null, now });

/** Cancels a queued operation no account has; returns `{ kind }`, or no row when it was not such an operation. */
export const cancelUnplacedSql = preparedSql<{ id: number; message: string; now: number }>(
  (v) => sql`
    UPDATE operations SET status = 'cancelled', error_kind = 'cancelled', error_message = ${v('message')},
      not_before = NULL, finished_at = ${v('now')}, updated_at = ${v('now')}
    WHERE id = ${v('id')} AND status = 'queued' AND assigned_account_id IS NULL AND pinned_account_id IS NULL
    RETURNING kind`,
);

const finishTemplate = preparedSql<{
  id: number;
  status: FinishRecord['status'];
  result: string | null;
  errorKind: FailureKind | null;
  errorMessage: string | null;
  now: number;
}>(
  (v) => sql`
    UPDATE operations SET status = ${v('status')}, result = ${v('result')}, error_kind = ${v('errorKind')},
      error_message = ${v('errorMessage')}, not_before = NULL, finished_at = ${v('now')}, updated_at = ${v('now')}
    WHERE id = ${v('id')}`,
);

// The existing row's columns are qualified (PostgreSQL finds bare names ambiguous in DO UPDATE), and the larger of
// two durations is a CASE, since SQLite's two-argument max() is PostgreSQL's greatest().
const statsTemplate = preparedSql<{
  kind: string;
  succeeded: number;
  failed: number;
  cancelled: number;
  duration: number;
  now: number;
}>(
  (v) => sql`
    INSERT INTO operation_stats (kind, total, succeeded, failed, cancelled, duration_ms_total, duration_ms_max,
                                 updated_at)
    VALUES (${v('kind')}, 1, ${v('succeeded')}, ${v('failed')}, ${v('cancelled')}, ${v('duration')}, ${v('duration')},
            ${v('now')})
    ON CONFLICT (kind) DO UPDATE SET
      total = operation_stats.total + 1,
      succeeded = operation_stats.succeeded + excluded.succeeded,
      failed = operation_stats.failed + excluded.failed,
      cancelled = operation_stats.cancelled + excluded.cancelled,
      duration_ms_total = operation_stats.duration_ms_total + excluded.duration_ms_total,
      duration_ms_max = CASE WHEN excluded.duration_ms_max > operation_stats.duration_ms_max
                             THEN excluded.duration_ms_max ELSE operation_stats.duration_ms_max END,
      updated_at = excluded.updated_at`,
);

/** Adds a finish to the persisted totals of its kind. */
export function addToStatsSql(kind: string, record: Pick<FinishRecord, 'status' | 'durationMs'>, now: number): BoundSql {
  const flag = (status: FinishRecord['status']) => (record.status === status ? 1 : 0);
  return statsTemplate({
    kind,
    succeeded: flag('succeeded'),
    failed: flag('failed'),
    cancelled: flag('cancelled'),
    duration: Math.max(0, Math.round(record.durationMs)),
    now,
  });
}

const accountCountersTemplate = preparedSql<{ accountId: number; failed: number; now: number }>(
  (v) => sql`
    UPDATE accounts SET ops_total = ops_total + 1, ops_failed = ops_failed + ${v('failed')}, updated_at = ${v('now')}
    WHERE id = ${v('accountId')}`,
);

/**
 * The statements of one finish, in order, for one transaction: the operation ends, its kind's totals count it, and
 * so do its account's when it ran on one.
 */
export function finishSql(op: Pick<StoredOperation, 'id' | 'kind'>, record: FinishRecord, accountId: number | null, now: number): BoundSql[] {
  const statements = [
    finishTemplate({
      id: op.id,
      status: record.status,
      result: jsonText(record.result),
      errorKind: record.errorKind ?? null,
      errorMessage: record.errorMessage ?? null,
      now,
    }),
    addToStatsSql(op.kind, record, now),
  ];
  if (accountId !== null) {
    statements.push(accountCountersTemplate({ accountId, failed: record.status === 'failed' ? 1 : 0, now }));
  }
  return statements;
}

/** Counts one retry of an operation of `kind`. */
export const recordRetrySql = preparedSql<{ kind: string; now: number }>(
  (v) => sql`
    INSERT INTO operation_stats (kind, retries, updated_at) VALUES (${v('kind')}, 1, ${v('now')})
    ON CONFLICT (kind) DO UPDATE SET retries = operation_stats.retries + 1, updated_at = excluded.updated_at`,
);

/** One flood wait, as {@link floodSql} records it. */
export interface FloodRecord {
  readonly kind: string;
  readonly accountId: number | null;
  readonly operationId: number | null;
  readonly method: string | null;
  readonly seconds: number;
  readonly action: 'slept' | 'cooled';
  readonly now: number;
}

const floodEventTemplate = preparedSql<Omit<FloodRecord, 'kind'>>(
  (v) => sql`
    INSERT INTO flood_events (account_id, operation_id, method, seconds, action, at)
    VALUES (${v('accountId')}, ${v('operationId')}, ${v('method')}, ${v('seconds')}, ${v('action')}, ${v('now')})`,
);

const floodStatsTemplate = preparedSql<{ kind: string; now: number }>(
  (v) => sql`
    INSERT INTO operation_stats (kind, flood_waits, updated_at) VALUES (${v('kind')}, 1, ${v('now')})
    ON CONFLICT (kind) DO UPDATE SET flood_waits = operation_stats.flood_waits + 1, updated_at = excluded.updated_at`,
);

const accountFloodTemplate = preparedSql<{ accountId: number; now: number }>(
  (v) => sql`UPDATE accounts SET flood_waits = flood_waits + 1, updated_at = ${v('now')} WHERE id = ${v('accountId')}`,
);

/** The statements of one flood wait, in order, for one transaction: the event, the kind's total and the account's. */
export function floodSql(flood: FloodRecord): BoundSql[] {
  const { kind, accountId, now } = flood;
  const statements = [floodEventTemplate(flood), floodStatsTemplate({ kind, now })];
  if (accountId !== null) statements.push(accountFloodTemplate({ accountId, now }));
  return statements;
}

/** Where the operation's report lives. */
export const reportMessageSql = preparedSql<{ id: number; chatId: number | null; messageId: number | null; now: number }>(
  (v) => sql`
    UPDATE operations SET report_chat_id = ${v('chatId')}, report_message_id = ${v('messageId')}, updated_at = ${v('now')}
    WHERE id = ${v('id')}`,
);

const saveCheckpointTemplate = preparedSql<{ id: number; checkpoint: string | null; now: number }>(
  (v) => sql`UPDATE operations SET checkpoint = ${v('checkpoint')}, updated_at = ${v('now')} WHERE id = ${v('id')}`,
);

/** Stores the resume point (undefined clears it). */
export const saveCheckpointSql = (id: number, value: unknown, now: number): BoundSql =>
  saveCheckpointTemplate({ id, checkpoint: jsonText(value), now });

/** The resume point (`{ checkpoint }`, see {@link decodeCheckpoint}), the row locked on PostgreSQL. */
export const lockedCheckpointSql = (dialect: Dialect, id: number): SQL =>
  sql`SELECT checkpoint FROM operations WHERE id = ${id}${dialect === 'postgres' ? sql` FOR UPDATE` : sql``}`;

/** When the latest operation of `kind` that succeeded on `accountId` finished (`{ at }`, see {@link decodeMaybeNumber}). */
export const lastSucceededSql = preparedSql<{ kind: string; accountId: number }>(
  (v) => sql`
    SELECT max(finished_at) AS at FROM operations
    WHERE kind = ${v('kind')} AND status = 'succeeded' AND assigned_account_id = ${v('accountId')}`,
);

/** An aggregate's value: a bigint on PostgreSQL, which node-postgres hands back as a string. */
export const decodeMaybeNumber = (value: number | string | null | undefined): number | null =>
  value === null || value === undefined ? null : Number(value);

/** Unfinished operations by kind and status (`{ kind, status, n }`, see {@link decodeUnfinishedCounts}). */
export const unfinishedCountsSql = preparedSql<Record<string, never>>(
  () => sql`SELECT kind, status, count(*) AS n FROM operations WHERE status IN ('queued', 'running') GROUP BY kind, status`,
);

/** How many operations wait, and how many run of each kind. */
export function decodeUnfinishedCounts(rows: readonly { kind: string; status: string; n: number | string }[]): {
  readonly queued: number;
  readonly runningByKind: ReadonlyMap<string, number>;
} {
  let queued = 0;
  const runningByKind = new Map<string, number>();
  for (const row of rows) {
    // count(*) is a bigint on PostgreSQL, which node-postgres hands back as a string.
    const n = Number(row.n);
    if (row.status === 'queued') queued += n;
    else runningByKind.set(row.kind, (runningByKind.get(row.kind) ?? 0) + n);
  }
  return { queued, runningByKind };
}
