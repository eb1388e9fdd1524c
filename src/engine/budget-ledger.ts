import type { BudgetRow, BudgetsRepository } from '../db/repositories/budgets.js';
import {
  BUDGET_ACTIONS,
  BudgetOverrunError,
  capAt,
  HALVING_MS,
  windowEnd,
  windowStart,
  type BudgetAction,
  type BudgetCaps,
  type BudgetNeeds,
  type RunBudget,
} from './budget.js';
import { budgetRefusal } from './budget-words.js';

/** Whether an account can afford a run now; when not, the first action short and the earliest time it could. */
export type BudgetCheck =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly action: BudgetAction;
      /** When the account could afford it (a window ends, a halving ends), or null: never, its cap is too small. */
      readonly freeAt: number | null;
      readonly message: string;
    };

/** One action's budget of an account as the account screen shows it. */
export interface AccountBudget {
  readonly action: BudgetAction;
  /** Calls counted in the current window. */
  readonly used: number;
  /** The cap in force now (halved or not). */
  readonly cap: number;
  /** The cap as configured. */
  readonly fullCap: number;
  /** Until when the cap is halved, or null. */
  readonly halvedUntil: number | null;
  /** When the current window ends and the count starts again from 0. */
  readonly resetsAt: number;
}

/** Budget set aside for an operation waiting in an account's queue (in memory: nothing is spent yet). */
export interface BudgetHold {
  readonly accountId: number;
  readonly needs: BudgetNeeds;
  released: boolean;
}

interface Counter {
  windowStart: number;
  used: number;
  halvedUntil: number | null;
}

/**
 * The calls one run was granted: counted (and persisted) as used when the run starts, so a crash can only
 * over-count. `take` spends one before each call and refuses past the grant; what is left is refunded
 * when the run has really ended. A call counts in the window its run was granted in.
 */
export class BudgetGrant implements RunBudget {
  readonly spent: Record<BudgetAction, number> = { join: 0, send: 0, resolve: 0 };
  refunded = false;
  constructor(
    readonly accountId: number,
    readonly granted: Readonly<Record<BudgetAction, number>>,
    /** The window start each granted action was counted in. */
    readonly windows: Readonly<Record<BudgetAction, number>>,
  ) {}

  take(action: BudgetAction): void {
    if (this.spent[action] >= this.granted[action]) throw new BudgetOverrunError(action, this.granted[action]);
    this.spent[action] += 1;
  }

  remaining(action: BudgetAction): number {
    return this.granted[action] - this.spent[action];
  }
}

const needOf = (needs: BudgetNeeds, action: BudgetAction): number => needs[action] ?? 0;

/** Whether a run needs any budget at all (most internal work needs none, and skips the ledger). */
export function needsBudget(needs: BudgetNeeds): boolean {
  return BUDGET_ACTIONS.some((action) => needOf(needs, action) > 0);
}

/**
 * The per-account counters of joins, messages and look-ups (README: Budgets). Used counts are persisted
 * in `account_budgets` whenever they change; holds for queued work live in memory only. Everything runs
 * on the engine's thread, so a check and the grant that follows it are one step: a cap is never overrun.
 */
export class BudgetLedger {
  readonly #repo: BudgetsRepository;
  readonly #caps: BudgetCaps;
  readonly #counters = new Map<number, Map<BudgetAction, Counter>>();
  readonly #holds = new Map<number, Record<BudgetAction, number>>();

  constructor(repo: BudgetsRepository, caps: BudgetCaps) {
    this.#repo = repo;
    this.#caps = caps;
  }

  get caps(): BudgetCaps {
    return this.#caps;
  }

