import { sql } from 'drizzle-orm';
import PgBoss from 'pg-boss';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlExecutor } from '../../../src/db/sql/sql-port.js';
import { BossDialectError, bossDbOver, positionalSql } from '../../../src/engine/distributed/boss-db.js';
import {
  OperationQueue,
  accountQueue,
  type DeliveredJob,
  type OperationJob,
} from '../../../src/engine/distributed/operation-queue.js';
import { openPortDatabase, type PortDatabase } from '../../db/lease-databases.js';
import { until } from '../../until.js';

const logger = pino({ level: 'silent' });

describe('OperationQueue', () => {
  let store: PortDatabase;
  let url: string;
  let queues: OperationQueue[] = [];

  beforeAll(async () => {
    store = await openPortDatabase('postgres');
    url = store.url ?? '';
  });
  afterAll(async () => {
    for (const queue of queues) await queue.stop({ timeoutMs: 1_000 });
    await store.close();
  });

  const startQueue = async (): Promise<OperationQueue> => {
    const queue = await OperationQueue.start({ connectionString: url, logger, retryDelaySeconds: 0, pollingIntervalSeconds: 0.5 });
    queues.push(queue);
    return queue;
  };

  /** Writes an operation row and enqueues its job in one transaction, as the engine does; `fail` rolls both back. */
  const submit = async (queue: OperationQueue, accountId: number | null, fail = false): Promise<number> => {
    let id = 0;
    const work = store.db.transaction(async (tx: SqlExecutor) => {
      const row = await tx.get<{ id: number }>(sql`
        INSERT INTO operations (kind, params, priority, pinned_account_id) VALUES ('scrape', '{}', 5, ${accountId}) RETURNING id`);
      id = Number(row?.id);
      const job: OperationJob = { operationId: id, kind: 'scrape', accountId, priority: 5 };
      await queue.enqueue(tx, job);
      if (fail) throw new Error('the submission failed after the enqueue');
    });
    if (fail) await expect(work).rejects.toThrow('submission failed');
    else await work;
    return id;
  };

  const jobStates = async (operationId: number): Promise<string[]> => {
    const rows = await store.db.all<{ state: string }>(
      sql`SELECT state FROM pgboss.job WHERE (data->>'operationId')::int = ${operationId}`,
    );
    return rows.map((row) => row.state);
  };

  it('runs pg-boss’s positional SQL through the port, a repeated parameter included', async () => {
    const db = bossDbOver(store.db);
    const { rows } = await db.executeSql('SELECT $1::int AS a, $2::text AS b, $1::int + 1 AS c, $3::jsonb AS d', [4, 'x', { k: [1] }]);
    expect(rows).toEqual([{ a: 4, b: 'x', c: 5, d: { k: [1] } }]);
    expect(positionalSql('SELECT 1', []).queryChunks).toHaveLength(1);
  });

  it('stores no job when the transaction that enqueued it rolls back', async () => {
    const queue = await startQueue();
    const [account] = await store.addAccounts(1);
    const id = await submit(queue, account as number, true);
    expect(await store.db.get(sql`SELECT id FROM operations WHERE id = ${id}`)).toBeUndefined();
    expect(await jobStates(id)).toEqual([]);
  });

  it('delivers a committed job once, to the worker of its account’s queue, with its data', async () => {
    const queue = await startQueue();
    const [account] = await store.addAccounts(1);
    const accountId = account as number;
    const delivered: DeliveredJob[] = [];
    await queue.workAccount(accountId, async (job) => void delivered.push(job));
    const id = await submit(queue, accountId);
    queue.wake();
    await until(() => delivered.length === 1, 'the delivery');
    expect(delivered[0]).toMatchObject({ operationId: id, kind: 'scrape', accountId, priority: 5, retryCount: 0 });
    await expect.poll(() => jobStates(id), { interval: 20 }).toEqual(['completed']);
    queue.wake();
    expect(delivered).toHaveLength(1);
    await queue.stopAccount(accountId);
  });

  it('sends unplaced operations to the unassigned queue, which any worker takes', async () => {
    const queue = await startQueue();
    const delivered: DeliveredJob[] = [];
    await queue.workUnassigned(async (job) => void delivered.push(job), { batchSize: 4, concurrency: 2 });
    const ids = [await submit(queue, null), await submit(queue, null), await submit(queue, null)];
    queue.wake();
    await until(() => delivered.length === 3, 'three deliveries');
    expect(delivered.map((job) => job.operationId).sort((a, b) => a - b)).toEqual(ids);
    expect(delivered.every((job) => job.accountId === null)).toBe(true);
  });

  it('gives a job back when its worker no longer holds the account, and the new holder gets it', async () => {
    const [account] = await store.addAccounts(1);
    const accountId = account as number;
    const stale = await startQueue();
    const holder = await startQueue();
    let staleCalls = 0;
    await stale.workAccount(accountId, async () => void (staleCalls += 1), { holds: () => false });
    const id = await submit(stale, accountId);
    stale.wake();
    await expect.poll(() => jobStates(id), { interval: 20 }).toEqual(['retry']);
    await stale.stopAccount(accountId);
    expect(staleCalls).toBe(0);
    const delivered: DeliveredJob[] = [];
    await holder.workAccount(accountId, async (job) => void delivered.push(job));
    holder.wake();
    await until(() => delivered.length === 1, 'the delivery to the holder');
    expect(delivered[0]).toMatchObject({ operationId: id, retryCount: 1 });
  });

  it('redelivers the job of a worker that stops without acknowledging it', async () => {
    const [account] = await store.addAccounts(1);
    const accountId = account as number;
    const dying = await startQueue();
    let fetched!: () => void;
    const wasFetched = new Promise<void>((resolve) => (fetched = resolve));
    await dying.workAccount(accountId, () => {
      fetched();
      return new Promise<void>(() => undefined); // never acknowledges
    });
    const id = await submit(dying, accountId);
    dying.wake();
    await wasFetched;
    await dying.stop({ graceful: false });
    queues = queues.filter((queue) => queue !== dying);
    const next = await startQueue();
    const delivered: DeliveredJob[] = [];
    await next.workAccount(accountId, async (job) => void delivered.push(job));
    next.wake();
    await until(() => delivered.length === 1, 'the redelivery');
    expect(delivered[0]).toMatchObject({ operationId: id, retryCount: 1 });
  });

  it('redelivers the job of a worker that died holding it (kill -9) once the job expires', async () => {
    const [account] = await store.addAccounts(1);
    const accountId = account as number;
    const queue = await startQueue();
    const id = await submit(queue, accountId);
    // The dead process: it fetched the job (now active) and then vanished, acknowledging nothing.
    const dead = new PgBoss({ connectionString: url, migrate: false, supervise: false, schedule: false, max: 1 });
    dead.on('error', () => undefined);
    await dead.start();
    expect(await dead.fetch(accountQueue(accountId))).toHaveLength(1);
    await dead.stop({ graceful: false, close: true });
    expect(await jobStates(id)).toEqual(['active']);
    // Its expiry (60 s) is moved into the past instead of waited for; maintenance then hands the job out again.
    await store.db.run(sql`UPDATE pgboss.job SET started_on = now() - interval '1 hour' WHERE (data->>'operationId')::int = ${id}`);
    await queue.expireAbandoned();
    const delivered: DeliveredJob[] = [];
    await queue.workAccount(accountId, async (job) => void delivered.push(job));
    queue.wake();
    await until(() => delivered.length === 1, 'the redelivery');
    expect(delivered[0]).toMatchObject({ operationId: id, retryCount: 1 });
  });
});

describe('bossDbOver', () => {
  it('refuses a SQLite executor', () => {
    const sqlite = { dialect: 'sqlite' } as SqlExecutor;
    expect(() => bossDbOver(sqlite)).toThrow(BossDialectError);
  });
});
