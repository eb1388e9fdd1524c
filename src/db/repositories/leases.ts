import { sql, type SQL } from 'drizzle-orm';
import { prepared } from '../sql/prepared.js';
import type { SqlExecutor } from '../sql/sql-port.js';

/** What a holder knows of its lease: the account, itself, and the epoch it got; every fenced write carries all three. */
export interface LeaseClaim {
  readonly accountId: number;
  readonly workerId: string;
  readonly epoch: number;
}

/** One row of `account_leases`. */
export interface LeaseRecord {
  readonly accountId: number;
  /** The holder, or null when released (or never taken). */
  readonly workerId: string | null;
  readonly epoch: number;
  readonly acquiredAt: number | null;
  readonly expiresAt: number;
}

/** How {@link LeaseRepository.acquire} ends. */
export type AcquireLeaseResult =
  | {
      readonly kind: 'acquired';
      readonly accountId: number;
      /** One more than the lease's last epoch: writes of every earlier holder are fenced out from now on. */
      readonly epoch: number;
      readonly expiresAt: number;
      /** Who held it last (null: never held, or released), whether or not it was this worker. */
      readonly previousHolder: string | null;
      /** Taken from another worker whose lease had run out (it died or lost the database), not handed over. */
      readonly takeover: boolean;
    }
  | { readonly kind: 'held'; readonly accountId: number; readonly workerId: string; readonly expiresAt: number };

/** How {@link LeaseRepository.renew} ends. */
export type RenewLeaseResult =
  | { readonly kind: 'renewed'; readonly expiresAt: number }
  /** Expired, released, or taken by another epoch: the holder must already have disconnected the account. */
  | { readonly kind: 'lost'; readonly heldBy: string | null };

/** A lease {@link LeaseRepository.renewAll} extended. */
export interface RenewedLease {
  readonly accountId: number;
  readonly epoch: number;
}

/**
 * Account leases (table `account_leases`), one implementation for SQLite and PostgreSQL. Every change is one conditional
 * statement, so two processes racing for a lease can never both win: acquiring compares the epoch it read and swaps in
 * the next one, renewing and releasing match holder and epoch. Times are epoch ms on the caller's clock; hosts'
 * clocks must agree to well within the lease keeper's safety margin.
 */
export interface LeaseRepository {
  /**
   * Takes the lease on `accountId` for `ttlMs` if it is free, expired, or already this worker's (a worker that lost
   * track of its own lease takes it afresh); the epoch grows by one every time. Otherwise says who holds it until when.
   */
  acquire(accountId: number, workerId: string, now: number, ttlMs: number): Promise<AcquireLeaseResult>;
  /** Extends the lease to `now + ttlMs` only while `claim` still holds it unexpired. */
  renew(claim: LeaseClaim, now: number, ttlMs: number): Promise<RenewLeaseResult>;
  /** Extends every unexpired lease of `workerId` in one statement; returns the ones it extended. */
  renewAll(workerId: string, now: number, ttlMs: number): Promise<RenewedLease[]>;
  /** Gives the lease up (graceful hand-off): free for anyone at once. False when `claim` no longer held it. */
  release(claim: LeaseClaim, now: number): Promise<boolean>;
  /** Every lease row, by account. */
  list(): Promise<LeaseRecord[]>;
  /** The lease of one account, or undefined when it was never taken. */
  get(accountId: number): Promise<LeaseRecord | undefined>;
}

interface LeaseSqlRow {
  account_id: number;
  worker_id: string | null;
  epoch: number;
  acquired_at: number | null;
  expires_at: number;
}

function toRecord(row: LeaseSqlRow): LeaseRecord {
  return {
    accountId: Number(row.account_id),
    workerId: row.worker_id,
    epoch: Number(row.epoch),
    acquiredAt: row.acquired_at === null ? null : Number(row.acquired_at),
    expiresAt: Number(row.expires_at),
  };
}

/** Thrown when an account's lease changed hands under every one of an acquire's attempts (something is churning it). */
export class LeaseContentionError extends Error {
  override readonly name = 'LeaseContentionError';
  constructor(
    readonly accountId: number,
    readonly rounds: number,
  ) {
    super(`the lease of account ${accountId} changed under each of ${rounds} attempts to take it`);
  }
}

/** Beyond this many lost races for one account in one call, someone else is clearly taking it. */
const maxAcquireRounds = 5;

