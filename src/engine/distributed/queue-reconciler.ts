import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../../clock.js';
import type { SqlDatabase, SqlExecutor } from '../../db/sql/sql-port.js';
import { unassignedQueue, type OperationQueue } from './operation-queue.js';

export interface QueueReconcilerOptions {
  /** The shared PostgreSQL database of the fleet (the operations table and pg-boss's jobs). */
  readonly db: SqlDatabase;
  readonly queue: OperationQueue;
  readonly logger: Logger;
  /**
   * How often a sweep runs, in ms. Each worker runs one; a PostgreSQL advisory lock lets one sweep at a time do it.
   * @default 60000
   */
  readonly everyMs?: number;
  /**
   * How long a queued row must have gone unchanged before it counts, in ms: a margin for the clocks of machines that
   * wrote `updated_at`. A row and its job are committed together, so no row is ever briefly without one.
   * @default 60000
   */
  readonly graceMs?: number;
  /**
   * Rows re-enqueued per sweep at most; the rest wait for the next one.
   * @default 500
   */
  readonly batchSize?: number;
  /** @default the system clock and timers */
  readonly clock?: Clock;
}

/** One key for the sweep's advisory lock, fleet-wide: any fixed 64-bit number no other code of ours locks. */
const SWEEP_LOCK = 7_311_004_271;

/**
 * Gives orphaned operations their job back (docs/several-processes.md, "Nothing is lost"). An operation nobody has
 * placed yet waits in `op-unassigned` as a job beside its row. pg-boss fails a job for good after its last retry (25
 * deliveries, each refused: every worker crashed on it, or the database kept dropping the connection in the middle),
 * and then the row would say queued forever with nothing left to deliver it. A periodic sweep finds such rows, queued
 * and unplaced with no live job (created, retry or active) naming them, and enqueues them again, each in one
 * transaction with a re-check of its row. Rows bound to an account need no sweep: whoever takes the account's lease
 * resumes them from the table.
 */
export class QueueReconciler {
  readonly #options: QueueReconcilerOptions;
  readonly #clock: Clock;
  #timer: unknown;
  #sweeping: Promise<number> | undefined;
  #running = false;

  constructor(options: QueueReconcilerOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** Sweeps every `everyMs`, first after one interval. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule();
  }

  /** Stops sweeping; waits for a sweep under way. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#clock.clearTimeout(this.#timer);
    await this.#sweeping?.catch(() => undefined);
  }

  /**
   * One sweep now: returns how many operations were enqueued again (0 when another process holds the sweep's lock).
   * Safe to run in any number of processes at once.
   */
  sweep(): Promise<number> {
    this.#sweeping ??= this.#sweepOnce().finally(() => {
      this.#sweeping = undefined;
    });
    return this.#sweeping;
  }

  #schedule(): void {
    if (!this.#running) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.sweep()
        .then((count) => {
          if (count > 0) this.#options.logger.warn({ count }, 'operations had lost their job in the queue; enqueued them again');
        })
        .catch((error: unknown) => this.#options.logger.warn({ err: error }, 'could not sweep the queue for orphaned operations'))
        .finally(() => this.#schedule());
    }, this.#options.everyMs ?? 60_000);
  }

  async #sweepOnce(): Promise<number> {
    const { db, queue, graceMs = 60_000, batchSize = 500 } = this.#options;
    const before = this.#clock.now() - graceMs;
    const jobs = sql`${sql.identifier(queue.schema)}.job`;
    return db.transaction(async (tx: SqlExecutor) => {
      // Transaction-scoped: released at commit or rollback, also when this process dies mid-sweep.
      const lock = await tx.get<{ locked: boolean }>(sql`SELECT pg_try_advisory_xact_lock(${SWEEP_LOCK}) AS locked`);
      if (lock?.locked !== true) return 0;
      // `name` prunes pg-boss's partitioned job table to the one queue; FOR UPDATE SKIP LOCKED leaves rows that a
      // worker is changing right now (an assign, a cancel) to that worker.
      const orphans = await tx.all<{ id: number; kind: string; priority: number }>(sql`
        SELECT o.id, o.kind, o.priority FROM operations o
        WHERE o.status = 'queued' AND o.assigned_account_id IS NULL AND o.pinned_account_id IS NULL AND o.updated_at < ${before}
          AND NOT EXISTS (
            SELECT 1 FROM ${jobs} j
            WHERE j.name = ${unassignedQueue} AND j.state IN ('created', 'retry', 'active') AND (j.data->>'operationId')::bigint = o.id)
        ORDER BY o.priority DESC, o.id
        LIMIT ${batchSize}
        FOR UPDATE OF o SKIP LOCKED`);
      for (const row of orphans) {
        await queue.enqueue(tx, { operationId: Number(row.id), kind: row.kind, accountId: null, priority: Number(row.priority) });
      }
      if (orphans.length > 0) {
        await tx.run(sql`UPDATE operations SET updated_at = ${this.#clock.now()} WHERE id IN (${sql.join(
          orphans.map((row) => sql`${row.id}`),
          sql`, `,
        )})`);
      }
      return orphans.length;
    });
  }
}
