import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlExecutor } from '../../../src/db/sql/sql-port.js';
import { OperationQueue, unassignedQueue } from '../../../src/engine/distributed/operation-queue.js';
import { QueueReconciler } from '../../../src/engine/distributed/queue-reconciler.js';
import { openPortDatabase, type PortDatabase } from '../../db/lease-databases.js';
import { manualClock } from '../../manual-clock.js';
import { until } from '../../until.js';

const logger = pino({ level: 'silent' });
const MINUTE = 60_000;

describe('QueueReconciler', () => {
  let store: PortDatabase;
  let queue: OperationQueue;
  // Rows are written as of an hour ago unless a test says otherwise; the reconcilers' clocks read "now".
  const now = Date.now();

  beforeAll(async () => {
    store = await openPortDatabase('postgres');
    queue = await OperationQueue.start({ connectionString: store.url ?? '', logger, retryDelaySeconds: 0 });
  });
  afterAll(async () => {
    await queue.stop({ timeoutMs: 1_000 });
    await store.close();
  });

  const reconciler = (clock = manualClock(now)) => new QueueReconciler({ db: store.db, queue, logger, clock });

  /** A row as the table holds it; with `job`, its job enqueued in the same transaction, as every submit does. */
  const row = async (fields: { status?: string; assigned?: number | null; pinned?: number | null; updatedAt?: number; job?: boolean } = {}) =>
    store.db.transaction(async (tx: SqlExecutor) => {
      const { status = 'queued', assigned = null, pinned = null, updatedAt = now - 60 * MINUTE, job = false } = fields;
      const inserted = await tx.get<{ id: number }>(sql`
        INSERT INTO operations (kind, params, priority, status, assigned_account_id, pinned_account_id, created_at, updated_at)
        VALUES ('scrape', '{}', 5, ${status}, ${assigned}, ${pinned}, ${updatedAt}, ${updatedAt}) RETURNING id`);
      const id = Number(inserted?.id);
      if (job) await queue.enqueue(tx, { operationId: id, kind: 'scrape', accountId: null, priority: 5 });
      return id;
    });

  const liveJobs = async (operationId: number): Promise<number> => {
    const found = await store.db.get<{ n: number }>(sql`
      SELECT count(*)::int AS n FROM pgboss.job
      WHERE name = ${unassignedQueue} AND state IN ('created', 'retry', 'active') AND (data->>'operationId')::int = ${operationId}`);
    return Number(found?.n ?? 0);
  };

  /** The job of an operation used up its deliveries: what pg-boss does after the last retry. */
  const failForGood = (operationId: number) =>
    store.db.run(sql`UPDATE pgboss.job SET state = 'failed' WHERE name = ${unassignedQueue} AND (data->>'operationId')::int = ${operationId}`);

  /** Each test starts with no queued row and no unassigned job. */
  const clear = async () => {
    await store.db.run(sql`UPDATE operations SET status = 'cancelled' WHERE status = 'queued'`);
    await store.db.run(sql`DELETE FROM pgboss.job WHERE name = ${unassignedQueue}`);
  };

  it('enqueues again a queued, unplaced operation whose job failed for good, once', async () => {
    await clear();
    const id = await row({ job: true });
    await failForGood(id);
    expect(await liveJobs(id)).toBe(0);
    expect(await reconciler().sweep()).toBe(1);
    expect(await liveJobs(id)).toBe(1);
    // It has a job again, so the next sweep, however late, leaves it alone.
    expect(await reconciler(manualClock(now + 10 * MINUTE)).sweep()).toBe(0);
    expect(await liveJobs(id)).toBe(1);
  });

  it('hands the re-enqueued job to a worker of the unassigned queue', async () => {
    await clear();
    const id = await row();
    expect(await reconciler().sweep()).toBe(1);
    const jobs = await queue.fetchUnassigned(5);
    expect(jobs).toEqual([expect.objectContaining({ operationId: id, kind: 'scrape', accountId: null, priority: 5 })]);
    await queue.complete(jobs.map((job) => job.jobId));
  });

  it('leaves rows with a live job, bound rows, unfinished-elsewhere rows, finished rows and recent rows alone', async () => {
    await clear();
    const [account] = await store.addAccounts(1);
    const withJob = await row({ job: true });
    await row({ assigned: account as number });
    await row({ pinned: account as number });
    await row({ status: 'running', assigned: account as number });
    await row({ status: 'succeeded' });
    const recent = await row({ updatedAt: now - 5_000 });
    expect(await reconciler().sweep()).toBe(0);
    expect(await liveJobs(withJob)).toBe(1);
    expect(await liveJobs(recent)).toBe(0);
    // Once it is older than the grace period, the recent one counts.
    expect(await reconciler(manualClock(now + 2 * MINUTE)).sweep()).toBe(1);
    expect(await liveJobs(recent)).toBe(1);
  });

  it('re-enqueues each orphan once when several processes sweep at the same time', async () => {
    await clear();
    const ids = [await row(), await row(), await row()];
    const counts = await Promise.all([reconciler().sweep(), reconciler().sweep(), reconciler().sweep()]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(3);
    for (const id of ids) expect(await liveJobs(id)).toBe(1);
  });

  it('sweeps every interval once started, and not after stop', async () => {
    await clear();
    const clock = manualClock(now);
    const sweeper = new QueueReconciler({ db: store.db, queue, logger, clock, everyMs: 30_000 });
    sweeper.start();
    const first = await row();
    expect(clock.pending()).toEqual([30_000]);
    clock.advance(30_000);
    await until(async () => (await liveJobs(first)) === 1, 'the first sweep');
    // The next sweep is scheduled once this one ended.
    await until(() => clock.pending().length === 1, 'the next sweep scheduled');
    await sweeper.stop();
    const second = await row();
    clock.advance(30_000);
    expect(clock.pending()).toEqual([]);
    expect(await liveJobs(second)).toBe(0);
  });
});
