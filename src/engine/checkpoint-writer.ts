import type { DatabaseHandle } from '../db/client.js';
import { saveCheckpointSql } from '../db/repositories/operations-sql.js';

/**
 * Writes operations' checkpoints (R9): alone, or in one transaction with the data they cover, so that data
 * and resume point can never disagree after a crash. Whoever runs the runner writes them, on its own
 * connection: the engine's thread, or the accounts thread.
 */
export function createCheckpointWriter(db: DatabaseHandle) {
  // The port's statement (operations-sql.ts), run at once on this connection.
  const save = (id: number, value: unknown, now: number): void => {
    db.sql.sync.run(saveCheckpointSql(id, value, now));
  };
  return {
    save,
    /**
     * Runs `write` and the checkpoint update in one transaction; returns both. BEGIN IMMEDIATE: `write`
     * may read before it writes, and a deferred transaction that has read cannot take the write lock
     * once another connection (the other thread) has committed since: SQLite answers SQLITE_BUSY at once,
     * without waiting (https://www.sqlite.org/lang_transaction.html, "Deferred, immediate and exclusive").
     */
    saveWith<R, K>(id: number, now: number, write: () => R | Promise<R>, next: K | ((result: R) => K)): { result: R; value: K } {
      return db.sqlite.transaction(() => {
        const result = write();
        // better-sqlite3 commits when the function returns: a write that is still pending would land outside it.
        if (isThenable(result)) throw new TypeError('a checkpoint write on SQLite must be synchronous');
        const value = typeof next === 'function' ? (next as (r: R) => K)(result) : next;
        save(id, value, now);
        return { result, value };
      }).immediate();
    },
  };
}

export type CheckpointWriter = ReturnType<typeof createCheckpointWriter>;

function isThenable<R>(value: R | Promise<R>): value is Promise<R> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
