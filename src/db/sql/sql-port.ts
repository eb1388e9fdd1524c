import type { SqlStatement } from './sql-statement.js';

/** The two databases Switchboard stores in: SQLite in one process, PostgreSQL when several share it. */
export type Dialect = 'sqlite' | 'postgres';

/** What a statement that returns no rows reports. */
export interface SqlRunResult {
  /** Rows the statement inserted, updated or deleted. */
  readonly changes: number;
}

/**
 * The one way repositories reach a database, the same on both dialects: statements are drizzle `sql` templates (or
 * prepared ones, sql-statement.ts), which each dialect renders with its own placeholders (`?` or `$1`) and quoting.
 * Rows come back keyed by the SQL column names, with 64-bit integers as numbers and flags as 0/1 on both, so one
 * repository serves both databases.
 */
export interface SqlExecutor {
  /** Which database this is, for the rare statement that must differ. */
  readonly dialect: Dialect;
  /** Every row the statement returns. */
  all<Row>(query: SqlStatement): Promise<Row[]>;
  /** The first row, or undefined. */
  get<Row>(query: SqlStatement): Promise<Row | undefined>;
  /** Runs a statement for its effect. */
  run(query: SqlStatement): Promise<SqlRunResult>;
}

/**
 * The port's statements answered at once, on SQLite only (better-sqlite3 is synchronous): for the one-process
 * engine, whose stores must have written a row before the call that writes it returns (R9), and which run several of
 * these statements in one better-sqlite3 transaction (`sqlite.transaction`). The same statements as the port's, on
 * the same connection and prepared-statement cache.
 */
export interface SqlSyncExecutor {
  readonly dialect: 'sqlite';
  all<Row>(query: SqlStatement): Row[];
  get<Row>(query: SqlStatement): Row | undefined;
  run(query: SqlStatement): SqlSyncRunResult;
}

/** What a synchronous statement reports: as {@link SqlRunResult}, with SQLite's rowid of its last insert. */
export interface SqlSyncRunResult extends SqlRunResult {
  /**
   * The rowid of the connection's latest insert: an INSERT's id without a RETURNING clause, which costs SQLite a few
   * microseconds more an insert (a measurable share of the engine's dispatch).
   */
  readonly lastInsertRowid: number;
}

/** A database: statements, and transactions whose statements commit together or not at all. */
export interface SqlDatabase extends SqlExecutor {
  /**
   * Runs `body` in one transaction: committed when it resolves, rolled back when it throws (the error is rethrown).
   * Statements of the transaction go through the executor it is given; on SQLite other statements of this handle wait
   * until it ends, on PostgreSQL they run on other pooled connections. `body` should await nothing but that executor:
   * a transaction holds a write lock (SQLite) or a connection (PostgreSQL) while it waits.
   */
  transaction<T>(body: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Closes the connection or pool; idempotent. */
  close(): Promise<void>;
}

export { bindable } from './sql-statement.js';

/** What a repository written for both dialects takes: every database handle (db/open-database.ts) has its port. */
export interface SqlHandle {
  readonly sql: SqlDatabase;
}
