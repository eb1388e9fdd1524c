import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { createDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { createPostgresExecutor } from '../../src/db/sql/postgres-executor.js';
import type { Dialect, SqlDatabase } from '../../src/db/sql/sql-port.js';
import { createSqliteExecutor } from '../../src/db/sql/sqlite-executor.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';

/** A migrated database of either dialect behind the SQL port, for the lease, worker and slot repositories' tests. */
export interface PortDatabase {
  readonly db: SqlDatabase;
  /** The PostgreSQL URL (pg-boss connects with it), undefined on SQLite. */
  readonly url: string | undefined;
  /** Adds `count` accounts (leases reference them); returns their ids. */
  addAccounts(count: number): Promise<number[]>;
  close(): Promise<void>;
}

/** Opens one: SQLite in memory with the real migrations, or a fresh PostgreSQL database with drizzle/postgres applied. */
export async function openPortDatabase(dialect: Dialect, options: { poolSize?: number } = {}): Promise<PortDatabase> {
  let handle: DatabaseHandle | undefined;
  let database: TestDatabase | undefined;
  let db: SqlDatabase;
  if (dialect === 'sqlite') {
    handle = createDatabase(':memory:');
    db = createSqliteExecutor(handle.sqlite);
  } else {
    database = await createTestDatabase();
    const pool = new pg.Pool({ connectionString: database.url, max: options.poolSize ?? 8 });
    // Dropping the database ends connections still closing; an idle client's error must not fail the run.
    pool.on('error', () => undefined);
    await migrate(drizzle(pool), { migrationsFolder: 'drizzle/postgres' });
    db = createPostgresExecutor(pool);
  }
  let next = 0;
  return {
    db,
    url: database?.url,
    async addAccounts(count) {
      const ids: number[] = [];
      for (let i = 0; i < count; i += 1) {
        next += 1;
        const row = await db.get<{ id: number }>(sql`INSERT INTO accounts (phone) VALUES (${`+1555000${next}`}) RETURNING id`);
        ids.push(Number(row?.id));
      }
      return ids;
    },
    async close() {
      await db.close();
      handle?.close();
      await database?.drop();
    },
  };
}
