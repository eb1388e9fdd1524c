import type { LeaseRecord } from '../../db/repositories/leases.js';

/**
 * How many accounts each live worker should hold: ceil(accounts / workers), so together the shares always cover every
 * account and no worker holds more than one above another. A worker that is stopping is no longer counted.
 */
export function fairShare(accountCount: number, liveWorkerCount: number): number {
  if (accountCount <= 0) return 0;
  return Math.ceil(accountCount / Math.max(1, liveWorkerCount));
}

/**
 * Accounts `workerId` may try to take at `now`: wanted (in `accounts`), not already held by it in memory, and whose
 * lease is free, expired, or still in its own name (a lease it lost track of). Shuffled with `random`, so workers
 * starting together spread over different accounts instead of all racing for the lowest id.
 */
export function freeAccounts(
  accounts: readonly number[],
  leases: readonly LeaseRecord[],
  workerId: string,
  held: ReadonlySet<number>,
  now: number,
  random: () => number,
): number[] {
  const byAccount = new Map(leases.map((lease) => [lease.accountId, lease]));
  const free = accounts.filter((accountId) => {
    if (held.has(accountId)) return false;
    const lease = byAccount.get(accountId);
    return lease === undefined || lease.workerId === null || lease.workerId === workerId || lease.expiresAt <= now;
  });
  for (let i = free.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [free[i], free[j]] = [free[j] as number, free[i] as number];
  }
  return free;
}
