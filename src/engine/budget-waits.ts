import type { EngineCore } from './core.js';
import { BUDGET_ACTIONS, type BudgetAction } from './budget.js';
import { needsBudget, type BudgetGrant } from './budget-ledger.js';
import { OperationAbortedError } from './errors.js';
import type { LiveOp } from './live-operation.js';

/** Why a parked operation's wait ends early: budget it needs came back. */
export const BUDGET_FREED = new OperationAbortedError('moved', 'Budget came free.');

/**
 * The budget side of scheduling (README: Budgets): holds set aside for waiting work, grants given back
 * after a run, and the operations parked until some account has budget again, woken early when a refund
 * or a released hold frees what they need.
 */
export class BudgetWaits {
  readonly #core: EngineCore;
  /** Operations parked until some account has budget again. */
  readonly #parked = new Set<LiveOp>();
  /** The budget wait last written for an operation, so that waking it and parking it again writes nothing. */
  readonly #stored = new WeakMap<LiveOp, { notBefore: number; message: string }>();

  constructor(core: EngineCore) {
    this.#core = core;
  }

  /** Sets budget aside on the account the operation now waits for, so the balancer never promises it twice. */
  hold(op: LiveOp, accountId: number): void {
    if (needsBudget(op.needs)) op.hold = this.#core.budgets.hold(accountId, op.needs);
  }

  /** Releases the operation's hold; `freed` when the budget really comes free (not when the hold becomes its run's grant). */
  dropHold(op: LiveOp, freed = true): void {
    const hold = op.hold;
    op.hold = undefined;
    if (!hold || hold.released) return;
    this.#core.budgets.release(hold);
    if (freed) this.#wake(hold.accountId, BUDGET_ACTIONS.filter((action) => (hold.needs[action] ?? 0) > 0));
  }

  /** Gives back what a run did not spend. */
  refund(grant: BudgetGrant | undefined): void {
    if (grant) this.#wake(grant.accountId, this.#core.budgets.refund(grant, this.#core.now()));
  }

  /** Persists a budget wait (R9), unless it is the one written last for this operation. */
  store(op: LiveOp, notBefore: number, message: string, now: number): void {
    const stored = this.#stored.get(op);
    if (stored?.notBefore !== notBefore || stored.message !== message) {
      this.#core.ops.requeue(op.row.id, notBefore, { kind: 'no_budget', message }, now);
      this.#stored.set(op, { notBefore, message });
    }
  }

  park(op: LiveOp): void {
    this.#parked.add(op);
  }

  /** The operation's wait ended; `keepStored` when it only woke for budget (it is placed again at once). */
  unpark(op: LiveOp, keepStored: boolean): void {
    this.#parked.delete(op);
    if (!keepStored) this.#stored.delete(op);
  }

  /**
   * Budget of these actions came back on the account: the operations parked for it that could use it
   * look again at once, instead of waiting for the window to end.
   */
  #wake(accountId: number, actions: readonly BudgetAction[]): void {
    if (actions.length === 0) return;
    for (const op of [...this.#parked]) {
      const pinned = op.row.pinnedAccountId;
      if ((pinned === null || pinned === accountId) && actions.some((action) => (op.needs[action] ?? 0) > 0)) op.wait?.abort(BUDGET_FREED);
    }
  }
}
