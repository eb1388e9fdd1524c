import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { bindable, type SqlDatabase, type SqlExecutor, type SqlRunResult } from './sql-port.js';

const dialect = new PgDialect();

/**
 * How node-postgres turns PostgreSQL's text values into JavaScript: 64-bit integers (epoch milliseconds, Telegram ids)
 * as numbers, as SQLite gives them. node-postgres returns int8 as a string by default because it may exceed 2^53;
 * Telegram ids and millisecond times stay far below that (Telegram's docs: user ids fit in 52 bits).
 */
export const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8 && format !== 'binary') return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

function executorOver(client: Queryable): SqlExecutor {
  const query = async <Row>(statement: SQL): Promise<pg.QueryResult<Row & pg.QueryResultRow>> => {
    const { sql: text, params } = dialect.sqlToQuery(statement);
    return client.query<Row & pg.QueryResultRow>({ text, values: params.map(bindable), types: pgTypes });
  };
  return {
    dialect: 'postgres',
    async all<Row>(statement: SQL): Promise<Row[]> {
      return (await query<Row>(statement)).rows;
    },
    async get<Row>(statement: SQL): Promise<Row | undefined> {
      return (await query<Row>(statement)).rows[0];
    },
    async run(statement: SQL): Promise<SqlRunResult> {
      return { changes: (await query(statement)).rowCount ?? 0 };
    },
  };
}

/**
 * The SQL port over a node-postgres pool. Plain calls take any free connection; a transaction holds one connection
 * from BEGIN to COMMIT. The pool is the caller's: `close()` ends it.
 */
export function createPostgresExecutor(pool: pg.Pool): SqlDatabase {
  const shared = executorOver(pool);
  let closed: Promise<void> | undefined;
  return {
    ...shared,
    async transaction<T>(body: (tx: SqlExecutor) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken: unknown;
      try {
        await client.query('BEGIN');
        const result = await body(executorOver(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          // The connection itself failed (PostgreSQL went away): it must not go back to the pool.
          broken = rollbackError;
        }
        throw error;
      } finally {
        client.release(broken instanceof Error ? broken : undefined);
      }
    },
    close() {
      closed ??= pool.end();
      return closed;
    },
  };
}
