import type { AccountHealth } from './account-store.js';
import { actionOfMethod, type BudgetAction } from './budget.js';
import type { AbortKind, Failure } from './errors.js';

/**
 * What becomes of an operation after a run or a wait ended: the outcome policy, as pure decisions (no
 * clock, no store, no randomness), so that each branch is testable on its own. outcomes.ts applies them.
 *
 * - `succeed` / `finish`: it ends (succeeded; failed or cancelled with the failure).
 * - `interrupt`: shutdown hit its run; it stays queued in the database for the next start (R9).
 * - `forget`: shutdown hit its wait; its row is queued already, memory lets go of it.
 * - `requeue`: back in line now or at `notBefore`, remembering why.
 * - `retry`: a transient failure; rules/retries.ts decides between a backoff and giving up (R7).
 * - `move`: off this account (flood, dead, limited, removed); rules/retries.ts decides where (R7).
 * - `wait_budget`: the account cannot afford another run; it waits for budget (README: Budgets).
 * - `place_again`: budget it waited for came free; it is placed again at once.
 */
export type Decision =
  | { readonly kind: 'succeed' }
  | { readonly kind: 'finish'; readonly failure: Failure }
  | { readonly kind: 'interrupt' }
  | { readonly kind: 'forget' }
  | { readonly kind: 'requeue'; readonly notBefore: number | null; readonly failure: Failure | null }
  | { readonly kind: 'retry'; readonly failure: Failure }
  | { readonly kind: 'move'; readonly failure: Failure }
  | { readonly kind: 'wait_budget'; readonly failure: Extract<Failure, { kind: 'no_budget' }> }
  | { readonly kind: 'place_again' };

/** What a failed run does to its account before the operation goes on: in this order. */
export type Effect =
  /** A budgeted call met PEER_FLOOD or a long flood wait: that cap is halved for a day (README: Budgets). */
  | { readonly kind: 'halve'; readonly action: BudgetAction }
  /** R7: the account cools down until the flood wait ends. */
  | { readonly kind: 'cool'; readonly seconds: number; readonly method: string | null }
  /** R10: the account leaves rotation as dead or limited. */
  | { readonly kind: 'mark'; readonly health: Exclude<AccountHealth, 'ok'>; readonly reason: string };

/** How the run was stopped, when its signal was aborted. */
export interface AbortCause {
  readonly kind: AbortKind;
  readonly message: string;
}

export interface RunEnd {
  /** The run's result: it returned, or it failed (the failure classified). */
  readonly outcome: { readonly ok: true } | { readonly ok: false; readonly failure: Failure };
  /** An admin asked to cancel while the run was going (perhaps already stopping for another reason). */
  readonly cancelRequested: boolean;
  /** Why its signal was aborted, if it was. */
  readonly abort: AbortCause | undefined;
}

const CANCELLED: Failure = { kind: 'cancelled', message: 'Cancelled by an admin.' };

/** After a run: effects on the account first, then what becomes of the operation. */
export function decideAfterRun(end: RunEnd): { readonly effects: readonly Effect[]; readonly decision: Decision } {
  if (end.outcome.ok) return { effects: [], decision: { kind: 'succeed' } };
  const failure = end.outcome.failure;
  // A cancel that came while the run was already stopping (a timeout, a move) could not abort it again;
  // it still decides how the operation ends: never retried or moved after an admin said stop.
  if (end.cancelRequested) return { effects: [], decision: { kind: 'finish', failure: CANCELLED } };
  switch (end.abort?.kind) {
    case 'shutdown':
      return { effects: [], decision: { kind: 'interrupt' } };
    case 'moved':
      return { effects: [], decision: { kind: 'requeue', notBefore: null, failure: null } };
    case 'removed':
      return { effects: [], decision: { kind: 'move', failure: { kind: 'no_account', message: end.abort.message } } };
    default:
  }
  const effects: Effect[] = [];
  if (failure.kind === 'limited' || failure.kind === 'flood') {
    const action = actionOfMethod(failure.method);
    if (action) effects.push({ kind: 'halve', action });
  }
  switch (failure.kind) {
    case 'no_budget':
      return { effects, decision: { kind: 'wait_budget', failure } };
    case 'flood':
      effects.push({ kind: 'cool', seconds: failure.seconds, method: failure.method ?? null });
      return { effects, decision: { kind: 'move', failure } };
    case 'dead':
    case 'limited':
      effects.push({ kind: 'mark', health: failure.kind, reason: failure.message });
      return { effects, decision: { kind: 'move', failure } };
    case 'transient':
    case 'timeout':
      return { effects, decision: { kind: 'retry', failure } };
    default:
      return { effects, decision: { kind: 'finish', failure } };
  }
}

export interface WaitEnd {
  /** The wait was woken because budget it needs came free. */
  readonly budgetFreed: boolean;
  /** Why the wait was aborted, when an engine abort ended it. */
  readonly abort: AbortCause | undefined;
  /** The reason, classified (used for timeouts and for anything that is not an engine abort). */
  readonly failure: Failure;
}

/** After a wait (a delay, the scrape slot, the account queue) ended early. */
export function decideAfterWait(end: WaitEnd): Decision {
  if (end.budgetFreed) return { kind: 'place_again' };
  switch (end.abort?.kind) {
    case 'shutdown':
      return { kind: 'forget' };
    case 'moved':
      return { kind: 'requeue', notBefore: null, failure: null };
    case 'removed':
      return { kind: 'move', failure: { kind: 'no_account', message: end.abort.message } };
    case 'timeout':
      return { kind: 'retry', failure: end.failure };
    case 'cancelled':
      return { kind: 'finish', failure: { kind: 'cancelled', message: end.abort.message } };
    default:
      return { kind: 'finish', failure: end.failure };
  }
}

/**
 * The account it was given cannot afford another run: pinned work (`pinnedHere`) waits for that account's
 * budget, or fails when it never comes back; unpinned work is placed again (on an account with budget, or
 * it waits for the soonest).
 */
export function decideBudgetWait(pinnedHere: boolean, failure: Extract<Failure, { kind: 'no_budget' }>): Extract<Decision, { kind: 'finish' | 'requeue' }> {
  if (!pinnedHere) return { kind: 'requeue', notBefore: null, failure };
  if (failure.freeAt === null) return { kind: 'finish', failure };
  return { kind: 'requeue', notBefore: failure.freeAt, failure };
}