/** The lease repository over the SQL port (the database itself or one of its transactions). */
export function createLeaseRepository(db: SqlExecutor): LeaseRepository {
  const read = async (accountId: number): Promise<LeaseRecord | undefined> => {
    const row = await db.get<LeaseSqlRow>(sql`
      SELECT account_id, worker_id, epoch, acquired_at, expires_at FROM account_leases WHERE account_id = ${accountId}`);
    return row === undefined ? undefined : toRecord(row);
  };

  return {
    async acquire(accountId, workerId, now, ttlMs) {
      const expiresAt = now + ttlMs;
      for (let round = 0; round < maxAcquireRounds; round += 1) {
        const current = await read(accountId);
        if (current === undefined) {
          const inserted = await db.get<{ epoch: number }>(sql`
            INSERT INTO account_leases (account_id, worker_id, epoch, acquired_at, expires_at)
            VALUES (${accountId}, ${workerId}, 1, ${now}, ${expiresAt})
            ON CONFLICT (account_id) DO NOTHING
            RETURNING epoch`);
          if (inserted !== undefined) {
            return { kind: 'acquired', accountId, epoch: 1, expiresAt, previousHolder: null, takeover: false };
          }
          continue;
        }
        if (current.workerId !== null && current.workerId !== workerId && current.expiresAt > now) {
          return { kind: 'held', accountId, workerId: current.workerId, expiresAt: current.expiresAt };
        }
        // Compare-and-swap on the epoch read above: if anyone took or renewed it since, the WHERE fails (PostgreSQL
        // re-checks it against the row as committed) and the next round reads again.
        const swapped = await db.get<{ epoch: number }>(sql`
          UPDATE account_leases
          SET worker_id = ${workerId}, epoch = epoch + 1, acquired_at = ${now}, expires_at = ${expiresAt}
          WHERE account_id = ${accountId} AND epoch = ${current.epoch}
            AND (worker_id IS NULL OR worker_id = ${workerId} OR expires_at <= ${now})
          RETURNING epoch`);
        if (swapped !== undefined) {
          const previousHolder = current.workerId;
          const takeover = previousHolder !== null && previousHolder !== workerId;
          return { kind: 'acquired', accountId, epoch: Number(swapped.epoch), expiresAt, previousHolder, takeover };
        }
      }
      throw new LeaseContentionError(accountId, maxAcquireRounds);
    },

    async renew(claim, now, ttlMs) {
      const renewed = await db.get<{ expires_at: number }>(sql`
        UPDATE account_leases SET expires_at = ${now + ttlMs}
        WHERE account_id = ${claim.accountId} AND worker_id = ${claim.workerId} AND epoch = ${claim.epoch}
          AND expires_at > ${now}
        RETURNING expires_at`);
      if (renewed !== undefined) return { kind: 'renewed', expiresAt: Number(renewed.expires_at) };
      const current = await read(claim.accountId);
      const heldBy = current !== undefined && current.expiresAt > now ? current.workerId : null;
      return { kind: 'lost', heldBy };
    },

    async renewAll(workerId, now, ttlMs) {
      const rows = await db.all<{ account_id: number; epoch: number }>(sql`
        UPDATE account_leases SET expires_at = ${now + ttlMs}
        WHERE worker_id = ${workerId} AND expires_at > ${now}
        RETURNING account_id, epoch`);
      return rows.map((row) => ({ accountId: Number(row.account_id), epoch: Number(row.epoch) }));
    },

    async release(claim, now) {
      const { changes } = await db.run(sql`
        UPDATE account_leases SET worker_id = NULL, acquired_at = NULL, expires_at = ${now}
        WHERE account_id = ${claim.accountId} AND worker_id = ${claim.workerId} AND epoch = ${claim.epoch}`);
      return changes > 0;
    },

    async list() {
      const rows = await db.all<LeaseSqlRow>(sql`
        SELECT account_id, worker_id, epoch, acquired_at, expires_at FROM account_leases ORDER BY account_id`);
      return rows.map(toRecord);
    },

    get: read,
  };
}

/**
 * A condition to AND into the WHERE of a write that only the lease holder may make (an operation's checkpoint, its
 * status): true only while `claim`'s epoch is the lease's. On PostgreSQL the lease row is locked FOR SHARE for the
 * rest of the transaction, so a takeover cannot commit between the check and the write; on SQLite every write
 * transaction already runs alone.
 * @example await tx.run(sql`UPDATE operations SET checkpoint = ${c} WHERE id = ${id} AND ${fencedBy(tx, claim)}`)
 */
export function fencedBy(db: SqlExecutor, claim: LeaseClaim): SQL {
  const lock = db.dialect === 'postgres' ? sql` FOR SHARE` : sql``;
  return sql`EXISTS (SELECT 1 FROM account_leases WHERE account_id = ${claim.accountId}
    AND worker_id = ${claim.workerId} AND epoch = ${claim.epoch}${lock})`;
}

/**
 * Whether `claim` still holds its lease, checked inside the caller's transaction `tx` (and on PostgreSQL keeping the
 * lease row locked until it ends): the writes that follow in `tx` are fenced as with {@link fencedBy}.
 */
export async function stillHolds(tx: SqlExecutor, claim: LeaseClaim): Promise<boolean> {
  // Prepared: it opens every fenced write of a worker (db/sql/prepared.ts).
  const row = await tx.get<{ held: number }>(prepared(sql`SELECT 1 AS held WHERE ${fencedBy(tx, claim)}`));
  return row !== undefined;
}
