import { sql } from 'drizzle-orm';
import type { OperationsRepository } from '../../db/repositories/operations.js';
import type { AccountRow, MonitorRow } from '../../db/schema.js';
import type { Dialect, SqlExecutor } from '../../db/sql/sql-port.js';
import type { NewOperation } from '../operation-store.js';
import { Priority } from '../rules/priorities.js';

/*
 * Re-arming monitors in a fleet (docs/several-processes.md, "Monitors"). A monitor's watch lives in the memory of the
 * worker that armed it, and its operation finishes once armed, so a takeover resumes nothing for it: the watch has to
 * be armed again. Who does it depends on where the monitor is placed, and each arm is one transaction that locks the
 * monitor's row, checks no unfinished monitor operation arms it already, and inserts one: two processes never both arm
 * the same monitor, whoever they are.
 */

/** An unfinished monitor operation, with the monitor it names in its parameters (null when it creates its own). */
export interface ArmingOperation {
  readonly id: number;
  readonly monitorId: number | null;
}

/**
 * Whether an unfinished operation arms `monitor` already: one naming it, or the one that created it (its row records
 * the operation; a /monitor add names no monitor until it has run).
 */
export function isBeingArmed(monitor: Pick<MonitorRow, 'id' | 'operationId'>, unfinished: readonly ArmingOperation[]): boolean {
  return unfinished.some((op) => op.monitorId === monitor.id || op.id === monitor.operationId);
}

/**
 * Who re-arms an active monitor: `holder`, the worker that takes the lease of the account it is placed on (pinned
 * there, as one process re-arms it); `fleet`, when that account is gone (removed: its row keeps no account) or dead
 * (no worker takes a dead account's lease): the panel submits it unpinned and a worker with a free account arms it.
 */
export function rearmedBy(monitor: Pick<MonitorRow, 'accountId'>, account: Pick<AccountRow, 'health'> | undefined): 'holder' | 'fleet' {
  if (monitor.accountId === null || account === undefined || account.health === 'dead') return 'fleet';
  return 'holder';
}

/** Every unfinished monitor operation, fleet-wide (a handful: there is one per monitor being armed). */
export async function unfinishedMonitorOperations(tx: SqlExecutor): Promise<ArmingOperation[]> {
  const rows = await tx.all<{ id: number; params: unknown }>(sql`SELECT id, params FROM operations WHERE kind = 'monitor' AND status IN ('queued', 'running')`);
  return rows.map((row) => ({ id: row.id, monitorId: monitorIdOf(row.params) }));
}

function monitorIdOf(params: unknown): number | null {
  let value: unknown = params;
  if (typeof params === 'string') {
    try {
      value = JSON.parse(params);
    } catch {
      return null;
    }
  }
  const id = (value as { monitorId?: unknown } | null)?.monitorId;
  return typeof id === 'number' && Number.isSafeInteger(id) ? id : null;
}

/** The operation that arms `monitor` again, pinned to `pinnedAccountId` or, null, for any account. */
export function rearmOperation(monitor: Pick<MonitorRow, 'id' | 'target' | 'keywords' | 'createdBy' | 'reportChatId'>, pinnedAccountId: number | null): NewOperation {
  return {
    kind: 'monitor',
    params: { target: monitor.target, keywords: [...monitor.keywords], monitorId: monitor.id, createdBy: monitor.createdBy, reportChatId: monitor.reportChatId },
    pinnedAccountId,
    priority: Priority.monitoring,
    requestedBy: null,
    reportChatId: null,
    parentId: null,
  };
}

export interface ArmOptions {
  readonly dialect: Dialect;
  readonly operations: Pick<OperationsRepository, 'insert'>;
  /** Where the monitor must still be placed for this arm to go on (its row is re-read under the lock). */
  readonly placedOn: (accountId: number | null) => boolean;
  readonly pinnedAccountId: number | null;
  readonly now: number;
}

/**
 * In `tx`: inserts an operation arming `monitorId` again, unless it was stopped, placed elsewhere meanwhile, or is
 * being armed already. The monitor's row is locked first (PostgreSQL's FOR UPDATE; SQLite runs one write transaction
 * at a time anyway), so of two processes arming the same monitor the second sees the first's operation.
 * @returns the new operation's id, or undefined when nothing was inserted
 */
export async function armInTransaction(tx: SqlExecutor, monitorId: number, options: ArmOptions): Promise<number | undefined> {
  const lock = options.dialect === 'postgres' ? sql`FOR UPDATE` : sql``;
  const row = await tx.get<{ account_id: number | null; operation_id: number | null; target: string; keywords: string; created_by: number | null; report_chat_id: number | null }>(
    sql`SELECT account_id, operation_id, target, keywords, created_by, report_chat_id FROM monitors WHERE id = ${monitorId} AND active = 1 ${lock}`,
  );
  if (row === undefined || !options.placedOn(row.account_id)) return undefined;
  if (isBeingArmed({ id: monitorId, operationId: row.operation_id }, await unfinishedMonitorOperations(tx))) return undefined;
  const monitor = { id: monitorId, target: row.target, keywords: JSON.parse(row.keywords) as string[], createdBy: row.created_by, reportChatId: row.report_chat_id };
  return options.operations.insert(rearmOperation(monitor, options.pinnedAccountId), options.now, tx);
}
