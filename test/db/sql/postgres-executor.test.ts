import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPostgresDatabase, type PostgresDatabaseHandle } from '../../../src/db/postgres-client.js';
import { TransactionConnectionLostError } from '../../../src/db/sql/postgres-executor.js';
import { prepared } from '../../../src/db/sql/prepared.js';
import { isUnreachable } from '../../../src/engine/distributed/write-behind.js';
import { until } from '../../until.js';
import { quietLogger } from '../dialects.js';
import { adminUrl, createTestDatabase, type TestDatabase } from '../postgres.js';

async function terminate(pid: number): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  } finally {
    await admin.end();
  }
}

describe('createPostgresExecutor', () => {
  let database: TestDatabase;
  let db: PostgresDatabaseHandle;
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown): void => void uncaught.push(error);

  beforeEach(async () => {
    uncaught.length = 0;
    process.on('uncaughtException', onUncaught);
    database = await createTestDatabase();
    db = await openPostgresDatabase(database.url, { logger: quietLogger, migrate: false, maxConnections: 2 });
  });

  afterEach(async () => {
    process.off('uncaughtException', onUncaught);
    await db.close();
    await database.drop();
  });

  it('rejects a transaction whose connection the server ends, without an uncaught error', async () => {
    // The pool hands the transaction its client: the test hears that client's socket close.
    const acquired = new Promise<pg.PoolClient>((resolve) => db.pool.once('acquire', resolve));
    let go!: () => void;
    const resumed = new Promise<void>((resolve) => (go = resolve));
    let started!: (pid: number) => void;
    const inside = new Promise<number>((resolve) => (started = resolve));
    const tx = db.sql.transaction(async (t) => {
      const row = await t.get<{ pid: number }>(sql`SELECT pg_backend_pid() AS pid`);
      started(Number(row?.pid));
      await resumed;
      await t.run(sql`SELECT 1`);
      return 'committed';
    });
    const outcome = tx.then(
      () => undefined,
      (error: unknown) => error,
    );
    const client = await acquired;
    let ended = false;
    client.once('end', () => (ended = true));
    await terminate(await inside);
    // An 'error' nobody hears is thrown before the client says 'end': either ends the wait.
    await until(() => ended || uncaught.length > 0, 'the connection to end');
    go();

    const error = await outcome;
    expect(error).toBeInstanceOf(TransactionConnectionLostError);
    expect((error as Error).message).toMatch(/connection .*lost/i);
    // The write-behind retries a write whose transaction lost its connection rather than dropping it.
    expect(isUnreachable(error)).toBe(true);
    expect(uncaught).toEqual([]);
    expect(client.listenerCount('error')).toBeLessThanOrEqual(1);

    expect(await db.sql.get<{ one: number }>(sql`SELECT 1 AS one`)).toEqual({ one: 1 });
    expect(await db.sql.transaction((t) => t.get<{ two: number }>(sql`SELECT 2 AS two`))).toEqual({ two: 2 });
  });

  it('leaves no listener of its own on a client it gave back', async () => {
    const acquired = new Promise<pg.PoolClient>((resolve) => db.pool.once('acquire', resolve));
    let during = 0;
    const tx = db.sql.transaction(async (t) => {
      during = (await acquired).listenerCount('error');
      return t.get(sql`SELECT 1 AS one`);
    });
    await tx;
    // While it holds the client the transaction's listener is the only one; once idle, the pool's is.
    expect(during).toBe(1);
    expect((await acquired).listenerCount('error')).toBe(1);
  });

  it('runs a statement marked prepared as one named statement per connection, and others unnamed', async () => {
    const names = (tx: Parameters<Parameters<typeof db.sql.transaction>[0]>[0]) =>
      tx.all<{ name: string; statement: string }>(sql`SELECT name, statement FROM pg_prepared_statements ORDER BY name`);
    const seen = await db.sql.transaction(async (tx) => {
      for (const n of [1, 2, 3]) {
        expect(await tx.get<{ n: number }>(prepared(sql`SELECT CAST(${n} AS integer) + 1 AS n`))).toEqual({ n: n + 1 });
      }
      await tx.get(sql`SELECT CAST(${5} AS integer) AS unmarked`);
      return names(tx);
    });
    // Three runs of one text, prepared once on this connection; the unmarked statement is not kept.
    expect(seen).toHaveLength(1);
    expect(seen[0]!.statement).toBe('SELECT CAST($1 AS integer) + 1 AS n');
    expect(seen[0]!.name).toMatch(/^switchboard_\d+$/);
  });
});

