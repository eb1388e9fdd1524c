import { describe, expect, it } from 'vitest';
import { createKvRepository } from '../../../src/db/repositories/kv.js';
import { useMemoryDatabase } from '../helpers.js';

const openDatabase = useMemoryDatabase();

function setup() {
  let clock = 1_000;
  const db = openDatabase();
  const kv = createKvRepository(db, { now: () => clock });
  return { db, kv, advance: (ms: number) => (clock += ms) };
}

describe('KvRepository', () => {
  it('sets, gets, overwrites and deletes values', () => {
    const { kv } = setup();
    expect(kv.get('a')).toBeUndefined();
    kv.set('a', 'one');
    expect(kv.get('a')).toBe('one');
    kv.set('a', 'two');
    expect(kv.get('a')).toBe('two');
    expect(kv.delete('a')).toBe(true);
    expect(kv.delete('a')).toBe(false);
    expect(kv.get('a')).toBeUndefined();
  });

  it('honours the ttl on read and deletes the expired entry', () => {
    const { db, kv, advance } = setup();
    kv.set('s', 'v', 500);
    advance(499);
    expect(kv.get('s')).toBe('v');
    advance(1);
    expect(kv.get('s')).toBeUndefined();
    expect(db.sqlite.prepare('SELECT count(*) FROM kv').pluck().get()).toBe(0);
  });

  it('clears the ttl when a value is set again without one', () => {
    const { kv, advance } = setup();
    kv.set('s', 'short', 10);
    kv.set('s', 'forever');
    advance(1_000_000);
    expect(kv.get('s')).toBe('forever');
  });

  it('purges expired entries only', () => {
    const { kv, advance } = setup();
    kv.set('a', '1', 10);
    kv.set('b', '2', 100);
    kv.set('c', '3');
    advance(50);
    expect(kv.purgeExpired()).toBe(1);
    expect([kv.get('a'), kv.get('b'), kv.get('c')]).toEqual([undefined, '2', '3']);
  });

  it('offers a JSON storage adapter under a prefix, with expiry', () => {
    const { kv, advance } = setup();
    const storage = kv.jsonAdapter<{ step: number; data: string[] }>('conv:', 1_000);
    expect(storage.read('42')).toBeUndefined();
    storage.write('42', { step: 2, data: ['+1555'] });
    expect(storage.read('42')).toEqual({ step: 2, data: ['+1555'] });
    expect(kv.get('conv:42')).toBe('{"step":2,"data":["+1555"]}');
    advance(1_000);
    expect(storage.read('42')).toBeUndefined();
    storage.write('42', { step: 3, data: [] });
    storage.delete('42');
    expect(storage.read('42')).toBeUndefined();
  });
});
