import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLeaseRepository, fencedBy, stillHolds, type LeaseClaim } from '../../../src/db/repositories/leases.js';
import { openPortDatabase, type PortDatabase } from '../lease-databases.js';

const ttl = 30_000;
const t0 = 1_800_000_000_000;

describe.each(['sqlite', 'postgres'] as const)('LeaseRepository (%s)', (dialect) => {
  let store: PortDatabase;
  let ids: number[];

  beforeAll(async () => {
    store = await openPortDatabase(dialect);
    ids = await store.addAccounts(6);
  });
  afterAll(() => store.close());

  const account = (i: number): number => ids[i] as number;

  it('takes a free lease with epoch 1 and tells a second worker who holds it until when', async () => {
    const leases = createLeaseRepository(store.db);
    const first = await leases.acquire(account(0), 'a', t0, ttl);
    expect(first).toEqual({
      kind: 'acquired',
      accountId: account(0),
      epoch: 1,
      expiresAt: t0 + ttl,
      previousHolder: null,
      takeover: false,
    });
    expect(await leases.acquire(account(0), 'b', t0 + 1, ttl)).toEqual({
      kind: 'held',
      accountId: account(0),
      workerId: 'a',
      expiresAt: t0 + ttl,
    });
  });

  it('lets anyone take an expired lease with the next epoch, and counts it a takeover', async () => {
    const leases = createLeaseRepository(store.db);
    await leases.acquire(account(1), 'a', t0, ttl);
    const taken = await leases.acquire(account(1), 'b', t0 + ttl, ttl);
    expect(taken).toMatchObject({ kind: 'acquired', epoch: 2, previousHolder: 'a', takeover: true });
  });

  it('fences a stale holder: its renewal is lost and its fenced write changes nothing', async () => {
    const leases = createLeaseRepository(store.db);
    const stale = await leases.acquire(account(2), 'a', t0, ttl);
    if (stale.kind !== 'acquired') throw new Error('not acquired');
    const staleClaim: LeaseClaim = { accountId: account(2), workerId: 'a', epoch: stale.epoch };
    const fresh = await leases.acquire(account(2), 'b', t0 + ttl + 1, ttl);
    if (fresh.kind !== 'acquired') throw new Error('not acquired');
    const freshClaim: LeaseClaim = { accountId: account(2), workerId: 'b', epoch: fresh.epoch };

    expect(await leases.renew(staleClaim, t0 + ttl + 2, ttl)).toEqual({ kind: 'lost', heldBy: 'b' });
    const label = async (): Promise<string | null | undefined> =>
      (await store.db.get<{ label: string | null }>(sql`SELECT label FROM accounts WHERE id = ${account(2)}`))?.label;
    const write = (claim: LeaseClaim, value: string) =>
      store.db.transaction(async (tx) =>
        tx.run(sql`UPDATE accounts SET label = ${value} WHERE id = ${account(2)} AND ${fencedBy(tx, claim)}`),
      );
    expect(await write(staleClaim, 'stale')).toEqual({ changes: 0 });
    expect(await label()).toBeNull();
    expect(await write(freshClaim, 'fresh')).toEqual({ changes: 1 });
    expect(await label()).toBe('fresh');
    expect(await store.db.transaction((tx) => stillHolds(tx, staleClaim))).toBe(false);
    expect(await store.db.transaction((tx) => stillHolds(tx, freshClaim))).toBe(true);
  });

  it('renews only while holder and epoch match and the lease has not run out', async () => {
    const leases = createLeaseRepository(store.db);
    const got = await leases.acquire(account(3), 'a', t0, ttl);
    if (got.kind !== 'acquired') throw new Error('not acquired');
    const claim = { accountId: account(3), workerId: 'a', epoch: got.epoch };
    expect(await leases.renew(claim, t0 + 10_000, ttl)).toEqual({ kind: 'renewed', expiresAt: t0 + 10_000 + ttl });
    expect(await leases.renew({ ...claim, epoch: got.epoch + 1 }, t0 + 11_000, ttl)).toMatchObject({ kind: 'lost' });
    expect(await leases.renew(claim, t0 + 10_000 + ttl, ttl)).toEqual({ kind: 'lost', heldBy: null });
  });

  it('renews all of a worker’s unexpired leases in one call', async () => {
    const leases = createLeaseRepository(store.db);
    const later = t0 + 1_000_000;
    await leases.acquire(account(4), 'r', later, ttl);
    await leases.acquire(account(5), 'r', later, 1_000);
    const renewed = await leases.renewAll('r', later + 5_000, ttl);
    expect(renewed.map((lease) => lease.accountId)).toEqual([account(4)]);
    expect((await leases.get(account(4)))?.expiresAt).toBe(later + 5_000 + ttl);
  });

  it('releases gracefully: free at once for the next worker, without a takeover', async () => {
    const leases = createLeaseRepository(store.db);
    const later = t0 + 2_000_000;
    const got = await leases.acquire(account(0), 'c', later + ttl, ttl);
    if (got.kind !== 'acquired') throw new Error('not acquired');
    const claim = { accountId: account(0), workerId: 'c', epoch: got.epoch };
    expect(await leases.release({ ...claim, workerId: 'x' }, later + ttl + 1)).toBe(false);
    expect(await leases.release(claim, later + ttl + 1)).toBe(true);
    const next = await leases.acquire(account(0), 'd', later + ttl + 2, ttl);
    expect(next).toMatchObject({ kind: 'acquired', epoch: got.epoch + 1, previousHolder: null, takeover: false });
  });

  it('lets exactly one of many racing workers take a free lease', async () => {
    const [id] = await store.addAccounts(1);
    const accountId = id as number;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => createLeaseRepository(store.db).acquire(accountId, `w${i}`, t0, ttl)),
    );
    const winners = results.filter((result) => result.kind === 'acquired');
    expect(winners).toHaveLength(1);
    const winner = winners[0];
    for (const result of results) {
      if (result.kind === 'held') expect(result.workerId).toBe(`w${results.indexOf(winner!)}`);
    }
    const expired = await Promise.all(
      Array.from({ length: 8 }, (_, i) => createLeaseRepository(store.db).acquire(accountId, `v${i}`, t0 + ttl, ttl)),
    );
    expect(expired.filter((result) => result.kind === 'acquired')).toEqual([
      expect.objectContaining({ epoch: 2, takeover: true }),
    ]);
  });
});
