// R6 balancing (README, "Engine rules"): work not pinned to an account goes to the least-loaded eligible
// account (not cooling down, dead, limited, paused, offline, or — for scrapes — monitoring) that has budget
// left for it; ties are broken at random. Pinned work goes to its account or waits for it.
import type { BudgetCheck } from '../budget-ledger.js';
import { budgetWait } from '../budget-words.js';
import { pinnedAccountProblem } from '../eligibility.js';
import type { Failure } from '../errors.js';
import type { Lane } from '../lane.js';
import { watchBlocks } from './exclusivity.js';

/**
 * Where an operation goes: a lane, a wait (cooldown, connecting, budget), or nowhere, with the reason. A
 * wait for budget says why (`budget`), so that it can be persisted and shown.
 */
export type Placement<L> =
  | { readonly kind: 'lane'; readonly lane: L }
  | { readonly kind: 'wait'; readonly ms: number; readonly budget?: string }
  | { readonly kind: 'fail'; readonly failure: Failure };

export interface PlacementRequest {
  /** The account the operation is pinned to, if any. */
  readonly pinned: number | null;
  /** Whether an account that is monitoring may take it (false for scrapes, R1). */
  readonly allowMonitoring: boolean;
  /**
   * Whether the pinned account may take it while limited (checks).
   * @default false
   */
  readonly allowLimited?: boolean;
  /**
   * Whether the account can afford the operation's budgeted calls now (README: Budgets).
   * @default undefined (the operation needs no budget)
   */
  readonly budget?: (accountId: number) => BudgetCheck;
}

/**
 * R6: the pinned account, or the least-loaded eligible one (not dead, limited, paused, cooling down, offline,
 * or — for scrapes — monitoring) that can afford its budgeted calls, ties broken at random. When none is
 * eligible but one is cooling down, connecting or short of budget until a window ends, the operation waits
 * for the soonest; when none ever can be, it fails saying why.
 */
export function place<C, O>(lanes: ReadonlyMap<number, Lane<C, O>>, request: PlacementRequest, now: number, random: () => number): Placement<Lane<C, O>> {
  const { pinned, allowMonitoring, allowLimited = false, budget } = request;
  if (pinned !== null) {
    const lane = lanes.get(pinned);
    const problem = pinnedAccountProblem(lane, pinned, allowMonitoring, allowLimited);
    if (problem || !lane) return { kind: 'fail', failure: problem ?? { kind: 'no_account', message: `There is no account #${pinned}.` } };
    if (lane.isCooling(now)) return { kind: 'wait', ms: (lane.cooldownUntil ?? now) - now };
    const check = budget?.(pinned);
    if (check && !check.ok) {
      if (check.freeAt === null) return { kind: 'fail', failure: { kind: 'no_budget', message: check.message, freeAt: null } };
      return { kind: 'wait', ms: check.freeAt - now, budget: check.message };
    }
    return { kind: 'lane', lane };
  }
  let best: Lane<C, O>[] = [];
  let bestLoad = Infinity;
  let soonest = Infinity;
  // The soonest an account without budget could afford it, and for which action, if none can now.
  let budgetFree: { at: number; check: Extract<BudgetCheck, { ok: false }> } | undefined;
  const blocked = { dead: 0, limited: 0, paused: 0, monitoring: 0, offline: 0, 'without budget': 0 };
  for (const lane of lanes.values()) {
    if (lane.removed) continue;
    if (lane.health !== 'ok') {
      blocked[lane.health] += 1;
      continue;
    }
    if (lane.paused) {
      blocked.paused += 1;
      continue;
    }
    if (watchBlocks(lane, allowMonitoring)) {
      blocked.monitoring += 1;
      continue;
    }
    if (lane.isCooling(now)) {
      soonest = Math.min(soonest, (lane.cooldownUntil ?? now) - now);
      continue;
    }
    if (lane.connection !== 'connected') {
      if (lane.connection === 'connecting') soonest = Math.min(soonest, 1000);
      else blocked.offline += 1;
      continue;
    }
    const check = budget?.(lane.id);
    if (check && !check.ok) {
      if (check.freeAt === null) blocked['without budget'] += 1;
      else if (!budgetFree || check.freeAt < budgetFree.at) budgetFree = { at: check.freeAt, check };
      continue;
    }
    const load = lane.load;
    if (load < bestLoad) {
      bestLoad = load;
      best = [lane];
    } else if (load === bestLoad) best.push(lane);
  }
  const chosen = best.length <= 1 ? best[0] : best[Math.floor(random() * best.length)];
  if (chosen) return { kind: 'lane', lane: chosen };
  if (soonest !== Infinity && (!budgetFree || soonest <= budgetFree.at - now)) return { kind: 'wait', ms: soonest };
  if (budgetFree) return { kind: 'wait', ms: budgetFree.at - now, budget: budgetWait(budgetFree.check.action, budgetFree.at, now) };
  const parts = Object.entries(blocked)
    .filter(([, n]) => n > 0)
    .map(([what, n]) => `${n} ${what}`);
  const message =
    lanes.size === 0 ? 'No account is available: add one with /addaccount.' : `No account can take this operation right now (${parts.join(', ') || 'none connected'}).`;
  return { kind: 'fail', failure: { kind: 'no_account', message } };
}
