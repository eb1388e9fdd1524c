import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockUnheldAccount } from '../../../src/db/repositories/account-holds.js';
import { createLeaseRepository, stillHolds } from '../../../src/db/repositories/leases.js';
import type { SqlExecutor } from '../../../src/db/sql/sql-port.js';
import { until } from '../../until.js';
import { openPortDatabase, type PortDatabase } from '../lease-databases.js';

const ttl = 30_000;
const t0 = 1_800_000_000_000;

describe.each(['sqlite', 'postgres'] as const)('lockUnheldAccount (%s)', (dialect) => {
  let store: PortDatabase;
  let ids: number[];

  beforeAll(async () => {
    store = await openPortDatabase(dialect);
    ids = await store.addAccounts(6);
  });
  afterAll(() => store.close());

  const account = (i: number): number => ids[i] as number;
  const hold = (accountId: number, now: number) => store.db.transaction((tx) => lockUnheldAccount(tx, accountId, now));

  it('does tell an account nobody holds, one a worker holds until when, one whose lease ran out, and one that is gone', async () => {
    const leases = createLeaseRepository(store.db);
    expect(await hold(account(0), t0)).toEqual({ kind: 'free' });
    await leases.acquire(account(0), 'w-1', t0, ttl);
    expect(await hold(account(0), t0 + 1)).toEqual({ kind: 'held', workerId: 'w-1', expiresAt: t0 + ttl });
    // Past its expiry the lease is nobody's: its holder disconnected the account before it ran out.
    expect(await hold(account(0), t0 + ttl)).toEqual({ kind: 'free' });
    const claim = await leases.acquire(account(1), 'w-1', t0, ttl);
    if (claim.kind !== 'acquired') throw new Error('not acquired');
    await leases.release({ accountId: account(1), workerId: 'w-1', epoch: claim.epoch }, t0 + 1);
    expect(await hold(account(1), t0 + 2)).toEqual({ kind: 'free' });
    expect(await hold(987_654, t0)).toEqual({ kind: 'gone' });
    expect(await hold(2 ** 40, t0)).toEqual({ kind: 'gone' });
  });

  it.runIf(dialect === 'postgres')('does make a worker taking the account up wait for the change, then find it gone or changed', async () => {
    const leases = createLeaseRepository(store.db);
    /** Whether a statement of another connection waits for a lock, as a lease being taken does. */
    const someoneWaits = async () =>
      (await store.db.get<{ n: number }>(sql`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`))?.n === 1;
    const whileLocked = <T>(accountId: number, change: (tx: SqlExecutor) => Promise<void>, meanwhile: () => Promise<T>) =>
      store.db.transaction(async (tx) => {
        expect(await lockUnheldAccount(tx, accountId, t0 + ttl)).toEqual({ kind: 'free' });
        const taking = meanwhile().then(
          (value) => ({ ok: true as const, value }),
          (error: unknown) => ({ ok: false as const, error }),
        );
        await until(someoneWaits, 'the lease to wait for the lock');
        await change(tx);
        // Not awaited here: the lease waits for this transaction to end.
        return { taking };
      }).then(({ taking }) => taking);

    // A first lease (an INSERT checking the account row) and a takeover of an expired one (an UPDATE of the lease row).
    const expired = account(3);
    await leases.acquire(expired, 'w-dead', t0 - ttl, ttl);
    for (const accountId of [account(2), expired]) {
      const removal = await whileLocked(
        accountId,
        async (tx) => void (await tx.run(sql`DELETE FROM accounts WHERE id = ${accountId}`)),
        () => leases.acquire(accountId, 'w-2', t0 + ttl, ttl),
      );
      expect(removal.ok).toBe(false);
      expect(await leases.get(accountId)).toBeUndefined();
    }

    // A proxy changed meanwhile is what the new holder reads once it has the lease.
    const taken = await whileLocked(
      account(4),
      async (tx) => void (await tx.run(sql`UPDATE accounts SET proxy_host = '10.0.0.9:1081' WHERE id = ${account(4)}`)),
      async () => {
        const lease = await leases.acquire(account(4), 'w-2', t0 + ttl, ttl);
        const row = await store.db.get<{ proxy_host: string | null }>(sql`SELECT proxy_host FROM accounts WHERE id = ${account(4)}`);
        return { lease: lease.kind, proxyHost: row?.proxy_host };
      },
    );
    expect(taken).toEqual({ ok: true, value: { lease: 'acquired', proxyHost: '10.0.0.9:1081' } });
  });

  it.runIf(dialect === 'postgres')('does not deadlock with a holder’s fenced write, which locks the lease first and then the account', async () => {
    const leases = createLeaseRepository(store.db);
    const accountId = account(5);
    const claim = await leases.acquire(accountId, 'w-1', t0, ttl);
    if (claim.kind !== 'acquired') throw new Error('not acquired');
    const op = await store.db.get<{ id: number }>(sql`INSERT INTO operations (kind, params, status, priority, created_at, updated_at) VALUES ('scrape', 'null', 'queued', 5, ${t0}, ${t0}) RETURNING id`);
    const someoneWaits = async () =>
      (await store.db.get<{ n: number }>(sql`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`))?.n === 1;
    let panel: Promise<unknown> | undefined;
    await store.db.transaction(async (tx) => {
      // The holder's fenced write: the lease, then a row whose foreign key checks the account row.
      expect(await stillHolds(tx, { accountId, workerId: 'w-1', epoch: claim.epoch })).toBe(true);
      panel = store.db.transaction((other) => lockUnheldAccount(other, accountId, t0 + 1));
      await until(someoneWaits, 'the panel to wait for the lease');
      await tx.run(sql`UPDATE operations SET assigned_account_id = ${accountId} WHERE id = ${Number(op?.id)}`);
    });
    expect(await panel).toEqual({ kind: 'held', workerId: 'w-1', expiresAt: t0 + ttl });
  });
});
