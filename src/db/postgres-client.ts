import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import type { Logger } from 'pino';
import { redactText } from '../logger.js';
import { DatabaseError } from './database-error.js';
import { databaseUrlSecrets, redactDatabaseUrl } from './database-url.js';
import { createPostgresExecutor } from './sql/postgres-executor.js';
import type { SqlDatabase } from './sql/sql-port.js';

/** A PostgreSQL database several Switchboard processes share (docs/deploy.md). */
export interface PostgresDatabaseHandle {
  readonly dialect: 'postgres';
  /** The SQL port over the pool (db/sql/sql-port.ts). */
  readonly sql: SqlDatabase;
  /** The connection pool, for what needs PostgreSQL itself (a job queue, LISTEN/NOTIFY). */
  readonly pool: pg.Pool;
  /** The URL with its password left out, for logs and errors. */
  readonly url: string;
  /** Ends every connection of the pool; idempotent. */
  close(): Promise<void>;
}

export interface PostgresDatabaseOptions {
  /** Where a connection the pool held idle fails (PostgreSQL restarted, a network cut): logged, never thrown. */
  logger: Pick<Logger, 'warn'>;
  /**
   * Folder of the drizzle-kit migrations for PostgreSQL.
   * @default the repository's `drizzle/postgres/` folder
   */
  migrationsFolder?: string;
  /**
   * Whether to apply pending migrations. Several processes may start at once: one takes an advisory lock and
   * migrates, the others wait for it and then find nothing to do.
   * @default true
   */
  migrate?: boolean;
  /**
   * Most connections the pool opens at once.
   * @default 10
   */
  maxConnections?: number;
  /**
   * How long a new connection may take before it fails, in ms.
   * @default 10000
   */
  connectTimeoutMs?: number;
}

const defaultMigrations = resolve(dirname(fileURLToPath(import.meta.url)), '../../drizzle/postgres');

/**
 * The key of the advisory lock migrations run under: any constant that nothing else in the database locks on
 * ("Swbd" in ASCII).
 */
const MIGRATION_LOCK_KEY = 0x53776264;

/** A driver's message with the URL's secrets cut out, should a driver ever quote its connection string. */
function scrub(message: string, url: string): string {
  return redactText(message, databaseUrlSecrets(url));
}

async function migrateUnderLock(pool: pg.Pool, migrationsFolder: string): Promise<void> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    // A session lock, released by the unlock below or, should this process die, when its connection closes.
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await migrate(drizzle({ client }), { migrationsFolder });
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } catch (error) {
    broken = error as Error;
    throw error;
  } finally {
    // A connection that failed mid-migration may still hold the lock or an open transaction: it is closed, not reused.
    client.release(broken);
  }
}

/**
 * Opens a pool on the PostgreSQL database at `url` and applies every pending migration of `drizzle/postgres/`.
 * Fails with a DatabaseError (naming the URL without its password) when the database cannot be reached or migrated.
 */
export async function openPostgresDatabase(
  url: string,
  options: PostgresDatabaseOptions,
): Promise<PostgresDatabaseHandle> {
  const {
    logger,
    migrationsFolder = defaultMigrations,
    migrate: applyMigrations = true,
    maxConnections = 10,
    connectTimeoutMs = 10_000,
  } = options;
  const shown = redactDatabaseUrl(url) ?? '(an unreadable database URL)';
  let pool: pg.Pool;
  try {
    pool = new pg.Pool({ connectionString: url, max: maxConnections, connectionTimeoutMillis: connectTimeoutMs });
  } catch (error) {
    throw new DatabaseError(`cannot open the database at ${shown}: ${scrub((error as Error).message, url)}`, shown, {
      cause: error,
    });
  }
  // Without a listener an idle connection's failure is an uncaught 'error' event, which ends the process; the pool
  // drops that connection and opens another when next asked.
  pool.on('error', (error) => {
    logger.warn({ database: shown, err: { message: scrub(error.message, url) } }, 'a database connection failed');
  });
  try {
    if (applyMigrations) {
      await migrateUnderLock(pool, migrationsFolder);
    } else {
      await pool.query('SELECT 1');
    }
  } catch (error) {
    await pool.end().catch(() => undefined);
    const verb = applyMigrations ? 'migrate' : 'reach';
    throw new DatabaseError(`cannot ${verb} the database at ${shown}: ${scrub((error as Error).message, url)}`, shown, {
      cause: error,
    });
  }
  const port = createPostgresExecutor(pool);
  return {
    dialect: 'postgres',
    sql: port,
    pool,
    url: shown,
    close: () => port.close(),
  };
}
