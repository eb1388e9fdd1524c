import type { DatabaseHandle } from '../../db/client.js';

export type LeaseResult = { readonly kind: 'acquired' } | { readonly kind: 'held'; readonly holder: string; readonly heartbeatAt: number };

/**
 * AUTH_KEY_DUPLICATED guard: a session string used by two processes at once gets revoked by Telegram.
 * A lease row per account, renewed by a heartbeat, lets one process hold it; a lease whose heartbeat is
 * older than `staleMs` is taken over (its holder died).
 */
export function createSessionLeases(db: DatabaseHandle, options: { staleMs?: number } = {}) {
  const { staleMs = 90_000 } = options;
  const { sqlite } = db;
  const read = sqlite.prepare<[number], { holder: string; heartbeat_at: number }>('select holder, heartbeat_at from session_leases where account_id = ?');
  const upsert = sqlite.prepare<[number, string, number]>(
    `insert into session_leases (account_id, holder, heartbeat_at) values (?, ?, ?)
     on conflict(account_id) do update set holder = excluded.holder, heartbeat_at = excluded.heartbeat_at`,
  );
  const beat = sqlite.prepare<[number, number, string]>('update session_leases set heartbeat_at = ? where account_id = ? and holder = ?');
  const drop = sqlite.prepare<[number, string]>('delete from session_leases where account_id = ? and holder = ?');
  const acquire = sqlite.transaction((accountId: number, holder: string, now: number): LeaseResult => {
    const current = read.get(accountId);
    if (current && current.holder !== holder && now - current.heartbeat_at < staleMs) {
      return { kind: 'held', holder: current.holder, heartbeatAt: current.heartbeat_at };
    }
    upsert.run(accountId, holder, now);
    return { kind: 'acquired' };
  });
  return {
    acquire: (accountId: number, holder: string, now = Date.now()): LeaseResult => acquire.immediate(accountId, holder, now),
    /** Renews the lease; false when another holder has taken it over. */
    heartbeat: (accountId: number, holder: string, now = Date.now()): boolean => beat.run(now, accountId, holder).changes > 0,
    release: (accountId: number, holder: string): void => void drop.run(accountId, holder),
  };
}

export type SessionLeases = ReturnType<typeof createSessionLeases>;
