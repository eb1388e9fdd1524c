import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The PostgreSQL server tests create their databases on. CI's `.ci/run` sets it to a fresh database of its own run;
 * on a developer machine it is the local server's maintenance database (trust authentication).
 */
export const adminUrl = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** How test databases are named: `.ci/run` sets its run's, so it can drop whatever a crashed test left behind. */
const prefix = process.env.TEST_DATABASE_PREFIX ?? 'switchboard_test';

export interface TestDatabase {
  /** `postgres://…` of a database nobody else uses. */
  readonly url: string;
  readonly name: string;
  /** Drops it, ending any connection still open to it. */
  drop(): Promise<void>;
}

/** A new, empty PostgreSQL database for one test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
