import Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresExecutor } from '../../../src/db/sql/postgres-executor.js';
import type { SqlDatabase } from '../../../src/db/sql/sql-port.js';
import { preparedSql } from '../../../src/db/sql/sql-statement.js';
import { createSqliteExecutor } from '../../../src/db/sql/sqlite-executor.js';
import { createTestDatabase, type TestDatabase } from '../postgres.js';

const table = sql`CREATE TABLE t (id INTEGER PRIMARY KEY, at BIGINT NOT NULL, flag INTEGER NOT NULL, label TEXT)`;

describe.each(['sqlite', 'postgres'] as const)('SqlPort (%s)', (dialect) => {
  let db: SqlDatabase;
  let sqlite: Database.Database | undefined;
  let database: TestDatabase | undefined;

  beforeAll(async () => {
    if (dialect === 'sqlite') {
      sqlite = new Database(':memory:');
      db = createSqliteExecutor(sqlite, { statementCacheSize: 2 });
    } else {
      database = await createTestDatabase();
      db = createPostgresExecutor(new pg.Pool({ connectionString: database.url, max: 4 }));
    }
    await db.run(table);
  });

  afterAll(async () => {
    await db.close();
    sqlite?.close();
    await database?.drop();
  });

  it('binds parameters with its own placeholders and returns rows by column name', async () => {
    const at = 1_790_000_000_123;
    await db.run(sql`INSERT INTO t (id, at, flag, label) VALUES (${1}, ${at}, ${true}, ${'one'})`);
    await db.run(sql`INSERT INTO t (id, at, flag, label) VALUES (${2}, ${at + 1}, ${false}, ${null})`);
    const rows = await db.all<{ id: number; at: number; flag: number; label: string | null }>(sql`SELECT id, at, flag, label FROM t ORDER BY id`);
    expect(rows).toEqual([
      { id: 1, at, flag: 1, label: 'one' },
      { id: 2, at: at + 1, flag: 0, label: null },
    ]);
    expect(typeof rows[0]?.at).toBe('number');
  });

  it('reports changes, the first row, and undefined for none', async () => {
    expect(await db.run(sql`UPDATE t SET label = ${'x'} WHERE id >= ${1}`)).toEqual({ changes: 2 });
    expect(await db.get<{ id: number }>(sql`SELECT id FROM t WHERE id = ${2}`)).toEqual({ id: 2 });
    expect(await db.get(sql`SELECT id FROM t WHERE id = ${99}`)).toBeUndefined();
  });

  it('reuses statements past its cache size without mixing them up', async () => {
    for (let round = 0; round < 3; round++) {
      for (const id of [1, 2]) {
        const row = await db.get<{ id: number; label: string }>(sql`SELECT id, label FROM t WHERE id = ${id}`);
        expect(row?.id).toBe(id);
      }
      expect(await db.get<{ n: number }>(sql`SELECT count(*) AS n FROM t`)).toEqual({ n: 2 });
    }
  });

  it('commits a transaction as a whole', async () => {
    const result = await db.transaction(async (tx) => {
      await tx.run(sql`INSERT INTO t (id, at, flag) VALUES (${3}, ${3}, ${0})`);
      await tx.run(sql`INSERT INTO t (id, at, flag) VALUES (${4}, ${4}, ${0})`);
      return 'done';
    });
    expect(result).toBe('done');
    expect(await db.get<{ n: number }>(sql`SELECT count(*) AS n FROM t WHERE id IN (3, 4)`)).toEqual({ n: 2 });
  });

  it('rolls a failed transaction back and rethrows its error', async () => {
    const failure = new Error('stop here');
    await expect(
      db.transaction(async (tx) => {
        await tx.run(sql`INSERT INTO t (id, at, flag) VALUES (${5}, ${5}, ${0})`);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await db.get(sql`SELECT id FROM t WHERE id = ${5}`)).toBeUndefined();
  });

  it('keeps a statement from outside out of an open transaction', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let inserted!: () => void;
    const insertedInside = new Promise<void>((resolve) => (inserted = resolve));
    const transaction = db.transaction(async (tx) => {
      await tx.run(sql`INSERT INTO t (id, at, flag) VALUES (${6}, ${6}, ${0})`);
      inserted();
      await held;
      throw new Error('roll back');
    });
    await insertedInside;
    const outside = db.run(sql`INSERT INTO t (id, at, flag) VALUES (${7}, ${7}, ${0})`);
    release();
    await expect(transaction).rejects.toThrow('roll back');
    await outside;
    const ids = await db.all<{ id: number }>(sql`SELECT id FROM t WHERE id IN (6, 7) ORDER BY id`);
    expect(ids).toEqual([{ id: 7 }]);
  });

  it('runs one prepared statement with the values of each call, in and out of a transaction', async () => {
    const insert = preparedSql<{ id: number; at: number; flag: boolean; label: string | null }>(
      (v) => sql`INSERT INTO t (id, at, flag, label) VALUES (${v('id')}, ${v('at')}, ${v('flag')}, ${v('label')})`,
    );
    const byId = preparedSql<{ id: number }>((v) => sql`SELECT id, at, flag, label FROM t WHERE id = ${v('id')}`);
    const at = 1_790_000_000_321;
    await db.run(insert({ id: 11, at, flag: true, label: 'eleven' }));
    await db.transaction(async (tx) => {
      await tx.run(insert({ id: 12, at: at + 1, flag: false, label: null }));
    });
    expect(await db.get(byId({ id: 11 }))).toEqual({ id: 11, at, flag: 1, label: 'eleven' });
    expect(await db.get(byId({ id: 12 }))).toEqual({ id: 12, at: at + 1, flag: 0, label: null });
    expect(await db.get(byId({ id: 13 }))).toBeUndefined();
  });

  it('rejects a bad statement with the database error', async () => {
    await expect(db.all(sql`SELECT nope FROM t`)).rejects.toThrow(/nope/);
  });
});
