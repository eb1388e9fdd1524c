import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { DatabaseError } from './database-error.js';
import * as schema from './schema.js';
import { createSqliteExecutor, type SqliteSqlDatabase } from './sql/sqlite-executor.js';

export { DatabaseError } from './database-error.js';

export type Schema = typeof schema;
export type Drizzle = BetterSQLite3Database<Schema>;

/**
 * The SQLite database handle passed around the app: the SQL port (`sql`), which the repositories written for both
 * dialects use, and drizzle and the raw connection for the code not yet moved onto the port.
 */
export interface DatabaseHandle {
  readonly dialect: 'sqlite';
  /** The SQL port over this connection (db/sql/sql-port.ts), and its statements answered at once (`sql.sync`). */
  readonly sql: SqliteSqlDatabase;
  /** drizzle over the schema. */
  readonly orm: Drizzle;
  /** The better-sqlite3 connection, for prepared statements on hot paths and transactions. */
  readonly sqlite: Database.Database;
  /** The file path, or `:memory:`. */
  readonly path: string;
  /** Closes the connection after a WAL checkpoint; idempotent. */
  close(): void;
}

export interface DatabaseOptions {
  /**
   * Folder of the drizzle-kit migrations.
   * @default the repository's `drizzle/` folder
   */
  migrationsFolder?: string;
  /**
   * How long a writer waits for a lock held by another connection, in ms.
   * @default 5000
   */
  busyTimeoutMs?: number;
  /**
   * Whether to apply pending migrations. A second connection of the same process (another thread) leaves
   * them to the first.
   * @default true
   */
  migrate?: boolean;
}

const defaultMigrations = resolve(dirname(fileURLToPath(import.meta.url)), '../../drizzle');

/**
 * Opens (creating when needed) the SQLite database at `path` and applies every pending migration.
 * WAL with synchronous=NORMAL: a crash of the process loses nothing that was committed.
 */
export function createDatabase(path: string, options: DatabaseOptions = {}): DatabaseHandle {
  const { migrationsFolder = defaultMigrations, busyTimeoutMs = 5000, migrate: applyMigrations = true } = options;
  let sqlite: Database.Database;
  try {
    if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
    sqlite = new Database(path);
  } catch (error) {
    throw new DatabaseError(`cannot open the database at ${path}: ${(error as Error).message}`, path, {
      cause: error,
    });
  }
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma(`busy_timeout = ${busyTimeoutMs}`);
  const orm = drizzle(sqlite, { schema });
  try {
    if (applyMigrations) migrate(orm, { migrationsFolder });
  } catch (error) {
    sqlite.close();
    throw new DatabaseError(`cannot migrate the database at ${path}: ${(error as Error).message}`, path, {
      cause: error,
    });
  }
  let closed = false;
  const port = createSqliteExecutor(sqlite);
  return {
    dialect: 'sqlite',
    sql: port,
    orm,
    sqlite,
    path,
    close() {
      if (closed) return;
      closed = true;
      // Forgets the port's prepared statements; settles at once (the SQLite executor does no I/O on close).
      void port.close();
      if (path !== ':memory:') sqlite.pragma('wal_checkpoint(TRUNCATE)');
      sqlite.close();
    },
  };
}
