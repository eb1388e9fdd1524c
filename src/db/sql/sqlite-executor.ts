import type Database from 'better-sqlite3';
import { SQL } from 'drizzle-orm';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import { Mutex } from 'async-mutex';
import type { SqlDatabase, SqlExecutor, SqlSyncExecutor } from './sql-port.js';
import { statementRenderer, type RenderedTemplate, type SqlStatement } from './sql-statement.js';

export interface SqliteExecutorOptions {
  /**
   * How many prepared statements are kept for reuse (least recently used go first). Repositories build the same few
   * statements again and again, so preparing each once is most of SQLite's speed.
   * @default 256
   */
  statementCacheSize?: number;
}

/** The SQL port over SQLite, with its statements answered at once as well (`sync`). */
export interface SqliteSqlDatabase extends SqlDatabase {
  readonly dialect: 'sqlite';
  /**
   * The same statements, on the same connection and statement cache, run at once. They do not wait for a transaction
   * of the port that is open: the synchronous stores of one process run them inside their own better-sqlite3
   * transactions, as they did on their own prepared statements.
   */
  readonly sync: SqlSyncExecutor;
}

const render = statementRenderer(new SQLiteSyncDialect());

/**
 * The SQL port over one better-sqlite3 connection. The driver is synchronous: each call does its work at once and
 * returns a settled promise. A transaction takes the write lock up front (BEGIN IMMEDIATE, so two connections of this
 * file never deadlock upgrading a read lock) and, while it is open, other calls on this handle wait for it.
 */
export function createSqliteExecutor(sqlite: Database.Database, options: SqliteExecutorOptions = {}): SqliteSqlDatabase {
  const { statementCacheSize = 256 } = options;
  const statements = new Map<string, Database.Statement>();
  // A prepared template (sql-statement.ts) is one of the program's few module-level constants: its statement is kept
  // beside it for the connection's life, out of the LRU above, which is for the statements built per call.
  let templates = new WeakMap<SQL, { readonly statement: Database.Statement; readonly rendered: RenderedTemplate }>();
  const gate = new Mutex();

  const prepare = (query: SqlStatement): { statement: Database.Statement; params: unknown[] } => {
    if (!(query instanceof SQL)) {
      let entry = templates.get(query.template);
      if (entry === undefined) {
        const rendered = render.template(query.template);
        entry = { statement: sqlite.prepare(rendered.text), rendered };
        templates.set(query.template, entry);
      }
      return { statement: entry.statement, params: entry.rendered.bind(query.values) };
    }
    const { text, params } = render(query);
    let statement = statements.get(text);
    if (statement === undefined) {
      statement = sqlite.prepare(text);
      if (statements.size >= statementCacheSize) {
        const oldest = statements.keys().next();
        if (!oldest.done) statements.delete(oldest.value);
      }
    } else {
      statements.delete(text);
    }
    statements.set(text, statement);
    return { statement, params };
  };

  const direct: SqlSyncExecutor = {
    dialect: 'sqlite',
    all<Row>(query: SqlStatement): Row[] {
      const { statement, params } = prepare(query);
      return statement.all(...params) as Row[];
    },
    get<Row>(query: SqlStatement): Row | undefined {
      const { statement, params } = prepare(query);
      return statement.get(...params) as Row | undefined;
    },
    run(query) {
      const { statement, params } = prepare(query);
      const { changes, lastInsertRowid } = statement.run(...params);
      return { changes, lastInsertRowid: Number(lastInsertRowid) };
    },
  };

  // Outside a transaction a call runs at once; while one is open (or waiting to open) it waits its turn, so it never
  // joins, or is rolled back with, a transaction it is no part of.
  const outside = <T>(work: () => T): Promise<T> => {
    if (gate.isLocked()) return gate.runExclusive(work);
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(error as Error);
    }
  };

  const inside: SqlExecutor = {
    dialect: 'sqlite',
    all: async (query) => direct.all(query),
    get: async (query) => direct.get(query),
    run: async (query) => ({ changes: direct.run(query).changes }),
  };

  let closed = false;
  return {
    dialect: 'sqlite',
    sync: direct,
    all: (query) => outside(() => direct.all(query)),
    get: (query) => outside(() => direct.get(query)),
    run: (query) => outside(() => ({ changes: direct.run(query).changes })),
    transaction<T>(body: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      return gate.runExclusive(async () => {
        sqlite.exec('BEGIN IMMEDIATE');
        try {
          const result = await body(inside);
          sqlite.exec('COMMIT');
          return result;
        } catch (error) {
          if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
          throw error;
        }
      });
    },
    // The connection belongs to whoever opened it (db/client.ts closes it after a WAL checkpoint); this forgets the
    // prepared statements, which must not outlive it.
    async close() {
      if (closed) return;
      closed = true;
      statements.clear();
      templates = new WeakMap();
    },
  };
}