  /** Whether the account can afford `needs` now, counting what queued work holds unless `ignoreHolds`. */
  check(accountId: number, needs: BudgetNeeds, now: number, ignoreHolds = false): BudgetCheck {
    for (const action of BUDGET_ACTIONS) {
      const need = needOf(needs, action);
      if (need === 0) continue;
      const counter = this.#counter(accountId, action, now);
      const held = ignoreHolds ? 0 : (this.#holds.get(accountId)?.[action] ?? 0);
      const cap = capAt(this.#caps[action], counter.halvedUntil, now);
      if (counter.used + held + need <= cap) continue;
      const freeAt = this.#freeAt(action, counter, held, need, now);
      return { ok: false, action, freeAt, message: budgetRefusal({ accountId, action, used: counter.used, held, cap, halved: cap < this.#caps[action], freeAt, now }) };
    }
    return { ok: true };
  }

  /** Sets budget aside for an operation placed in the account's queue; the caller has checked it fits. */
  hold(accountId: number, needs: BudgetNeeds): BudgetHold {
    const holds = this.#holds.get(accountId) ?? { join: 0, send: 0, resolve: 0 };
    for (const action of BUDGET_ACTIONS) holds[action] += needOf(needs, action);
    this.#holds.set(accountId, holds);
    return { accountId, needs, released: false };
  }

  release(hold: BudgetHold): void {
    if (hold.released) return;
    hold.released = true;
    const holds = this.#holds.get(hold.accountId);
    if (!holds) return;
    for (const action of BUDGET_ACTIONS) holds[action] = Math.max(0, holds[action] - needOf(hold.needs, action));
  }

  /**
   * Grants a run its needs, counted as used at once (persisted), or says why not. Holds of other queued
   * work are not counted here: they were checked against this grant when they were placed.
   */
  grant(accountId: number, needs: BudgetNeeds, now: number): { readonly ok: true; readonly grant: BudgetGrant } | Extract<BudgetCheck, { ok: false }> {
    const check = this.check(accountId, needs, now, true);
    if (!check.ok) return check;
    const granted = { join: 0, send: 0, resolve: 0 };
    const windows = { join: 0, send: 0, resolve: 0 };
    for (const action of BUDGET_ACTIONS) {
      const need = needOf(needs, action);
      const counter = this.#counter(accountId, action, now);
      windows[action] = counter.windowStart;
      if (need === 0) continue;
      granted[action] = need;
      counter.used += need;
      this.#save(accountId, action, counter);
    }
    return { ok: true, grant: new BudgetGrant(accountId, granted, windows) };
  }

  /** Gives back what a finished run was granted and did not spend; answers the actions that got some back. */
  refund(grant: BudgetGrant, now: number): BudgetAction[] {
    if (grant.refunded) return [];
    grant.refunded = true;
    const freed: BudgetAction[] = [];
    for (const action of BUDGET_ACTIONS) {
      const unused = grant.remaining(action);
      if (unused <= 0) continue;
      const counter = this.#counter(grant.accountId, action, now);
      // A window that has ended since keeps its count: the new one never saw these calls.
      if (counter.windowStart !== grant.windows[action]) continue;
      counter.used = Math.max(0, counter.used - unused);
      this.#save(grant.accountId, action, counter);
      freed.push(action);
    }
    return freed;
  }

  /** Halves the action's cap for the account for 24 hours from now (a second halving extends it, never quarters). */
  halve(accountId: number, action: BudgetAction, now: number): void {
    const counter = this.#counter(accountId, action, now);
    counter.halvedUntil = Math.max(counter.halvedUntil ?? 0, now + HALVING_MS);
    this.#save(accountId, action, counter);
  }

  /** The account's budgets now, for the account screen. */
  view(accountId: number, now: number): AccountBudget[] {
    return BUDGET_ACTIONS.map((action) => {
      const counter = this.#counter(accountId, action, now);
      const halvedUntil = counter.halvedUntil !== null && counter.halvedUntil > now ? counter.halvedUntil : null;
      return {
        action,
        used: counter.used,
        cap: capAt(this.#caps[action], halvedUntil, now),
        fullCap: this.#caps[action],
        halvedUntil,
        resetsAt: windowEnd(action, now),
      };
    });
  }

  /** Drops what is kept in memory for a removed account (its rows go with it). */
  forget(accountId: number): void {
    this.#counters.delete(accountId);
    this.#holds.delete(accountId);
  }

  /** The account's counter for the action, loaded once, its count started again when its window has ended. */
  #counter(accountId: number, action: BudgetAction, now: number): Counter {
    let counters = this.#counters.get(accountId);
    if (!counters) {
      counters = new Map();
      for (const row of this.#repo.forAccount(accountId)) {
        counters.set(row.action as BudgetAction, { windowStart: row.windowStart, used: row.used, halvedUntil: row.halvedUntil });
      }
      this.#counters.set(accountId, counters);
    }
    const start = windowStart(action, now);
    let counter = counters.get(action);
    if (!counter) {
      counter = { windowStart: start, used: 0, halvedUntil: null };
      counters.set(action, counter);
    } else if (counter.windowStart !== start) {
      counter.windowStart = start;
      counter.used = 0;
    }
    return counter;
  }

  /** The earliest time the account could afford `need`: when its window ends or its halving does, whichever first fits. */
  #freeAt(action: BudgetAction, counter: Counter, held: number, need: number, now: number): number | null {
    const end = windowEnd(action, now);
    const candidates = [end, counter.halvedUntil ?? 0].filter((t) => t > now).sort((a, b) => a - b);
    for (const t of candidates) {
      const used = t >= end ? 0 : counter.used + held;
      if (used + need <= capAt(this.#caps[action], counter.halvedUntil, t)) return t;
    }
    return null;
  }

  #save(accountId: number, action: BudgetAction, counter: Counter): void {
    const row: BudgetRow = { accountId, action, windowStart: counter.windowStart, used: counter.used, halvedUntil: counter.halvedUntil };
    this.#repo.save(row);
  }
}
