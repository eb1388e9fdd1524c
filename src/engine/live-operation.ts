import type { BudgetNeeds } from './budget.js';
import type { BudgetGrant, BudgetHold } from './budget-ledger.js';
import type { NewOperation, StoredOperation } from './operation-store.js';
import { toOperation } from './operation-view.js';
import type { SlotRelease } from './rules/scrape-limit.js';
import type { Operation, OperationType, RunnerDefinition } from './types.js';

export type AnyDefinition = RunnerDefinition<unknown, unknown, unknown, unknown>;

/**
 * Where a live operation is: `pending` (between steps), `delayed` (a timed wait), `slot` (waiting for a
 * scrape slot), `account` (in an account's queue), `locking` (taking the account's lock), `running`, `done`.
 */
export type Phase = 'pending' | 'delayed' | 'slot' | 'account' | 'locking' | 'running' | 'done';

/** An operation the engine holds in memory from admission (or resume) until its finish is committed. */
export interface LiveOp {
  row: StoredOperation;
  readonly def: AnyDefinition;
  readonly type: OperationType;
  phase: Phase;
  /** Aborts the current wait (delay, slot, account queue). */
  wait: AbortController | undefined;
  /** Aborts the current run. */
  run: AbortController | undefined;
  slotRelease: SlotRelease | undefined;
  laneId: number | null;
  failures: number;
  moves: number;
  cancelRequested: boolean;
  notice: string | null;
  /** The most budgeted calls one run may make (README: Budgets); empty for most work. */
  readonly needs: BudgetNeeds;
  /** Budget set aside on the account whose queue the operation waits in. */
  hold: BudgetHold | undefined;
}

/** One run's runner as the executor watches it: its work, whether it has really stopped, and its budget grant. */
export interface RunnerState {
  work: Promise<unknown> | undefined;
  settled: boolean;
  grant: BudgetGrant | undefined;
}

export function liveOperation(row: StoredOperation, def: AnyDefinition, needs: BudgetNeeds): LiveOp {
  return {
    row,
    def,
    type: def.type,
    phase: 'pending',
    wait: undefined,
    run: undefined,
    slotRelease: undefined,
    laneId: null,
    failures: 0,
    moves: 0,
    cancelRequested: false,
    notice: null,
    needs,
    hold: undefined,
  };
}

/** The row as just inserted, without reading it back. */
export function insertedRow(inserted: NewOperation, id: number, now: number): StoredOperation {
  return {
    ...inserted,
    id,
    assignedAccountId: null,
    status: 'queued',
    attempts: 0,
    checkpoint: undefined,
    progressDone: 0,
    progressTotal: null,
    result: undefined,
    errorKind: null,
    errorMessage: null,
    reportMessageId: null,
    notBefore: null,
    createdAt: now,
    startedAt: null,
    finishedAt: null,
  };
}

/** The public view of a live operation. */
export function snapshotOf(op: LiveOp): Operation {
  return toOperation(op.row, op.type, op.laneId ?? op.row.assignedAccountId, op.notice);
}
