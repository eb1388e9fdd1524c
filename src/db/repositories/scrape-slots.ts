import { sql } from 'drizzle-orm';
import type { SqlExecutor } from '../sql/sql-port.js';

/** How {@link ScrapeSlotRepository.acquire} ends. */
export type AcquireSlotResult =
  | { readonly kind: 'granted'; readonly slot: number; readonly expiresAt: number }
  | { readonly kind: 'full'; readonly active: number; readonly limit: number };

export interface AcquireSlot {
  /** The scrape the slot is for; asking again for the same operation (same worker) returns its slot, renewed. */
  readonly operationId: number;
  readonly workerId: string;
  /** SCRAPE_CONCURRENCY: slots are numbered 0 … limit-1. */
  readonly limit: number;
  readonly now: number;
  /** How long the slot is kept without renewal, so a dead worker's slots come back. */
  readonly ttlMs: number;
}

/** A slot {@link ScrapeSlotRepository.renewAll} extended. */
export interface HeldSlot {
  readonly slot: number;
  readonly operationId: number;
}

/**
 * SCRAPE_CONCURRENCY as one limit for every process (table `scrape_slots`, docs/several-processes.md): a running
 * scrape holds one of `limit` numbered slots. The slot number is the primary key, so two processes can never hold the
 * same one, and none is ever numbered at or past the limit: at most `limit` scrapes run fleet-wide, whatever the
 * interleaving. A slot whose holder stopped renewing it is free again once it expires. Lowering the limit lets the
 * slots above it drain as their scrapes end.
 */
export interface ScrapeSlotRepository {
  /** The lowest free (or expired) slot below the limit, taken atomically, or `full`. */
  acquire(request: AcquireSlot): Promise<AcquireSlotResult>;
  /** Extends every unexpired slot of `workerId` (the lease keeper's tick); returns them. */
  renewAll(workerId: string, now: number, ttlMs: number): Promise<HeldSlot[]>;
  /**
   * Frees the slot `workerId` holds for `operationId` (its scrape ended, whatever way). False when it held none — also
   * when the operation has since moved to another worker, whose slot stays.
   */
  release(operationId: number, workerId: string): Promise<boolean>;
  /** Frees every slot of a worker (its graceful stop); returns how many. */
  releaseAll(workerId: string): Promise<number>;
  /** Scrapes running fleet-wide at `now`: the unexpired slots. */
  countActive(now: number): Promise<number>;
}

/** The scrape-slot repository over the SQL port. */
export function createScrapeSlotRepository(db: SqlExecutor): ScrapeSlotRepository {
  const countActive = async (now: number): Promise<number> => {
    const row = await db.get<{ n: number }>(sql`SELECT count(*) AS n FROM scrape_slots WHERE expires_at > ${now}`);
    return Number(row?.n ?? 0);
  };

  const tryOnce = async (request: AcquireSlot): Promise<number | undefined> => {
    const { operationId, workerId, limit, now, ttlMs } = request;
    const expiresAt = now + ttlMs;
    // The candidates 0 … limit-1 from a recursive CTE (SQLite has no generate_series); the lowest one with no live
    // holder is inserted, or taken over when its row has expired. Two processes choosing the same number collide on
    // the primary key: on PostgreSQL the second waits for the first, then its conditional DO UPDATE finds the slot
    // live and returns nothing, and the caller tries the next free one.
    const row = await db.get<{ slot: number }>(sql`
      WITH RECURSIVE candidates(n) AS (
        SELECT 0 UNION ALL SELECT n + 1 FROM candidates WHERE n + 1 < ${limit}
      )
      INSERT INTO scrape_slots (slot, operation_id, worker_id, expires_at)
      SELECT n, ${operationId}, ${workerId}, ${expiresAt} FROM candidates
      WHERE NOT EXISTS (SELECT 1 FROM scrape_slots s WHERE s.slot = candidates.n AND s.expires_at > ${now})
      ORDER BY n LIMIT 1
      ON CONFLICT (slot) DO UPDATE SET
        operation_id = excluded.operation_id, worker_id = excluded.worker_id, expires_at = excluded.expires_at
      WHERE scrape_slots.expires_at <= ${now}
      RETURNING slot`);
    return row === undefined ? undefined : Number(row.slot);
  };

  return {
    async acquire(request) {
      const { operationId, workerId, limit, now, ttlMs } = request;
      if (limit < 1) return { kind: 'full', active: await countActive(now), limit };
      const own = await db.get<{ slot: number }>(sql`
        UPDATE scrape_slots SET expires_at = ${now + ttlMs}
        WHERE operation_id = ${operationId} AND worker_id = ${workerId} AND expires_at > ${now}
        RETURNING slot`);
      if (own !== undefined) return { kind: 'granted', slot: Number(own.slot), expiresAt: now + ttlMs };
      // Full only when the count says so. A lost race means another acquirer took the slot it aimed at, so some
      // acquirer always progresses; but slots may be freed and taken again meanwhile, so no number of lost rounds
      // proves the fleet full, and giving up after a few would turn a scrape away while a slot is free.
      for (;;) {
        const slot = await tryOnce(request);
        if (slot !== undefined) return { kind: 'granted', slot, expiresAt: now + ttlMs };
        const active = await countActive(now);
        if (active >= limit) return { kind: 'full', active, limit };
      }
    },

    async renewAll(workerId, now, ttlMs) {
      const rows = await db.all<{ slot: number; operation_id: number }>(sql`
        UPDATE scrape_slots SET expires_at = ${now + ttlMs}
        WHERE worker_id = ${workerId} AND expires_at > ${now}
        RETURNING slot, operation_id`);
      return rows
        .map((row) => ({ slot: Number(row.slot), operationId: Number(row.operation_id) }))
        .sort((a, b) => a.slot - b.slot);
    },

    async release(operationId, workerId) {
      const { changes } = await db.run(
        sql`DELETE FROM scrape_slots WHERE operation_id = ${operationId} AND worker_id = ${workerId}`,
      );
      return changes > 0;
    },

    async releaseAll(workerId) {
      const { changes } = await db.run(sql`DELETE FROM scrape_slots WHERE worker_id = ${workerId}`);
      return changes;
    },

    countActive,
  };
}
