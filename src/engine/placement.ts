import { pinnedAccountProblem } from './eligibility.js';
import type { Failure } from './errors.js';
import type { Lane } from './lane.js';

/** Where an operation goes: a lane, a wait (cooldown, connecting), or nowhere, with the reason. */
export type Placement<L> = { readonly kind: 'lane'; readonly lane: L } | { readonly kind: 'wait'; readonly ms: number } | { readonly kind: 'fail'; readonly failure: Failure };

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
}

/**
 * R6: the pinned account, or the least-loaded eligible one (not dead, limited, paused, cooling down, offline,
 * or — for scrapes — monitoring), ties broken at random. When none is eligible but one is cooling down or
 * connecting, the operation waits for it; when none ever can be, it fails saying why.
 */
export function place<C, O>(lanes: ReadonlyMap<number, Lane<C, O>>, request: PlacementRequest, now: number, random: () => number): Placement<Lane<C, O>> {
  const { pinned, allowMonitoring, allowLimited = false } = request;
  if (pinned !== null) {
    const lane = lanes.get(pinned);
    const problem = pinnedAccountProblem(lane, pinned, allowMonitoring, allowLimited);
    if (problem || !lane) return { kind: 'fail', failure: problem ?? { kind: 'no_account', message: `There is no account #${pinned}.` } };
    if (lane.isCooling(now)) return { kind: 'wait', ms: (lane.cooldownUntil ?? now) - now };
    return { kind: 'lane', lane };
  }
  let best: Lane<C, O>[] = [];
  let bestLoad = Infinity;
  let soonest = Infinity;
  const blocked = { dead: 0, limited: 0, paused: 0, monitoring: 0, offline: 0 };
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
    if (!allowMonitoring && lane.monitors > 0) {
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
    const load = lane.load;
    if (load < bestLoad) {
      bestLoad = load;
      best = [lane];
    } else if (load === bestLoad) best.push(lane);
  }
  const chosen = best.length <= 1 ? best[0] : best[Math.floor(random() * best.length)];
  if (chosen) return { kind: 'lane', lane: chosen };
  if (soonest !== Infinity) return { kind: 'wait', ms: soonest };
  const parts = Object.entries(blocked)
    .filter(([, n]) => n > 0)
    .map(([what, n]) => `${n} ${what}`);
  const message =
    lanes.size === 0 ? 'No account is available: add one with /addaccount.' : `No account can take this operation right now (${parts.join(', ') || 'none connected'}).`;
  return { kind: 'fail', failure: { kind: 'no_account', message } };
}
