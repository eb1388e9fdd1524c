// R1 exclusivity (README, "Engine rules"): at most one operation runs on an account at any moment; the
// others wait in its queue (priority, then FIFO) and the account is released the moment an operation ends,
// however it ends. R1 fast path: an idle account starts an operation at once, with no queue hop. R1
// monitoring: an account that runs a monitor is not used for scraping.
//
// The lock itself is the lane's mutex (lane.ts, made by lock-order.ts); this file holds the decisions
// around it: who may share an account with a watch, when the queue may be skipped, and how an account is
// held and handed back.
import type { Failure } from '../errors.js';
import type { Lane } from '../lane.js';
import type { RunnerDefinition } from '../types.js';

/** Whether work of this runner may run on an account that is monitoring: scrapes may not, unless they say so. */
export function allowsMonitoring(def: Pick<RunnerDefinition<unknown, unknown, unknown, unknown>, 'allowOnMonitoring' | 'type'>): boolean {
  return def.allowOnMonitoring ?? def.type !== 'scraping';
}

/** Whether the account's monitors keep this work off it (the balancer skips it then). */
export function watchBlocks<C, O>(lane: Lane<C, O>, allowMonitoring: boolean): boolean {
  return !allowMonitoring && lane.monitors > 0;
}

/** The refusal of work pinned to an account its monitors keep it off, in words an admin can act on. */
export function watchConflict<C, O>(lane: Lane<C, O>, accountId: number, allowMonitoring: boolean): Failure | undefined {
  if (!watchBlocks(lane, allowMonitoring)) return undefined;
  return {
    kind: 'invalid',
    message: `Account #${accountId} is watching chats (monitoring), so it is not used for scraping. Pick another account or leave --account out.`,
  };
}

/**
 * The fast path: an idle account that may run the work now takes it without a queue hop. The queue is
 * paused while it runs, so it cannot start a second operation beside it.
 */
export function takeFastPath<C, O>(lane: Lane<C, O>, now: number, allowLimited: boolean): boolean {
  if (!lane.idle || !lane.isRunnable(now, allowLimited)) return false;
  lane.fastPath = true;
  lane.syncQueue(now);
  return true;
}

/** The account is handed to an operation: from now until `leaveAccount` nothing else is placed on it as idle. */
export function reserveAccount<C, O>(lane: Lane<C, O>): void {
  lane.reserved = true;
}

/** The operation has let go of the account (its lock is released): the queue may start the next one. */
export function leaveAccount<C, O>(lane: Lane<C, O>, fastPath: boolean, now: number): void {
  lane.reserved = false;
  if (fastPath) lane.fastPath = false;
  lane.syncQueue(now);
}
