import { sql } from 'drizzle-orm';
import type { SqlHandle } from '../sql/sql-port.js';

export interface KvRepositoryOptions {
  /**
   * The clock that decides expiry.
   * @default Date.now
   */
  now?: () => number;
}

export interface KvRepository {
  /** The value, or undefined when absent or expired (an expired entry is deleted on read). */
  get(key: string): Promise<string | undefined>;
  /** Stores the value; with `ttlMs` it expires that many ms from now, without it never. */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** False when there was nothing to delete. */
  delete(key: string): Promise<boolean>;
  /** Deletes every expired entry; returns how many. */
  purgeExpired(): Promise<number>;
  /**
   * A JSON storage adapter over keys starting with `prefix` — the `{ read, write, delete }` shape that
   * grammY sessions and @grammyjs/conversations accept as storage.
   */
  jsonAdapter<T>(prefix: string, ttlMs?: number): KvJsonAdapter<T>;
}

export interface KvJsonAdapter<T> {
  read(key: string): Promise<T | undefined>;
  write(key: string, value: T): Promise<void>;
  delete(key: string): Promise<void>;
}

/**
 * Small documents by key (bot conversations, pending logins, bulk groups). The calls on one key take effect in the
 * order they are made, even when a caller does not wait for one before making the next: on PostgreSQL each call may
 * run on another pooled connection, and a `set` then `delete` must not land the other way round.
 */
export function createKvRepository(db: SqlHandle, options: KvRepositoryOptions = {}): KvRepository {
  const { now = Date.now } = options;
  const port = db.sql;
  const tails = new Map<string, Promise<unknown>>();

  const inOrder = <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const previous = tails.get(key);
    const result = previous === undefined ? work() : previous.then(work, work);
    const tail = result.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return result;
  };

  const repo: KvRepository = {
    get(key) {
      return inOrder(key, async () => {
        const row = await port.get<{ value: string; expires_at: number | null }>(
          sql`SELECT value, expires_at FROM kv WHERE key = ${key}`,
        );
        if (row === undefined) return undefined;
        const at = now();
        if (row.expires_at !== null && row.expires_at <= at) {
          // Deleting only when still expired: a set() from another process between the read and the delete wins.
          await port.run(sql`DELETE FROM kv WHERE key = ${key} AND expires_at <= ${at}`);
          return undefined;
        }
        return row.value;
      });
    },

    set(key, value, ttlMs) {
      return inOrder(key, async () => {
        const at = now();
        const expiresAt = ttlMs === undefined ? null : at + ttlMs;
        await port.run(sql`
          INSERT INTO kv (key, value, expires_at, updated_at) VALUES (${key}, ${value}, ${expiresAt}, ${at})
          ON CONFLICT (key) DO UPDATE SET
            value = excluded.value, expires_at = excluded.expires_at, updated_at = excluded.updated_at`);
      });
    },

    delete(key) {
      return inOrder(key, async () => (await port.run(sql`DELETE FROM kv WHERE key = ${key}`)).changes > 0);
    },

    async purgeExpired() {
      return (await port.run(sql`DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ${now()}`)).changes;
    },

    jsonAdapter<T>(prefix: string, ttlMs?: number): KvJsonAdapter<T> {
      return {
        async read(key) {
          const text = await repo.get(prefix + key);
          return text === undefined ? undefined : (JSON.parse(text) as T);
        },
        write(key, value) {
          return repo.set(prefix + key, JSON.stringify(value), ttlMs);
        },
        async delete(key) {
          await repo.delete(prefix + key);
        },
      };
    },
  };
  return repo;
}
