// R7 retries (README, "Engine rules"): transient errors (network, timeouts, RPC 5xx, RPC_CALL_FAIL) retry
// with exponential backoff and jitter, up to maxAttempts; a FLOOD_WAIT up to FLOOD_SLEEP_THRESHOLD_S is
// slept through on the same account; a longer one cools the account down (persisted) and moves the work
// to another account, where it resumes from its checkpoint. Pinned work waits for its own account.
import type { Failure } from '../errors.js';
import type { Decision } from '../outcome-policy.js';

export interface BackoffOptions {
  /**
   * Delay before the first retry, in ms.
   * @default 1000
   */
  baseMs?: number;
  /**
   * Upper bound of any delay, in ms.
   * @default 60000
   */
  maxMs?: number;
}

/**
 * Exponential backoff with "equal jitter": half the exponential delay is kept, the other half is random,
 * so retries of many operations that failed together spread out instead of stampeding.
 * `failures` counts the failures so far (1 for the first retry).
 */
export function backoffDelay(failures: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const { baseMs = 1000, maxMs = 60_000 } = options;
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

/** The backoff between connect attempts of an account that could not connect (a proxy down, a network). */
export const CONNECT_BACKOFF: BackoffOptions = { baseMs: 5000, maxMs: 300_000 };

/** Whether a failure is a flood wait short enough to sleep through on the same account. */
export function sleepsThrough(failure: Failure, thresholdS: number): failure is Extract<Failure, { kind: 'flood' }> {
  // Written as "not above" so that a wait of unknown length (NaN) is slept through, as it always was.
  return failure.kind === 'flood' && !(failure.seconds > thresholdS);
}

/** A retry: give up once `failures` (this one counted) reach `maxAttempts`, else back off and try again. */
export function decideRetry(failures: number, maxAttempts: number, failure: Failure): Extract<Decision, { kind: 'finish' }> | { readonly kind: 'backoff' } {
  if (failures >= maxAttempts) return { kind: 'finish', failure: { ...failure, message: `${failure.message} Gave up after ${failures} attempts.` } as Failure };
  return { kind: 'backoff' };
}

/** What a move needs to know of the account a pinned operation is tied to. */
export interface PinnedAccount {
  /** It still exists and is healthy, so waiting for its cooldown can end in a run. */
  readonly waitable: boolean;
  readonly cooldownUntil: number | null;
}

/**
 * A move off an account (flood cooldown, dead, limited, removed): unpinned work is placed again, up to
 * `maxMoves` times (`moves` counts this one); pinned work can only wait out its own account's cooldown.
 */
export function decideMove(moves: number, maxMoves: number, failure: Failure, pinned: PinnedAccount | null): Extract<Decision, { kind: 'finish' | 'requeue' }> {
  if (pinned !== null) {
    if (failure.kind === 'flood' && pinned.waitable && moves <= maxMoves) return { kind: 'requeue', notBefore: pinned.cooldownUntil, failure };
    return { kind: 'finish', failure };
  }
  if (moves > maxMoves) return { kind: 'finish', failure: { ...failure, message: `${failure.message} It moved ${moves - 1} times without finishing.` } as Failure };
  return { kind: 'requeue', notBefore: null, failure };
}
