import { sql } from 'drizzle-orm';
import type { SqlHandle } from './sql/sql-port.js';

/** Asks the database a trivial question (the health check's), on either dialect: rejects when it cannot answer, e.g. once closed. */
export async function pingDatabase(db: SqlHandle): Promise<void> {
  await db.sql.get(sql`select 1`);
}
