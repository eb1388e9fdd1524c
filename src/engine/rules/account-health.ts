// R10 account health (README, "Engine rules"): AUTH_KEY_UNREGISTERED, SESSION_REVOKED and
// USER_DEACTIVATED(_BAN) mark an account dead; PEER_FLOOD (or @SpamBot's verdict, README "Account checks")
// marks it limited; both leave rotation at once — their waiting work moves — and admins are told through
// the account's state event. A @SpamBot limit with an end date lifts by itself when the date passes.
import type { Logger } from 'pino';
import type { AccountHealth, AccountStore } from '../account-store.js';
import type { Lane } from '../lane.js';
import type { LiveOp } from '../live-operation.js';
import { spamReason } from '../spam-reason.js';
import type { TaskRegistry } from './task-registry.js';

/** The most a release timer waits before it looks again: setTimeout's limit is under 25 days. */
const RELEASE_STEP_MS = 86_400_000;

export interface AccountHealthDeps<C> {
  readonly accounts: AccountStore;
  readonly tasks: TaskRegistry;
  readonly log: Logger;
  readonly now: () => number;
  /** Aborts the waits of the account's queued work (account-pool.ts). */
  evacuate(lane: Lane<C, LiveOp>, kind: 'moved' | 'removed', message: string, keepLimitedWork?: boolean): void;
  /** Publishes the account's derived state when it changed. */
  publish(lane: Lane<C, LiveOp>): void;
}

/** A check's verdict limits the account when it has no end date or its end has not passed: a passed limit is no limit. */
export function verdictLimits(verdict: { kind: 'free' } | { kind: 'limited'; until: number | null }, now: number): boolean {
  return verdict.kind === 'limited' && (verdict.until === null || verdict.until > now);
}

/** Marks accounts dead, limited or healthy, and keeps the timers that lift dated @SpamBot limits. */
export class AccountHealthKeeper<C> {
  readonly #deps: AccountHealthDeps<C>;
  /** The timer that ends each account's @SpamBot limit on its date, by account. */
  readonly #releases = new Map<number, AbortController>();

  constructor(deps: AccountHealthDeps<C>) {
    this.#deps = deps;
  }

  /** Dead and limited accounts leave rotation at once; their waiting work moves (limited-safe work stays). */
  mark(lane: Lane<C, LiveOp>, health: AccountHealth, reason: string | null): void {
    if (lane.health === health && lane.stateReason === reason) return;
    const { accounts, log, now: clock } = this.#deps;
    const now = clock();
    lane.health = health;
    lane.stateReason = health === 'ok' ? null : reason;
    accounts.setHealth(lane.id, health, lane.stateReason, now);
    lane.syncQueue(now);
    if (health !== 'ok') {
      log.warn({ accountId: lane.id, health, reason }, 'account left rotation');
      this.#deps.evacuate(lane, 'removed', `Account #${lane.id} is ${health}: ${reason ?? ''}`.trim(), health === 'limited');
    }
    this.#deps.publish(lane);
  }

  /** Whether the account is out of rotation because of @SpamBot's verdict (and no other reason since). */
  spamLimited(lane: Lane<C, LiveOp>): boolean {
    return lane.health === 'limited' && lane.check?.verdict === 'limited' && lane.stateReason === spamReason(lane.check.until);
  }

  /**
   * A @SpamBot limit with an end date: the account comes back into rotation when it passes, on the
   * engine's clock. A timer holds at most a day, then looks again.
   */
  armRelease(lane: Lane<C, LiveOp>): void {
    // One timer per account: a later verdict replaces the earlier one's.
    this.#releases.get(lane.id)?.abort();
    this.#releases.delete(lane.id);
    const until = lane.check?.until;
    if (!this.spamLimited(lane) || until === null || until === undefined) return;
    const { tasks, log, now } = this.#deps;
    const left = until - now();
    const timer = tasks.timer(lane.id, `@SpamBot limit of account #${lane.id}`, Math.min(Math.max(0, left), RELEASE_STEP_MS), () => {
      this.#releases.delete(lane.id);
      if (lane.removed || !this.spamLimited(lane) || lane.check?.until !== until) return;
      if (until > now()) return this.armRelease(lane);
      log.info({ accountId: lane.id }, 'the @SpamBot limit ended: the account is back in rotation');
      this.mark(lane, 'ok', null);
    });
    this.#releases.set(lane.id, timer);
  }

  /** The account is gone: its release timer (cancelled with its tasks) is forgotten. */
  forget(accountId: number): void {
    this.#releases.delete(accountId);
  }
}
