import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { pino } from 'pino';
import { createDatabase } from '../../src/db/client.js';
import type { AnyDatabaseHandle } from '../../src/db/open-database.js';
import { openPostgresDatabase, type PostgresDatabaseHandle } from '../../src/db/postgres-client.js';
import type { Dialect } from '../../src/db/sql/sql-port.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';

/** Both databases Switchboard stores in, for `describe.each`. */
export const dialects: readonly Dialect[] = ['sqlite', 'postgres'];

/** A logger that says nothing, for the handles tests open. */
export const quietLogger = pino({ level: 'silent' });

/**
 * Opens an empty, migrated database of one dialect; it is closed after the test. One per test: on PostgreSQL every
 * open of a describe block reaches the same database (created and migrated once, emptied by each open), so a second
 * handle open at the same time would see, and be emptied under, the first.
 */
export type OpenDialectDatabase = () => Promise<AnyDatabaseHandle>;

/**
 * `describe(name)` once per dialect, its body given `open`. SQLite: a new in-memory database with the real migrations
 * per open. PostgreSQL: one database per block (created from TEST_DATABASE_ADMIN_URL, dropped after), opened through
 * openPostgresDatabase with the real migrations, every table emptied and every id sequence restarted at each open —
 * far cheaper than a new database per test, and as empty.
 */
export function describeEachDialect(name: string, body: (open: OpenDialectDatabase, dialect: Dialect) => void): void {
  describe.each(dialects)(`${name} (%s)`, (dialect) => {
    const open = dialect === 'sqlite' ? sqliteOpener() : postgresOpener();
    body(open, dialect);
  });
}

function sqliteOpener(): OpenDialectDatabase {
  const handles: AnyDatabaseHandle[] = [];
  afterEach(async () => {
    for (const handle of handles.splice(0)) await handle.close();
  });
  return async () => {
    const handle = createDatabase(':memory:');
    handles.push(handle);
    return handle;
  };
}

function postgresOpener(): OpenDialectDatabase {
  let database: TestDatabase | undefined;
  let handle: PostgresDatabaseHandle | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await handle?.close();
    handle = undefined;
  });
  afterAll(async () => {
    await database?.drop();
  });
  return async () => {
    if (database === undefined) throw new Error('describeEachDialect: open() is for tests and hooks of the block');
    if (handle !== undefined) throw new Error('describeEachDialect: one open() per test (see OpenDialectDatabase)');
    handle = await openPostgresDatabase(database.url, { logger: quietLogger, maxConnections: 4 });
    await emptyTables(handle);
    return handle;
  };
}

/**
 * Deletes every row and restarts every id sequence: far quicker than TRUNCATE, which gives each table new files. Any
 * order does, since every foreign key cascades or sets null on delete.
 */
async function emptyTables(handle: PostgresDatabaseHandle): Promise<void> {
  const { rows } = await handle.pool.query<{ statement: string }>(`
    SELECT format('DELETE FROM %I', tablename) AS statement FROM pg_tables WHERE schemaname = 'public'
    UNION ALL
    SELECT format('ALTER SEQUENCE %I RESTART', sequencename) FROM pg_sequences WHERE schemaname = 'public'`);
  if (rows.length > 0) await handle.pool.query(rows.map((row) => row.statement).join(';\n'));
}
