import { describe, expect, it } from 'vitest';
import { createDatabase } from '../../../src/db/client.js';
import { createSessionLeases } from '../../../src/engine/clients/session-lease.js';

describe('Session leases', () => {
  it('lets one process hold a session, refuses a second, and hands a stale lease over', () => {
    const db = createDatabase(':memory:');
    db.sqlite.prepare(`insert into accounts (phone) values ('+15550000001')`).run();
    const leases = createSessionLeases(db, { staleMs: 1000 });
    expect(leases.acquire(1, 'a', 10_000)).toEqual({ kind: 'acquired' });
    expect(leases.acquire(1, 'a', 10_100)).toEqual({ kind: 'acquired' });
    expect(leases.acquire(1, 'b', 10_500)).toEqual({ kind: 'held', holder: 'a', heartbeatAt: 10_100 });
    expect(leases.heartbeat(1, 'a', 10_900)).toBe(true);
    expect(leases.acquire(1, 'b', 11_500)).toMatchObject({ kind: 'held' });
    // "a" died: no heartbeat for longer than staleMs.
    expect(leases.acquire(1, 'b', 12_000)).toEqual({ kind: 'acquired' });
    expect(leases.heartbeat(1, 'a', 12_001)).toBe(false);
    leases.release(1, 'a');
    expect(leases.acquire(1, 'c', 12_002)).toMatchObject({ kind: 'held', holder: 'b' });
    leases.release(1, 'b');
    expect(leases.acquire(1, 'c', 12_003)).toEqual({ kind: 'acquired' });
    db.close();
  });
});
