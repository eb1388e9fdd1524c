import { afterEach, expect, it } from 'vitest';
import { createScrapeSlotRepository, type ScrapeSlotRepository } from '../../../src/db/repositories/scrape-slots.js';
import { FleetScrapeSlots } from '../../../src/engine/distributed/fleet-scrape-slots.js';
import type { SlotRelease } from '../../../src/engine/rules/scrape-limit.js';
import { describeEachDialect, quietLogger } from '../../db/dialects.js';
import { manualClock, type ManualClock } from '../../manual-clock.js';
import { until } from '../../until.js';

const t0 = 1_800_000_000_000;
const ttlMs = 30_000;
/** Checks before a wait that must come true without the clock moving gives up: 1 s. */
const soon = { tries: 200 };

/** A gate a test opens when it chooses. */
function gate(): { readonly wait: Promise<void>; open(): void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

/**
 * The real repository, with a way to hold the answer of the next `acquire` (after its query ran) or the next
 * `release` (before its query runs) until the test lets it go, and counts of the queries done (and of the answers
 * handed on).
 */
function gated(real: ScrapeSlotRepository) {
  let acquireGate: Promise<void> | undefined;
  let releaseGate: Promise<void> | undefined;
  const done = { acquires: 0, answered: 0, releases: 0 };
  const repository: ScrapeSlotRepository = {
    ...real,
    async acquire(request) {
      const held = acquireGate;
      acquireGate = undefined;
      const result = await real.acquire(request);
      done.acquires += 1;
      if (held !== undefined) await held;
      done.answered += 1;
      return result;
    },
    async release(operationId, workerId) {
      const held = releaseGate;
      releaseGate = undefined;
      if (held !== undefined) await held;
      const freed = await real.release(operationId, workerId);
      done.releases += 1;
      return freed;
    },
  };
  return {
    repository,
    done,
    holdNextAcquire(): () => void {
      const g = gate();
      acquireGate = g.wait;
      return g.open;
    },
    holdNextRelease(): () => void {
      const g = gate();
      releaseGate = g.wait;
      return g.open;
    },
  };
}

/** What a worker's scrapes were granted, by operation id. */
class Grants {
  readonly byOperation = new Map<number, SlotRelease[]>();

  /** The `granted` callback of a scrape of operation `id`. */
  for(id: number): (release: SlotRelease) => void {
    return (release) => this.byOperation.set(id, [...(this.byOperation.get(id) ?? []), release]);
  }

  count(id: number): number {
    return this.byOperation.get(id)?.length ?? 0;
  }

  /** Gives back the last slot operation `id` was granted. */
  release(id: number): void {
    const releases = this.byOperation.get(id) ?? [];
    const last = releases[releases.length - 1];
    if (last === undefined) throw new Error(`operation ${id} holds no slot`);
    last();
  }
}

describeEachDialect('FleetScrapeSlots', (open) => {
  const made: FleetScrapeSlots[] = [];
  let clock: ManualClock;
  let real: ScrapeSlotRepository;

  afterEach(() => {
    for (const slots of made.splice(0)) slots.close();
  });

  const setUp = async (): Promise<void> => {
    const handle = await open();
    real = createScrapeSlotRepository(handle.sql);
    clock = manualClock(t0);
  };

  const worker = (repository: ScrapeSlotRepository, limit: number, workerId = 'a'): FleetScrapeSlots => {
    const slots = new FleetScrapeSlots({ repository, workerId, limit, ttlMs, logger: quietLogger, clock });
    made.push(slots);
    return slots;
  };

  it('grants a waiter once even when a higher priority one queues while its slot is being taken', async () => {
    await setUp();
    const repo = gated(real);
    const slots = worker(repo.repository, 2);
    const grants = new Grants();
    const letGo = repo.holdNextAcquire();
    slots.acquire(5, grants.for(1), 1);
    await until(() => repo.done.acquires === 1, 'the first slot to be taken');
    // It queues ahead of the one whose slot is on its way.
    slots.acquire(10, grants.for(2), 2);
    letGo();

    await until(() => grants.count(2) === 1, 'the later, higher priority waiter to be granted', soon);
    expect(grants.count(1)).toBe(1);
    expect(await real.countActive(t0)).toBe(2);
  });

  it('stops asking on close: no retry is left, an answer that comes late starts none, and asking after takes nothing', async () => {
    await setUp();
    const repo = gated(real);
    const slots = worker(repo.repository, 1);
    const grants = new Grants();
    slots.acquire(5, grants.for(1), 1);
    await until(() => grants.count(1) === 1, 'the only slot to be granted');

    // A waiter whose answer ("full") comes back after close.
    const letGo = repo.holdNextAcquire();
    slots.acquire(5, grants.for(2), 2);
    await until(() => repo.done.acquires === 2, 'the second ask to run');
    slots.close();
    letGo();
    await until(() => repo.done.answered === 2, 'the answer to land');
    // A turn for the retry it would schedule to be scheduled.
    await new Promise((resolve) => setImmediate(resolve));
    expect(clock.pending()).toEqual([]);
    clock.advance(60_000);
    expect(repo.done.acquires).toBe(2);

    // Asking after close takes nothing.
    slots.acquire(5, grants.for(3), 3);
    await new Promise((resolve) => setImmediate(resolve));
    expect(repo.done.acquires).toBe(2);
    expect(clock.pending()).toEqual([]);
    expect(grants.count(2) + grants.count(3)).toBe(0);

    // What was held is still given back.
    grants.release(1);
    await until(() => repo.done.releases === 1, 'the held slot to be freed');
    expect(await real.countActive(clock.now())).toBe(0);
  });

  it('hands back a slot granted after close instead of granting it', async () => {
    await setUp();
    const repo = gated(real);
    const slots = worker(repo.repository, 1);
    const grants = new Grants();
    const letGo = repo.holdNextAcquire();
    slots.acquire(5, grants.for(1), 1);
    await until(() => repo.done.acquires === 1, 'the slot to be taken');
    slots.close();
    letGo();
    await until(() => repo.done.releases === 1, 'the slot to be handed back', soon);
    expect(grants.count(1)).toBe(0);
    expect(await real.countActive(clock.now())).toBe(0);
    expect(clock.pending()).toEqual([]);
  });

  it('asks again for an operation only once its previous slot is freed, so the freeing cannot take the new one', async () => {
    await setUp();
    const repo = gated(real);
    const slots = worker(repo.repository, 2);
    const grants = new Grants();
    slots.acquire(5, grants.for(7), 7);
    await until(() => grants.count(7) === 1, 'the first slot');

    // The scrape ends and is retried at once; its DELETE is slow to land.
    const letGo = repo.holdNextRelease();
    grants.release(7);
    slots.acquire(5, grants.for(7), 7);
    await new Promise((resolve) => setImmediate(resolve));
    letGo();
    await until(() => grants.count(7) === 2 && repo.done.releases === 1, 'the second slot, and the first freed', soon);
    // Whatever the order, the slot of the second run is still there.
    const rows = await real.renewAll('a', clock.now(), ttlMs);
    expect(rows.map((row) => row.operationId)).toEqual([7]);
  });

  it('counts the slots held fleet-wide from the table, other workers’ too', async () => {
    await setUp();
    const a = worker(real, 3, 'a');
    const b = worker(real, 3, 'b');
    const grants = new Grants();
    a.acquire(5, grants.for(1), 1);
    await until(() => grants.count(1) === 1 && a.held() === 1, 'a’s slot, counted');
    b.acquire(5, grants.for(2), 2);
    await until(() => grants.count(2) === 1, 'b’s slot');
    await until(() => b.held() === 2, 'b to count both slots', soon);

    grants.release(1);
    await until(async () => (await real.countActive(clock.now())) === 1, 'a’s slot to be freed');
    await until(() => a.held() === 1, 'a to count b’s slot still held', soon);
  });

  it('offers a slot freed here to a waiter at once, even one whose "full" answer was on its way meanwhile', async () => {
    await setUp();
    const repo = gated(real);
    const slots = worker(repo.repository, 1);
    const grants = new Grants();
    slots.acquire(5, grants.for(1), 1);
    await until(() => grants.count(1) === 1, 'the only slot');

    // The second asks while the slot is taken; its answer ("full") is held until the slot was freed.
    const letGo = repo.holdNextAcquire();
    slots.acquire(5, grants.for(2), 2);
    await until(() => repo.done.acquires === 2, 'the second ask to run');
    grants.release(1);
    await until(() => repo.done.releases === 1, 'the slot to be freed');
    letGo();

    // No time passes: the retry every 500 ms is not what grants it.
    await until(() => grants.count(2) === 1, 'the waiter to be granted the freed slot', soon);
    expect(clock.now()).toBe(t0);
    expect(clock.pending()).toEqual([]);
  });

  it('asks again every retry while the fleet is full, and grants a slot freed elsewhere', async () => {
    await setUp();
    const a = worker(real, 1, 'a');
    const b = worker(real, 1, 'b');
    const grants = new Grants();
    a.acquire(5, grants.for(1), 1);
    await until(() => grants.count(1) === 1, 'a’s slot');
    b.acquire(5, grants.for(2), 2);
    await until(() => clock.pending().length === 1, 'b to wait for its retry');
    expect(clock.pending()).toEqual([500]);

    grants.release(1);
    await until(async () => (await real.countActive(clock.now())) === 0, 'a’s slot to be freed');
    expect(grants.count(2)).toBe(0);
    clock.advance(500);
    await until(() => grants.count(2) === 1, 'b to be granted on its retry');
  });
});
