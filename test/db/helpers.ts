import { afterEach } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../../src/db/client.js';

/** A fresh in-memory database with the real migrations, closed after each test. */
export function useMemoryDatabase(): () => DatabaseHandle {
  const open: DatabaseHandle[] = [];
  afterEach(() => {
    for (const db of open.splice(0)) db.close();
  });
  return () => {
    const db = createDatabase(':memory:');
    open.push(db);
    return db;
  };
}
