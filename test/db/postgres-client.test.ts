import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseError } from '../../src/db/database-error.js';
import { openDatabase } from '../../src/db/open-database.js';
import { redactDatabaseUrl } from '../../src/db/database-url.js';
import { openPostgresDatabase, type PostgresDatabaseHandle } from '../../src/db/postgres-client.js';
import { quietLogger } from './dialects.js';
import { adminUrl, createTestDatabase, type TestDatabase } from './postgres.js';

describe('openPostgresDatabase', () => {
  let database: TestDatabase;
  const handles: PostgresDatabaseHandle[] = [];

  const open = async (url = database.url): Promise<PostgresDatabaseHandle> => {
    const handle = await openPostgresDatabase(url, { logger: quietLogger, maxConnections: 2 });
    handles.push(handle);
    return handle;
  };

  const applied = async (handle: PostgresDatabaseHandle): Promise<number> =>
    (await handle.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations')).rows[0]!.n;

  beforeEach(async () => {
    database = await createTestDatabase();
  });

  afterEach(async () => {
    for (const handle of handles.splice(0)) await handle.close();
    await database.drop();
  });

  it('migrates a fresh database', async () => {
    const db = await open();
    const { rows } = await db.pool.query<{ name: string }>(
      "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    );
    expect(rows.map((row) => row.name)).toContain('account_leases');
    expect(rows).toHaveLength(19);
    expect(await applied(db)).toBeGreaterThan(0);
    expect(db.dialect).toBe('postgres');
  });

  it('finds nothing to do when opened again', async () => {
    const first = await open();
    const count = await applied(first);
    await first.pool.query("INSERT INTO kv (key, value) VALUES ('kept', 'yes')");
    const second = await open();
    expect(await applied(second)).toBe(count);
    expect((await second.pool.query('SELECT value FROM kv')).rows).toEqual([{ value: 'yes' }]);
  });

  it('lets processes that start at once all open it, one migrating', async () => {
    const opened = await Promise.all([open(), open(), open()]);
    for (const db of opened) expect(await applied(db)).toBe(await applied(opened[0]!));
  });

  it('survives a pooled connection the server ends, telling the logger', async () => {
    let warn!: (fields: unknown) => void;
    const warned = new Promise<unknown>((resolve) => (warn = resolve));
    const db = await openPostgresDatabase(database.url, { logger: { warn }, maxConnections: 1 });
    handles.push(db);
    await db.pool.query('SELECT 1');
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [database.name]);
    } finally {
      await admin.end();
    }
    expect(await warned).toMatchObject({ database: database.url });
    expect((await db.pool.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('fails with a DatabaseError naming the URL without its password', async () => {
    const url = 'postgres://postgres:hunter2-secret@127.0.0.1:1/nowhere';
    const error = await openPostgresDatabase(url, { logger: quietLogger }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).message).toContain('postgres://postgres:***@127.0.0.1:1/nowhere');
    expect((error as DatabaseError).path).toBe(redactDatabaseUrl(url));
    expect(JSON.stringify({ message: (error as Error).message, path: (error as DatabaseError).path })).not.toContain('hunter2');
  });
});

describe('openDatabase', () => {
  it('opens SQLite without a URL', async () => {
    const db = await openDatabase({ path: ':memory:', logger: quietLogger });
    expect(db.dialect).toBe('sqlite');
    await db.close();
  });

  it('opens PostgreSQL with one', async () => {
    const database = await createTestDatabase();
    try {
      const db = await openDatabase({ url: database.url, path: 'unused.db', logger: quietLogger });
      expect(db.dialect).toBe('postgres');
      await db.close();
    } finally {
      await database.drop();
    }
  });

  it('refuses a URL of another database', async () => {
    await expect(openDatabase({ url: 'mysql://root:pw@host/db', path: ':memory:', logger: quietLogger })).rejects.toThrow(
      /postgres:\/\/ or postgresql:\/\//,
    );
  });
});
