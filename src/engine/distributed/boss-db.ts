import { sql, type SQL } from 'drizzle-orm';
import type PgBoss from 'pg-boss';
import type { SqlExecutor } from '../../db/sql/sql-port.js';

/** A pg-boss call was given an executor that is not PostgreSQL (the queue lives only there). */
export class BossDialectError extends Error {
  override readonly name = 'BossDialectError';
  constructor(readonly dialect: string) {
    super(`the operation queue needs PostgreSQL, not ${dialect}`);
  }
}

/**
 * pg-boss's SQL (`$1`, `$2`, … positional parameters, some used twice) as a drizzle `sql` template: each `$n` becomes
 * a bound parameter holding `values[n-1]`, so the SQL port renders and binds it like any other statement.
 */
export function positionalSql(text: string, values: readonly unknown[]): SQL {
  const chunks: SQL[] = [];
  let last = 0;
  for (const match of text.matchAll(/\$(\d+)/g)) {
    chunks.push(sql.raw(text.slice(last, match.index)));
    chunks.push(sql`${sql.param(values[Number(match[1]) - 1])}`);
    last = match.index + match[0].length;
  }
  chunks.push(sql.raw(text.slice(last)));
  return sql.join(chunks);
}

/**
 * The pg-boss `db` option (`{ executeSql(text, values) }`) over one of our executors, typically the transaction that
 * writes the operation row: pg-boss's INSERT of the job then commits or rolls back with it (docs/several-
 * processes.md: operations are rows first, the queue only carries their ids).
 */
export function bossDbOver(executor: SqlExecutor): PgBoss.Db {
  if (executor.dialect !== 'postgres') throw new BossDialectError(executor.dialect);
  return {
    async executeSql(text, values) {
      return { rows: await executor.all(positionalSql(text, values ?? [])) };
    },
  };
}
