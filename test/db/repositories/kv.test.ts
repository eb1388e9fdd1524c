import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { createKvRepository } from '../../../src/db/repositories/kv.js';
import { describeEachDialect, type OpenDialectDatabase } from '../dialects.js';

async function setup(open: OpenDialectDatabase) {
  let clock = 1_000;
  const db = await open();
  const kv = createKvRepository(db, { now: () => clock });
  return { db, kv, advance: (ms: number) => (clock += ms) };
}

describeEachDialect('KvRepository', (open) => {
  it('sets, gets, overwrites and deletes values', async () => {
    const { kv } = await setup(open);
    expect(await kv.get('a')).toBeUndefined();
    await kv.set('a', 'one');
    expect(await kv.get('a')).toBe('one');
    await kv.set('a', 'two');
    expect(await kv.get('a')).toBe('two');
    expect(await kv.delete('a')).toBe(true);
    expect(await kv.delete('a')).toBe(false);
    expect(await kv.get('a')).toBeUndefined();
  });

  it('honours the ttl on read and deletes the expired entry', async () => {
    const { db, kv, advance } = await setup(open);
    await kv.set('s', 'v', 500);
    advance(499);
    expect(await kv.get('s')).toBe('v');
    advance(1);
    expect(await kv.get('s')).toBeUndefined();
    expect(await db.sql.get(sql`SELECT count(*) AS n FROM kv`)).toEqual({ n: 0 });
  });

  it('clears the ttl when a value is set again without one', async () => {
    const { kv, advance } = await setup(open);
    await kv.set('s', 'short', 10);
    await kv.set('s', 'forever');
    advance(1_000_000);
    expect(await kv.get('s')).toBe('forever');
  });

  it('purges expired entries only', async () => {
    const { kv, advance } = await setup(open);
    await kv.set('a', '1', 10);
    await kv.set('b', '2', 100);
    await kv.set('c', '3');
    advance(50);
    expect(await kv.purgeExpired()).toBe(1);
    expect([await kv.get('a'), await kv.get('b'), await kv.get('c')]).toEqual([undefined, '2', '3']);
  });

  it('applies the calls on one key in the order they were made, awaited or not', async () => {
    const { kv } = await setup(open);
    const calls: Promise<unknown>[] = [];
    for (let round = 0; round < 20; round++) {
      calls.push(kv.set('k', `v${round}`), kv.delete('k'), kv.set('k', `w${round}`));
    }
    const last = kv.get('k');
    await Promise.all(calls);
    expect(await last).toBe('w19');
  });

  it('offers a JSON storage adapter under a prefix, with expiry', async () => {
    const { kv, advance } = await setup(open);
    const storage = kv.jsonAdapter<{ step: number; data: string[] }>('conv:', 1_000);
    expect(await storage.read('42')).toBeUndefined();
    await storage.write('42', { step: 2, data: ['+1555'] });
    expect(await storage.read('42')).toEqual({ step: 2, data: ['+1555'] });
    expect(await kv.get('conv:42')).toBe('{"step":2,"data":["+1555"]}');
    advance(1_000);
    expect(await storage.read('42')).toBeUndefined();
    await storage.write('42', { step: 3, data: [] });
    await storage.delete('42');
    expect(await storage.read('42')).toBeUndefined();
  });
});
