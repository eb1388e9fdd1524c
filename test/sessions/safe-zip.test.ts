import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SessionReadError } from '../../src/sessions/index.js';
import { readZip } from '../../src/sessions/safe-zip.js';
import { zipOf } from './fixtures.js';

/** Rewrites every `from` in the archive's names (local headers and central directory) with `to`, same length. */
function renamed(zip: Buffer, from: string, to: string): Buffer {
  return Buffer.from(zip.toString('latin1').split(from).join(to), 'latin1');
}

describe('readZip', () => {
  it('unpacks entries by their path', () => {
    const { entries, tooBig } = readZip(zipOf([['a/one.session', Buffer.from('x')], ['two.json', Buffer.from('{}')]]));
    expect(entries.map((e) => [e.name, e.bytes.toString()])).toEqual([
      ['a/one.session', 'x'],
      ['two.json', '{}'],
    ]);
    expect(tooBig).toEqual([]);
  });

  it('refuses an archive with a ../ or absolute name before reading anything', () => {
    expect(() => readZip(renamed(zipOf([['xx/evil.session', Buffer.from('x')]]), 'xx/', '../'))).toThrow(/leaves the archive/);
    expect(() => readZip(renamed(zipOf([['xevil.session', Buffer.from('x')]]), 'xevil', '/evil'))).toThrow(/leaves the archive/);
  });

  it('refuses too many entries, and a bomb by the sizes it declares', () => {
    const many = zipOf(Array.from({ length: 30 }, (_, i) => [`f${i}`, Buffer.from('x')] as const));
    expect(() => readZip(many, { maxEntries: 20 })).toThrow(/more than 20 files/);
    // 40 MB of zeros deflate to a few tens of KB.
    const bomb = zipOf([
      ['a', Buffer.alloc(5_000_000)],
      ['b', Buffer.alloc(5_000_000)],
    ]);
    expect(bomb.length).toBeLessThan(100_000);
    expect(() => readZip(bomb, { maxTotalBytes: 8_000_000 })).toThrow(/unpacks to more than 8 MB/);
    expect(readZip(bomb, { maxEntryBytes: 1_000_000 })).toEqual({ entries: [], tooBig: ['a', 'b'] });
  });

  it('never unpacks an entry past the size it declares', () => {
    const zip = zipOf([['a', Buffer.alloc(1_000_000, 7)]]);
    // Patch the central directory's uncompressed size (offset 24 of the entry) down to 1,000 bytes.
    const central = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    zip.writeUInt32LE(1000, central + 24);
    const read = readZip(zip);
    expect(read.entries[0]?.bytes.length ?? 1000).toBeLessThanOrEqual(1000);
  });

  it('skips Telegram Desktop’s caches and macOS resource forks unread', () => {
    const { entries } = readZip(zipOf([['tdata/user_data/cache/0/x', Buffer.alloc(10)], ['__MACOSX/._a', Buffer.alloc(1)], ['tdata/key_datas', Buffer.alloc(1)]]));
    expect(entries.map((e) => e.name)).toEqual(['tdata/key_datas']);
  });

  it('throws nothing but SessionReadError on random or damaged bytes', () => {
    const good = zipOf([['a.session', Buffer.alloc(300, 1)]]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 }), (bytes, at, value) => {
        const damaged = Buffer.from(good);
        damaged[at] = value;
        for (const input of [Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.from(bytes)]), damaged]) {
          try {
            readZip(input);
          } catch (error) {
            expect(error).toBeInstanceOf(SessionReadError);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
