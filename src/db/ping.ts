import type { DatabaseHandle } from './client.js';

/** Asks the database a trivial question (the health check's): throws when it cannot answer, e.g. once closed. */
export function pingDatabase(db: DatabaseHandle): void {
  db.sqlite.prepare('select 1').pluck().get();
}
