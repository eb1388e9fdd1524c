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
 * (docs/several-processes.md): on PostgreSQL the account row is locked FOR UPDATE, which a worker's first lease
 * (an INSERT that checks the account row with FOR KEY SHARE) waits for, and the lease row FOR UPDATE, which a taking
 * over (an UPDATE of that row) waits for. The worker then reads the account as `tx` left it, or finds it gone. On
 * SQLite every write transaction already runs alone. A lease past its expiry is nobody's: its last holder disconnected
 * the account before it ran out (the lease keeper's safety margin).
 */
export async function lockUnheldAccount(tx: SqlExecutor, accountId: number, now: number): Promise<AccountHold> {
  const lock = tx.dialect === 'postgres' ? sql` FOR UPDATE` : sql``;
  const account = await tx.get<{ id: number }>(sql`SELECT id FROM accounts WHERE id = CAST(${accountId} AS BIGINT)${lock}`);
  if (account === undefined) return { kind: 'gone' };
  const lease = await tx.get<{ worker_id: string | null; expires_at: number }>(
    sql`SELECT worker_id, expires_at FROM account_leases WHERE account_id = ${accountId}${lock}`,
  );
  if (lease === undefined || lease.worker_id === null || Number(lease.expires_at) <= now) return { kind: 'free' };
  return { kind: 'held', workerId: lease.worker_id, expiresAt: Number(lease.expires_at) };
}
