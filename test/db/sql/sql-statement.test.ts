import Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import { preparedSql, statementRenderer, StatementValueError } from '../../../src/db/sql/sql-statement.js';
import { createSqliteExecutor } from '../../../src/db/sql/sqlite-executor.js';

const insert = preparedSql<{ id: number; at: number; flag: boolean; label: string | null }>(
  (v) => sql`INSERT INTO t (id, at, flag, label) VALUES (${v('id')}, ${v('at')}, ${v('flag')}, ${v('label')})`,
);
const byId = preparedSql<{ id: number }>((v) => sql`SELECT id, at, flag, label FROM t WHERE id = ${v('id')}`);

describe('statementRenderer', () => {
  it('renders a prepared template once per dialect and binds each call its own values', () => {
    let renders = 0;
    const counting = new SQLiteSyncDialect();
    const render = statementRenderer({
      sqlToQuery: (query) => {
        renders += 1;
        return counting.sqlToQuery(query);
      },
    });
    const first = render(insert({ id: 1, at: 10, flag: true, label: null }));
    const second = render(insert({ id: 2, at: 20, flag: false, label: 'two' }));
    expect(renders).toBe(1);
    expect(second.text).toBe(first.text);
    expect(first.text).toBe('INSERT INTO t (id, at, flag, label) VALUES (?, ?, ?, ?)');
    expect(first.params).toEqual([1, 10, 1, null]);
    expect(second.params).toEqual([2, 20, 0, 'two']);
  });

  it("renders PostgreSQL's placeholders, one per value even when a name comes twice", () => {
    const twice = preparedSql<{ now: number; id: number }>((v) => sql`UPDATE t SET at = ${v('now')}, label = ${v('now')} WHERE id = ${v('id')}`);
    const { text, params } = statementRenderer(new PgDialect())(twice({ now: 5, id: 9 }));
    expect(text).toBe('UPDATE t SET at = $1, label = $2 WHERE id = $3');
    expect(params).toEqual([5, 5, 9]);
  });

  it('renders a plain template anew each call', () => {
    const render = statementRenderer(new SQLiteSyncDialect());
    expect(render(sql`SELECT ${1} AS n`)).toEqual({ text: 'SELECT ? AS n', params: [1] });
    expect(render(sql`SELECT ${true} AS n, ${null} AS m`)).toEqual({ text: 'SELECT ? AS n, ? AS m', params: [1, null] });
  });

  it('refuses a prepared statement missing one of its values', () => {
    const render = statementRenderer(new SQLiteSyncDialect());
    const unbound = { template: byId({ id: 7 }).template, values: {} };
    expect(() => render(unbound)).toThrow(StatementValueError);
    const sqlite = new Database(':memory:');
    const { sync } = createSqliteExecutor(sqlite);
    sync.run(sql`CREATE TABLE t (id INTEGER PRIMARY KEY, at BIGINT NOT NULL, flag INTEGER NOT NULL, label TEXT)`);
    expect(() => sync.get(unbound)).toThrow(/placeholder "id"/);
    sqlite.close();
  });
});

describe('SqliteSqlDatabase.sync', () => {
  it("answers the port's statements at once, on the same connection", async () => {
    const sqlite = new Database(':memory:');
    const db = createSqliteExecutor(sqlite);
    db.sync.run(sql`CREATE TABLE t (id INTEGER PRIMARY KEY, at BIGINT NOT NULL, flag INTEGER NOT NULL, label TEXT)`);
    expect(db.sync.run(insert({ id: 7, at: 1, flag: true, label: null }))).toEqual({ changes: 1, lastInsertRowid: 7 });
    // Written before the call returned: a statement of the connection itself sees it.
    expect(sqlite.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 1 });
    expect(await db.get(byId({ id: 7 }))).toEqual(db.sync.get(byId({ id: 7 })));
    expect(db.sync.all(sql`SELECT id FROM t`)).toEqual([{ id: 7 }]);
    await db.close();
    sqlite.close();
  });

  it('prepares a template once for the connection, however many plain statements pass through its cache', () => {
    const sqlite = new Database(':memory:');
    const { sync } = createSqliteExecutor(sqlite, { statementCacheSize: 1 });
    sync.run(sql`CREATE TABLE t (id INTEGER PRIMARY KEY, at BIGINT NOT NULL, flag INTEGER NOT NULL, label TEXT)`);
    const texts: string[] = [];
    const prepare = sqlite.prepare.bind(sqlite);
    sqlite.prepare = ((text: string) => {
      texts.push(text);
      return prepare(text);
    }) as typeof sqlite.prepare;
    for (let id = 1; id <= 3; id++) {
      sync.run(insert({ id, at: id, flag: false, label: null }));
      expect(sync.get(sql`SELECT count(*) AS n FROM t WHERE id <= ${id}`)).toEqual({ n: id });
      expect(sync.get(sql`SELECT max(id) AS m FROM t`)).toEqual({ m: id });
    }
    const inserts = texts.filter((text) => text.startsWith('INSERT'));
    expect(inserts).toHaveLength(1);
    // The plain statements take turns in a cache of one: each is prepared again every time.
    expect(texts).toHaveLength(1 + 3 * 2);
    sqlite.close();
  });

  it("commits or rolls back with the connection's own transaction", () => {
    const sqlite = new Database(':memory:');
    const { sync } = createSqliteExecutor(sqlite);
    sync.run(sql`CREATE TABLE t (id INTEGER PRIMARY KEY, at BIGINT NOT NULL, flag INTEGER NOT NULL, label TEXT)`);
    const both = sqlite.transaction((first: number, second: number) => {
      sync.run(insert({ id: first, at: 1, flag: false, label: null }));
      sync.run(insert({ id: second, at: 1, flag: false, label: null }));
    });
    both(1, 2);
    expect(() => both(3, 1)).toThrow(/UNIQUE/);
    expect(sync.all(sql`SELECT id FROM t ORDER BY id`)).toEqual([{ id: 1 }, { id: 2 }]);
    sqlite.close();
  });
});
