// R7 retries (README, "Engine rules"): transient errors retry with exponential backoff and jitter; the
// rest of the rule (short flood waits slept through, long ones moving the work) joins this file next.

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
