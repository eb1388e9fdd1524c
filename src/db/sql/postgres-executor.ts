import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { SQL } from 'drizzle-orm';
import { isPrepared } from './prepared.js';
import type { SqlDatabase, SqlExecutor, SqlRunResult } from './sql-port.js';
import { statementRenderer, type SqlStatement } from './sql-statement.js';

const render = statementRenderer(new PgDialect());

/**
 * Most texts given a name of their own: past it a marked statement runs unnamed, so a caller that marked texts which
 * vary cannot fill every connection with prepared statements.
 */
const MAX_PREPARED = 256;

/**
 * The name of each prepared text (db/sql/prepared.ts), the same on every connection: node-postgres prepares a named
 * statement on a connection the first time it runs there, and refuses one name for two texts, so a name is never
 * reused for another text.
 */
const preparedNames = new Map<string, string>();

function nameOf(text: string): string | undefined {
  let name = preparedNames.get(text);
  if (name === undefined && preparedNames.size < MAX_PREPARED) {
    name = `switchboard_${preparedNames.size + 1}`;
    preparedNames.set(text, name);
  }
  return name;
}

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
  const query = async <Row>(statement: SqlStatement): Promise<pg.QueryResult<Row & pg.QueryResultRow>> => {
    const { text, params } = render(statement);
    // Prepared on the server, once per connection: a template of preparedSql (its text fixed by construction) or a
    // statement marked by prepared() (built per call, with a text that does not vary).
    const name = !(statement instanceof SQL) || isPrepared(statement) ? nameOf(text) : undefined;
    return client.query<Row & pg.QueryResultRow>({ name, text, values: params, types: pgTypes });
  };
  return {
    dialect: 'postgres',
    async all<Row>(statement: SqlStatement): Promise<Row[]> {
      return (await query<Row>(statement)).rows;
    },
    async get<Row>(statement: SqlStatement): Promise<Row | undefined> {
      return (await query<Row>(statement)).rows[0];
    },
    async run(statement: SqlStatement): Promise<SqlRunResult> {
      return { changes: (await query(statement)).rowCount ?? 0 };
    },
  };
}

/**
 * The connection a transaction held failed (PostgreSQL ended it, restarted, or the network cut it) before the
 * transaction was done. Nothing of it was committed, unless the loss came while its COMMIT was on its way
 * (`committing`): then the server may have committed it. Its cause is the driver's error.
 */
export class TransactionConnectionLostError extends Error {
  override readonly name = 'TransactionConnectionLostError';
  constructor(
    /** Whether COMMIT had been sent: the transaction's outcome is then unknown. */
    readonly committing: boolean,
    options: { cause: unknown },
  ) {
    super(
      committing
        ? 'the database connection was lost while the transaction committed: it may or may not have been committed'
        : 'the database connection was lost during the transaction: it was rolled back',
      options,
    );
  }
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
      // The pool listens for a client's errors only while it is idle: one it has handed out that fails (the server
      // ends the connection) emits 'error' to nobody, an uncaught error that ends the process. The transaction holds
      // the client, so it listens; its queries fail as well, and it rejects with the loss.
      let lost: Error | undefined;
      const onError = (error: Error): void => {
        lost ??= error;
      };
      client.on('error', onError);
      let broken: unknown;
      let committing = false;
      try {
        await client.query('BEGIN');
        const result = await body(executorOver(client));
        committing = true;
        await client.query('COMMIT');
        return result;
      } catch (error) {
        if (lost !== undefined) throw new TransactionConnectionLostError(committing, { cause: lost });
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          // The connection itself failed (PostgreSQL went away): it must not go back to the pool.
          broken = rollbackError;
        }
        if (lost !== undefined) throw new TransactionConnectionLostError(committing, { cause: lost });
        throw error;
      } finally {
        client.removeListener('error', onError);
        const failed = lost ?? broken;
        client.release(failed instanceof Error ? failed : undefined);
      }
    },
    close() {
      closed ??= pool.end();
      return closed;
    },
  };
}
