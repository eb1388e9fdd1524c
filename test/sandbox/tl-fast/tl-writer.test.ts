import fc from 'fast-check';
import bigInt from 'big-integer';
import { toSignedLittleBuffer } from 'telegram/Helpers.js';
import { serializeBytes } from 'telegram/tl/generationHelpers.js';
import { describe, expect, it } from 'vitest';
import { TlWriter } from '../../../src/sandbox/tl-fast/tl-writer.js';
import { anyLong, anyText } from './gramjs.js';

const written = (write: (w: TlWriter) => void, initialBytes?: number): string => {
  const w = new TlWriter(initialBytes);
  write(w);
  return w.finish().toString('hex');
};

describe('TlWriter', () => {
  it('writes strings as GramJS serialises them: length prefix, UTF-8, padding', () => {
    fc.assert(
      fc.property(anyText(), (text) => {
        expect(written((w) => w.string(text))).toBe(serializeBytes(text).toString('hex'));
      }),
      { numRuns: 300 },
    );
  });

  it('writes bytes as GramJS serialises them', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), (data) => {
        expect(written((w) => w.bytes(data))).toBe(serializeBytes(Buffer.from(data)).toString('hex'));
      }),
    );
  });

  it('writes longs from bigints and numbers as GramJS does', () => {
    fc.assert(
      fc.property(fc.oneof(anyLong, fc.bigInt({ min: -(1n << 70n), max: 1n << 70n })), (value) => {
        expect(written((w) => w.long(value))).toBe(toSignedLittleBuffer(typeof value === 'number' ? bigInt(value) : bigInt(value.toString()), 8).toString('hex'));
      }),
      { numRuns: 500 },
    );
  });

  it('writes ints, words, bools and vector headers little-endian', () => {
    expect(written((w) => w.int(-2))).toBe('feffffff');
    expect(written((w) => w.uint(0x9ab0feaf))).toBe('affeb09a');
    expect(written((w) => w.bool(true))).toBe('b5757299');
    expect(written((w) => w.bool(false))).toBe('379779bc');
    expect(written((w) => w.vector(3))).toBe('15c4b51c03000000');
    expect(() => written((w) => w.int(2 ** 31))).toThrow(RangeError);
  });

  it('grows past its initial size without losing what it wrote', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(anyText(), fc.integer()), { maxLength: 60 }), (items) => {
        const expected = Buffer.concat(
          items.map((x) => {
            if (typeof x === 'string') return serializeBytes(x);
            const b = Buffer.alloc(4);
            b.writeInt32LE(x);
            return b;
          }),
        );
        const actual = written((w) => {
          w.raw(Buffer.alloc(0));
          for (const x of items) if (typeof x === 'string') w.string(x); else w.int(x);
        }, 1);
        expect(actual).toBe(expected.toString('hex'));
      }),
    );
  });
});
