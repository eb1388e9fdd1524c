import type { DatabaseHandle } from '../client.js';

export interface KvRepositoryOptions {
  /**
   * The clock that decides expiry.
   * @default Date.now
   */
  now?: () => number;
}

export interface KvRepository {
  /** The value, or undefined when absent or expired (an expired entry is deleted on read). */
  get(key: string): string | undefined;
  /** Stores the value; with `ttlMs` it expires that many ms from now, without it never. */
  set(key: string, value: string, ttlMs?: number): void;
  /** False when there was nothing to delete. */
  delete(key: string): boolean;
  /** Deletes every expired entry; returns how many. */
  purgeExpired(): number;
  /**
   * A JSON storage adapter over keys starting with `prefix` — the `{ read, write, delete }` shape that
   * grammY sessions and @grammyjs/conversations accept as storage.
   */
  jsonAdapter<T>(prefix: string, ttlMs?: number): KvJsonAdapter<T>;
}

export interface KvJsonAdapter<T> {
  read(key: string): T | undefined;
  write(key: string, value: T): void;
  delete(key: string): void;
}

export function createKvRepository(db: DatabaseHandle, options: KvRepositoryOptions = {}): KvRepository {
  const { now = Date.now } = options;
  const { sqlite } = db;
  const select = sqlite.prepare<[string], { value: string; expires_at: number | null }>(
    'SELECT value, expires_at FROM kv WHERE key = ?',
  );
  const upsert = sqlite.prepare<[string, string, number | null, number]>(
    `INSERT INTO kv (key, value, expires_at, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET
       value = excluded.value, expires_at = excluded.expires_at, updated_at = excluded.updated_at`,
  );
  const remove = sqlite.prepare<[string]>('DELETE FROM kv WHERE key = ?');
  // Deleting only when still expired: a concurrent set() between the read and the delete must win.
  const removeExpired = sqlite.prepare<[string, number]>('DELETE FROM kv WHERE key = ? AND expires_at <= ?');
  const purge = sqlite.prepare<[number]>('DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ?');

  const repo: KvRepository = {
    get(key) {
      const row = select.get(key);
      if (row === undefined) return undefined;
      const at = now();
      if (row.expires_at !== null && row.expires_at <= at) {
        removeExpired.run(key, at);
        return undefined;
      }
      return row.value;
    },

    set(key, value, ttlMs) {
      const at = now();
      upsert.run(key, value, ttlMs === undefined ? null : at + ttlMs, at);
    },

    delete(key) {
      return remove.run(key).changes > 0;
    },

    purgeExpired() {
      return purge.run(now()).changes;
    },

    jsonAdapter<T>(prefix: string, ttlMs?: number): KvJsonAdapter<T> {
      return {
        read(key) {
          const text = repo.get(prefix + key);
          return text === undefined ? undefined : (JSON.parse(text) as T);
        },
        write(key, value) {
          repo.set(prefix + key, JSON.stringify(value), ttlMs);
        },
        delete(key) {
          repo.delete(prefix + key);
        },
      };
    },
  };
  return repo;
}
