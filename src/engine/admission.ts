import type { AccountPool } from './account-pool.js';
import type { BudgetNeeds } from './budget.js';
import { needsBudget } from './budget-ledger.js';
import type { EngineCore } from './core.js';
import { pinnedAccountProblem } from './eligibility.js';
import type { AnyDefinition } from './live-operation.js';
import type { NewOperation } from './operation-store.js';
import { allowsMonitoring } from './rules/exclusivity.js';
import { priorityOf } from './rules/priorities.js';
import type { FailureKind, SubmitRequest } from './types.js';

/** A request that passed admission: its runner and the row to insert. */
export type Admitted = { readonly kind: 'ok'; readonly def: AnyDefinition; readonly row: NewOperation };
export type Refused = { readonly kind: 'refused'; readonly reason: FailureKind; readonly message: string };

/**
 * The checks a request passes before anything is written: a runner for its kind, params its runner can
 * parse, a pinned account that could take it (the same eligibility.ts rule placement applies later), a
 * budget that account can afford, and a whole-number priority (R2). A refusal changes nothing.
 */
export class Admission<C> {
  readonly #core: EngineCore;
  readonly #pool: AccountPool<C>;

  constructor(core: EngineCore, pool: AccountPool<C>) {
    this.#core = core;
    this.#pool = pool;
  }

  check(request: SubmitRequest): Admitted | Refused {
    const { lifecycle, runners, budgets } = this.#core;
    if (lifecycle.stopping) return { kind: 'refused', reason: 'error', message: 'The panel is shutting down; try again in a moment.' };
    const def = runners.get(request.kind);
    if (!def) return { kind: 'refused', reason: 'invalid', message: `Unknown operation "${request.kind}".` };
    let params: unknown = request.params ?? null;
    if (def.parse) {
      try {
        params = def.parse(params);
      } catch (error) {
        return { kind: 'refused', reason: 'invalid', message: (error as Error).message };
      }
    }
    const pinned = request.accountId ?? null;
    if (pinned !== null) {
      const problem = pinnedAccountProblem(this.#pool.lanes.get(pinned), pinned, allowsMonitoring(def), def.allowOnLimited ?? false);
      if (problem) return { kind: 'refused', reason: problem.kind, message: problem.message };
      // Pinned work its account cannot afford is refused now, saying when it could run, rather than
      // queued for hours behind the admin's back.
      const needs = this.needsOf(def, params);
      if ((request.overBudget ?? 'refuse') === 'refuse' && needsBudget(needs)) {
        const check = budgets.check(pinned, needs, this.#core.now());
        if (!check.ok) return { kind: 'refused', reason: 'no_budget', message: check.message };
      }
    }
    const priority = priorityOf(request.priority, def.priority, def.type);
    if (priority === undefined) return { kind: 'refused', reason: 'invalid', message: 'The priority must be a whole number.' };
    return {
      kind: 'ok',
      def,
      row: {
        kind: def.kind,
        params,
        pinnedAccountId: pinned,
        priority,
        requestedBy: request.requestedBy ?? null,
        reportChatId: request.reportChatId ?? null,
        parentId: request.parentId ?? null,
      },
    };
  }

  /** The most budgeted calls one run of this operation may make (README: Budgets). */
  needsOf(def: AnyDefinition, params: unknown): BudgetNeeds {
    if (!def.budget) return {};
    try {
      return def.budget(params);
    } catch (error) {
      // Params stored by an older version may not parse: the worst case is then "no budget known", which
      // the runner's own take() still bounds at zero.
      this.#core.log.warn({ err: error, kind: def.kind }, 'could not work out the budget of an operation');
      return {};
    }
  }
}
