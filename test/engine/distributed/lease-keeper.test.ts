import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLeaseRepository } from '../../../src/db/repositories/leases.js';
import { createWorkerRepository } from '../../../src/db/repositories/workers.js';
import { LeaseKeeper, LeaseKeeperOptionsError } from '../../../src/engine/distributed/lease-keeper.js';
import { openPortDatabase, type PortDatabase } from '../../db/lease-databases.js';
import { manualClock } from '../../manual-clock.js';
import { until } from '../../until.js';
import { KeeperFleet } from './keeper-fleet.js';

const t0 = 1_800_000_000_000;

describe.each(['postgres', 'sqlite'] as const)('LeaseKeeper (%s)', (dialect) => {
  let store: PortDatabase;
  let accounts: number[];
  let fleet: KeeperFleet;

  beforeAll(async () => {
    store = await openPortDatabase(dialect);
    accounts = await store.addAccounts(6);
  });
  afterAll(() => store.close());
  afterEach(async () => {
    expect(fleet.violations).toEqual([]);
    await store.db.run(sql`DELETE FROM account_leases`);
    await store.db.run(sql`DELETE FROM workers`);
    await store.db.run(sql`DELETE FROM scrape_slots`);
  });

  const newFleet = (): KeeperFleet => (fleet = new KeeperFleet(store.db, () => accounts));

  it('shares accounts fairly as workers come (1 → 2 → 3) and hands them back as they stop', async () => {
    newFleet();
    const clock = manualClock(t0);
    const a = fleet.add('a', clock);
    await a.keeper.start();
    expect(fleet.shares()).toEqual({ a: 6 });

    const b = fleet.add('b', clock);
    await b.keeper.start();
    await fleet.advance([clock]);
    await fleet.advance([clock]);
    expect(fleet.shares()).toEqual({ a: 3, b: 3 });

    const c = fleet.add('c', clock);
    await c.keeper.start();
    await fleet.advance([clock]);
    await fleet.advance([clock]);
    expect(fleet.shares()).toEqual({ a: 2, b: 2, c: 2 });

    await c.keeper.stop();
    await fleet.advance([clock]);
    expect(fleet.shares()).toEqual({ a: 3, b: 3, c: 0 });
    await b.keeper.stop();
    await fleet.advance([clock]);
    expect(fleet.shares()).toEqual({ a: 6, b: 0, c: 0 });

    // Graceful hand-offs only: nothing was lost, nothing taken over, the stopped workers are gone from the registry.
    const all = fleet.workers.flatMap((w) => w.events);
    expect(all.filter((e) => e.kind === 'lost' || e.kind === 'takeover')).toEqual([]);
    expect(c.events.filter((e) => e.kind === 'released')).toHaveLength(2);
    const registry = await createWorkerRepository(store.db).listWithAccounts(clock.now(), 30_000);
    expect(registry.map((w) => [w.id, w.accountIds.length])).toEqual([['a', 6]]);
    await a.keeper.stop();
    expect(fleet.connected.size).toBe(0);
  });

  it('takes a dead worker’s accounts over within 60 s, with the next epoch', async () => {
    newFleet();
    const deadClock = manualClock(t0);
    const liveClock = manualClock(t0);
    const dead = fleet.add('dead', deadClock);
    await dead.keeper.start();
    const live = fleet.add('live', liveClock);
    await live.keeper.start();
    expect(fleet.shares()).toEqual({ dead: 6, live: 0 });

    fleet.kill(dead);
    // The dead worker's clock stops: no more heartbeats, renewals or timers (kill -9).
    let waited = 0;
    while (live.keeper.heldAccounts().length < 6 && waited < 60_000) {
      await fleet.advance([liveClock], 5_000);
      waited += 5_000;
    }
    expect(live.keeper.heldAccounts()).toEqual(accounts);
    expect(waited).toBeLessThanOrEqual(40_000);
    const takeovers = live.events.filter((e) => e.kind === 'takeover');
    expect(takeovers.map((e) => e.kind === 'takeover' && e.from)).toEqual(accounts.map(() => 'dead'));
    for (const accountId of accounts) expect(live.keeper.claim(accountId)?.epoch).toBe(2);
    await live.keeper.stop();
  });

  it('disconnects the accounts of a worker cut off from the database before anyone else may take them', async () => {
    newFleet();
    const clock = manualClock(t0);
    const cutOff = fleet.add('cut', clock);
    await cutOff.keeper.start();
    const other = fleet.add('other', clock);
    await other.keeper.start();
    const leases = createLeaseRepository(store.db);
    const expiry = (await leases.get(accounts[0] as number))?.expiresAt ?? 0;

    cutOff.cable.cut = true;
    // Every 1 s the other worker tries again; the fleet's bookkeeping checks no account is ever connected twice.
    for (let step = 0; step < 45; step += 1) {
      clock.advance(1_000);
      await fleet.settled();
      await other.keeper.tick();
    }
    const lost = cutOff.events.filter((e) => e.kind === 'lost');
    expect(lost).toHaveLength(6);
    for (const event of lost) expect(event.at).toBeLessThanOrEqual(expiry - 5_000);
    const firstTaken = Math.min(...other.events.filter((e) => e.kind === 'acquired').map((e) => e.at));
    expect(firstTaken).toBeGreaterThanOrEqual(expiry);
    expect(other.keeper.heldAccounts()).toEqual(accounts);

    // Its renewal, once the database answers again, is fenced: the leases carry the other worker's epoch now.
    cutOff.cable.cut = false;
    await cutOff.keeper.tick();
    expect(cutOff.keeper.heldAccounts()).toEqual([]);
    await other.keeper.stop();
    await cutOff.keeper.stop();
  });

  it('gives an account up when the renewal answer comes back after its safety deadline', async () => {
    newFleet();
    const clock = manualClock(t0);
    const slow = fleet.add('slow', clock);
    await slow.keeper.start();
    let answer!: () => void;
    slow.cable.stall = new Promise<void>((resolve) => (answer = resolve));
    clock.advance(10_000); // a tick starts: its renewal was sent at t0 + 10 s
    expect(slow.events.filter((e) => e.kind === 'lost')).toEqual([]);
    clock.advance(15_000); // t0 + 25 s: the first lease's deadline (t0 + 30 s − 5 s) passes while the answer is out
    expect(slow.events.filter((e) => e.kind === 'lost').map((e) => e.at)).toEqual(accounts.map(() => t0 + 25_000));
    slow.cable.stall = undefined;
    answer();
    await slow.keeper.settled();
    // The late answer extended the leases in its name; it takes them afresh (new epoch), announced once each.
    expect(slow.events.filter((e) => e.kind === 'lost')).toHaveLength(6);
    await slow.keeper.tick();
    expect(slow.keeper.heldAccounts()).toEqual(accounts);
    for (const accountId of accounts) expect(slow.keeper.claim(accountId)?.epoch).toBe(2);
    await slow.keeper.stop();
  });

  it('lets go of the leases a late renewal extended after they were lost, so another worker takes them', async () => {
    newFleet();
    const clock = manualClock(t0);
    const slow = fleet.add('slow', clock);
    await slow.keeper.start();
    const other = fleet.add('other', clock);
    await other.keeper.start();
    expect(fleet.shares()).toEqual({ slow: 6, other: 0 });
    let answer!: () => void;
    slow.cable.stallOnly = 'renewAll';
    slow.cable.stall = new Promise<void>((resolve) => (answer = resolve));
    clock.advance(10_000); // the slow worker's renewal is sent (and applied), its answer held back
    clock.advance(15_000); // its deadlines pass: every account is lost, the leases still run in its name
    expect(slow.events.filter((e) => e.kind === 'lost')).toHaveLength(6);
    slow.cable.stall = undefined;
    answer();
    await fleet.settled();
    // It takes its share afresh; the other three are strays in its name, renewed with the rest at each tick.
    expect(fleet.shares()).toEqual({ slow: 3, other: 0 });
    await fleet.advance([clock]);
    await fleet.advance([clock]);
    expect(fleet.shares()).toEqual({ slow: 3, other: 3 });
    expect(fleet.violations).toEqual([]);
    await other.keeper.stop();
    await slow.keeper.stop();
  });

  it('hands off an account acquired while its stop began, leaving every lease free', async () => {
    newFleet();
    const clock = manualClock(t0);
    const worker = fleet.add('w', clock);
    let answer!: () => void;
    let stalled!: () => void;
    const reachedAcquire = new Promise<void>((resolve) => (stalled = resolve));
    worker.cable.stall = new Promise<void>((resolve) => (answer = resolve));
    worker.cable.stallOnly = 'acquire';
    worker.cable.onStall = stalled;
    let markedStopping = false;
    worker.cable.onAnswer = (method) => void (markedStopping ||= method === 'markStopping');
    const started = worker.keeper.start();
    await reachedAcquire;
    const stopped = worker.keeper.stop();
    // The stop is past its first hand-off round when the acquisition answers.
    await until(() => markedStopping, 'the stop to begin');
    await new Promise<void>((resolve) => setImmediate(resolve));
    worker.cable.stall = undefined;
    answer();
    await started;
    await stopped;
    expect(worker.keeper.heldAccounts()).toEqual([]);
    const acquired = worker.events.filter((e) => e.kind === 'acquired').length;
    expect(acquired).toBeGreaterThan(0);
    expect(worker.events.filter((e) => e.kind === 'released')).toHaveLength(acquired);
    expect(fleet.connected.size).toBe(0);
    const held = await store.db.all(sql`SELECT account_id FROM account_leases WHERE worker_id IS NOT NULL`);
    expect(held).toEqual([]);
  });

  it('renews the worker’s scrape slots with its leases and frees them when it stops', async () => {
    newFleet();
    const clock = manualClock(t0);
    const worker = fleet.add('w', clock);
    await worker.keeper.start();
    await store.db.run(sql`INSERT INTO scrape_slots (slot, operation_id, worker_id, expires_at) VALUES (0, 9, 'w', ${t0 + 30_000})`);
    await fleet.advance([clock], 20_000);
    const slot = await store.db.get<{ expires_at: number }>(sql`SELECT expires_at FROM scrape_slots WHERE slot = 0`);
    expect(Number(slot?.expires_at)).toBe(t0 + 50_000);
    await worker.keeper.stop();
    expect(await store.db.get(sql`SELECT slot FROM scrape_slots`)).toBeUndefined();
  });
});

describe('LeaseKeeper options', () => {
  it('refuses a lease time that one failed renewal could outlive', () => {
    const make = () =>
      new LeaseKeeper({
        worker: { id: 'x', name: 'x', role: 'worker', host: 'h', pid: 1 },
        leases: {} as never,
        workers: {} as never,
        listAccounts: async () => [],
        events: { acquired: () => undefined, lost: () => undefined },
        logger: pino({ level: 'silent' }),
        ttlMs: 15_000,
      });
    expect(make).toThrow(LeaseKeeperOptionsError);
  });
});
