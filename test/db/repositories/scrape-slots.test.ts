import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScrapeSlotRepository } from '../../../src/db/repositories/scrape-slots.js';
import { openPortDatabase, type PortDatabase } from '../lease-databases.js';

const ttl = 30_000;
const t0 = 1_800_000_000_000;

describe.each(['sqlite', 'postgres'] as const)('ScrapeSlotRepository (%s)', (dialect) => {
  let store: PortDatabase;

  beforeAll(async () => {
    store = await openPortDatabase(dialect, { poolSize: 12 });
  });
  afterAll(() => store.close());

  const clear = () => store.db.run(sql`DELETE FROM scrape_slots`);

  it('grants the lowest free slots up to the limit, then says full', async () => {
    await clear();
    const slots = createScrapeSlotRepository(store.db);
    const request = { workerId: 'a', limit: 2, now: t0, ttlMs: ttl };
    expect(await slots.acquire({ ...request, operationId: 1 })).toEqual({ kind: 'granted', slot: 0, expiresAt: t0 + ttl });
    expect(await slots.acquire({ ...request, operationId: 2 })).toMatchObject({ kind: 'granted', slot: 1 });
    expect(await slots.acquire({ ...request, operationId: 3 })).toEqual({ kind: 'full', active: 2, limit: 2 });
    expect(await slots.countActive(t0)).toBe(2);
  });

  it('gives an operation that asks again the slot it has', async () => {
    await clear();
    const slots = createScrapeSlotRepository(store.db);
    const request = { workerId: 'a', limit: 3, ttlMs: ttl, operationId: 7 };
    await slots.acquire({ ...request, now: t0 });
    expect(await slots.acquire({ ...request, now: t0 + 5 })).toEqual({ kind: 'granted', slot: 0, expiresAt: t0 + 5 + ttl });
    expect(await slots.countActive(t0 + 5)).toBe(1);
  });

  it('frees a released slot at once and an expired one after its time', async () => {
    await clear();
    const slots = createScrapeSlotRepository(store.db);
    const request = { workerId: 'a', limit: 2, now: t0, ttlMs: ttl };
    await slots.acquire({ ...request, operationId: 1 });
    await slots.acquire({ ...request, operationId: 2 });
    expect(await slots.release(1, 'someone-else')).toBe(false);
    expect(await slots.release(1, 'a')).toBe(true);
    expect(await slots.acquire({ ...request, workerId: 'b', operationId: 3 })).toMatchObject({ kind: 'granted', slot: 0 });
    expect(await slots.acquire({ ...request, workerId: 'b', operationId: 4, now: t0 + 1 })).toMatchObject({ kind: 'full' });
    expect(await slots.acquire({ ...request, workerId: 'b', operationId: 4, now: t0 + ttl })).toMatchObject({
      kind: 'granted',
      slot: 0,
    });
  });

  it('renews a worker’s slots with its tick, and frees them all on its stop', async () => {
    await clear();
    const slots = createScrapeSlotRepository(store.db);
    const request = { limit: 5, now: t0, ttlMs: ttl };
    await slots.acquire({ ...request, workerId: 'a', operationId: 1 });
    await slots.acquire({ ...request, workerId: 'b', operationId: 2 });
    await slots.acquire({ ...request, workerId: 'a', operationId: 3 });
    expect(await slots.renewAll('a', t0 + 10_000, ttl)).toEqual([
      { slot: 0, operationId: 1 },
      { slot: 2, operationId: 3 },
    ]);
    expect(await slots.countActive(t0 + ttl + 1)).toBe(2);
    expect(await slots.releaseAll('a')).toBe(2);
    expect(await slots.countActive(t0)).toBe(1);
  });

  it('never lets parallel acquirers exceed the limit, whatever the limit and the mix of releases', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.boolean(), { minLength: 2, maxLength: 12 }),
        async (limit, releasesAfter) => {
          await clear();
          let maxSeen = 0;
          let active = 0;
          const run = async (i: number): Promise<number> => {
            const slots = createScrapeSlotRepository(store.db);
            const got = await slots.acquire({ operationId: i, workerId: `w${i % 3}`, limit, now: t0, ttlMs: ttl });
            if (got.kind === 'full') {
              // The count the refusal was based on, taken at that moment: the only sight of the peak a refusal proves.
              maxSeen = Math.max(maxSeen, got.active);
              return 0;
            }
            active += 1;
            // Counted before maxSeen is read: `max(maxSeen, await …)` would read it first and drop a peak another
            // acquirer recorded during the await.
            const counted = await slots.countActive(t0);
            maxSeen = Math.max(maxSeen, active, counted);
            if (releasesAfter[i]) {
              active -= 1;
              await slots.release(i, `w${i % 3}`);
            }
            return 1;
          };
          const granted = await Promise.all(releasesAfter.map((_, i) => run(i)));
          const held = await store.db.all<{ slot: number }>(sql`SELECT slot FROM scrape_slots`);
          expect(maxSeen).toBeLessThanOrEqual(limit);
          expect(held.length).toBeLessThanOrEqual(limit);
          expect(held.every((row) => Number(row.slot) < limit)).toBe(true);
          // Nobody is turned away while a slot was free at the end: full only when all were taken.
          if (granted.reduce((a, b) => a + b, 0) < releasesAfter.length) expect(maxSeen).toBe(limit);
        },
      ),
      { numRuns: dialect === 'postgres' ? 40 : 20 },
    );
  });
});
