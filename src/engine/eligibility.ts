import type { Failure } from './errors.js';
import type { Lane } from './lane.js';
import { watchConflict } from './rules/exclusivity.js';

/**
 * Why the account an operation is pinned to cannot take it, or undefined when it can: the one rule for a
 * pinned account, checked when the operation is submitted and again whenever it is placed. The account
 * must exist, be healthy (R10: not dead, not limited) and, for work that must not share an account with a
 * watch, not be monitoring (R1 monitoring). Cooling down only delays it (R7). Work that may run on a
 * limited account (`allowLimited`: the check asking @SpamBot) reaches it there too.
 */
export function pinnedAccountProblem<C, O>(
  lane: Lane<C, O> | undefined,
  accountId: number,
  allowMonitoring: boolean,
  allowLimited = false,
): Failure | undefined {
  if (!lane || lane.removed) return { kind: 'no_account', message: `There is no account #${accountId}.` };
  if (lane.health !== 'ok' && !(allowLimited && lane.health === 'limited')) return { kind: lane.health, message: `Account #${accountId} is ${lane.health}: ${lane.stateReason ?? 'it left rotation'}.` };
  return watchConflict(lane, accountId, allowMonitoring);
}
