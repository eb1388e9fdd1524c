import type { SQL } from 'drizzle-orm';

/** The statements marked by {@link prepared}. */
const marked = new WeakSet<SQL>();

/**
 * Marks `statement` as one to prepare on the server and reuse (PostgreSQL: a named statement of node-postgres, parsed
 * and planned once per connection, https://node-postgres.com/features/queries#prepared-statements). For statements
 * that run very often with a text that does not depend on the data — the few of a page of members, whose rows are
 * bound as arrays (db/sql/row-source.ts) — not for texts that vary (a VALUES list, an IN list): each text prepared stays
 * on every connection. SQLite prepares and caches every statement anyway (db/sql/sqlite-executor.ts). A statement
 * written once with named values (`preparedSql`, db/sql/sql-statement.ts) is prepared so without marking: mark
 * only one that must be built per call, its rows inline as arrays, yet whose text never varies.
 */
export function prepared(statement: SQL): SQL {
  marked.add(statement);
  return statement;
}

/** Whether `statement` was marked by {@link prepared}. */
export function isPrepared(statement: SQL): boolean {
  return marked.has(statement);
}
