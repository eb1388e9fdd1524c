import { sql } from 'drizzle-orm';
import { createDatabase } from '../../src/db/client.js';
import { openPostgresDatabase } from '../../src/db/postgres-client.js';
import type { Dialect, SqlDatabase } from '../../src/db/sql/sql-port.js';
import { quietLogger } from './dialects.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';

/**
 * A migrated database of either dialect behind the SQL port, shared by the tests of one file (the lease, worker and
 * slot tests clear what they use): several handles of one database at once, as several processes have.
 */
export interface PortDatabase {
  readonly db: SqlDatabase;
  /** The PostgreSQL URL (pg-boss connects with it), undefined on SQLite. */
  readonly url: string | undefined;
  /** Adds `count` accounts (leases reference them); returns their ids. */
  addAccounts(count: number): Promise<number[]>;
  close(): Promise<void>;
}

/** Opens one: SQLite in memory, or a fresh PostgreSQL database, both with the real migrations. */
export async function openPortDatabase(dialect: Dialect, options: { poolSize?: number } = {}): Promise<PortDatabase> {
  let database: TestDatabase | undefined;
  let close: () => Promise<void>;
  let db: SqlDatabase;
  if (dialect === 'sqlite') {
    const handle = createDatabase(':memory:');
    db = handle.sql;
    close = async () => handle.close();
  } else {
    database = await createTestDatabase();
    const handle = await openPostgresDatabase(database.url, { logger: quietLogger, maxConnections: options.poolSize ?? 8 });
    db = handle.sql;
    close = () => handle.close();
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
      await close();
      await database?.drop();
    },
  };
}
