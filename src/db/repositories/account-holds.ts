import { sql } from 'drizzle-orm';
import type { SqlExecutor } from '../sql/sql-port.js';

/** Whether anyone may be connecting an account, as {@link lockUnheldAccount} found it. */
export type AccountHold =
  /** No account with that id. */
  | { readonly kind: 'gone' }
  /** Nobody holds an unexpired lease on it: until `tx` ends, nobody can take one. */
  | { readonly kind: 'free' }
  /** `workerId` holds its lease until `expiresAt`: only that worker may change what it connects with. */
  | { readonly kind: 'held'; readonly workerId: string; readonly expiresAt: number };

/**
 * Locks an account and its lease inside the caller's transaction `tx` and says whether a worker holds it, so that a
 * change made in `tx` to an account nobody holds (its removal, its proxy) cannot race with a worker taking it up
 * (docs/several-processes.md). On PostgreSQL the lease row is locked FOR UPDATE, which a takeover (an UPDATE of that
 * row) waits for, then the account row FOR UPDATE, which a worker's first lease (an INSERT whose foreign key checks the
 * account row FOR KEY SHARE) waits for; the worker then reads the account as `tx` left it, or finds it gone. The lease
 * comes first because a worker's fenced writes lock in that order too (the lease FOR SHARE, then rows that reference
 * the account): the other order deadlocks with them. On SQLite every write transaction already runs alone. A lease
 * past its expiry is nobody's: its last holder disconnected the account before it ran out (the lease keeper's margin).
 */
export async function lockUnheldAccount(tx: SqlExecutor, accountId: number, now: number): Promise<AccountHold> {
  const lock = tx.dialect === 'postgres' ? sql` FOR UPDATE` : sql``;
  const lease = await tx.get<{ worker_id: string | null; expires_at: number }>(
    sql`SELECT worker_id, expires_at FROM account_leases WHERE account_id = CAST(${accountId} AS BIGINT)${lock}`,
  );
  const account = await tx.get<{ id: number }>(sql`SELECT id FROM accounts WHERE id = CAST(${accountId} AS BIGINT)${lock}`);
  if (account === undefined) return { kind: 'gone' };
  if (lease === undefined || lease.worker_id === null || Number(lease.expires_at) <= now) return { kind: 'free' };
  return { kind: 'held', workerId: lease.worker_id, expiresAt: Number(lease.expires_at) };
}
