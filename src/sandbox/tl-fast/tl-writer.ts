/**
 * A growable buffer that TL values are written into, little-endian, as
 * https://core.telegram.org/mtproto/serialize describes them. Every method writes exactly what GramJS's
 * generic `getBytes()` writes for the same value (GramJS tl/api.js `argToBytes`, tl/generationHelpers.js
 * `serializeBytes`), so hand-written object writers built on it stay byte-identical to GramJS.
 */

const VECTOR = 0x1cb5c415;
const BOOL_TRUE = 0x997275b5;
const BOOL_FALSE = 0xbc799737;
/** A TL string/bytes of this many bytes or more takes the 4-byte length prefix. */
const LONG_PREFIX_FROM = 254;
const TWO_32 = 2 ** 32;

/** A TL `long` as the fast writers take it: a bigint, or a number that is a safe integer. */
export type TlLong = bigint | number;

export class TlWriter {
  private buf: Buffer;
  private pos = 0;

  /** `initialBytes` is a size hint: a good guess saves the copies of growing. */
  constructor(initialBytes = 1024) {
    this.buf = Buffer.allocUnsafe(Math.max(16, initialBytes));
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos;
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** A TL `int`. Out-of-range values throw, as GramJS's `writeInt32LE` does. */
  int(value: number): void {
    this.reserve(4);
    this.buf.writeInt32LE(value, this.pos);
    this.pos += 4;
  }

  /** An unsigned 32-bit word: a constructor id or a flags field. */
  uint(value: number): void {
    this.reserve(4);
    this.buf.writeUInt32LE(value >>> 0, this.pos);
    this.pos += 4;
  }

  /**
   * A TL `long`, from a bigint or a safe integer (ids are; the sandbox's stay below 2^53). GramJS writes the
   * low 64 bits of the two's complement of any integer (Helpers.js `toSignedLittleBuffer`); `asIntN` gives
   * the same bits for bigints past the signed range. Numbers are written as two 32-bit halves, without
   * the BigInt allocations that dominate a page's writing otherwise.
   */
  long(value: TlLong): void {
    this.reserve(8);
    if (typeof value === 'number' && Number.isSafeInteger(value)) {
      const high = Math.floor(value / TWO_32);
      this.buf.writeUInt32LE(value - high * TWO_32, this.pos);
      this.buf.writeInt32LE(high, this.pos + 4);
    } else {
      this.buf.writeBigInt64LE(BigInt.asIntN(64, BigInt(value)), this.pos);
    }
    this.pos += 8;
  }

  bool(value: boolean): void {
    this.uint(value ? BOOL_TRUE : BOOL_FALSE);
  }

  /** The header of a boxed `Vector<T>`: its constructor id and `count`; the elements follow. */
  vector(count: number): void {
    this.uint(VECTOR);
    this.int(count);
  }

  /** A TL `string`: its UTF-8 bytes (lone surrogates become U+FFFD, as with `Buffer.from`). */
  string(value: string): void {
    // Room for the worst case (3 UTF-8 bytes per UTF-16 unit, 4-byte prefix, 3 padding bytes), so the
    // text is encoded once, straight into place, behind a 1-byte prefix.
    this.reserve(value.length * 3 + 7);
    const start = this.pos;
    const n = value.length < LONG_PREFIX_FROM ? this.writeAscii(value, start + 1) : this.buf.write(value, start + 1, 'utf8');
    if (n < LONG_PREFIX_FROM) {
      this.buf[start] = n;
      this.pos = start + 1 + n;
    } else {
      this.buf.copyWithin(start + 4, start + 1, start + 1 + n);
      this.writeLongPrefix(start, n);
      this.pos = start + 4 + n;
    }
    this.pad(start);
  }

  /** A TL `bytes`. */
  bytes(value: Uint8Array): void {
    const n = value.length;
    this.reserve(n + 7);
    const start = this.pos;
    if (n < LONG_PREFIX_FROM) {
      this.buf[this.pos] = n;
      this.pos += 1;
    } else {
      this.writeLongPrefix(this.pos, n);
      this.pos += 4;
    }
    this.buf.set(value, this.pos);
    this.pos += n;
    this.pad(start);
  }

  /** Raw bytes, e.g. an object another serialiser wrote. */
  raw(value: Uint8Array): void {
    this.reserve(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  /** What was written. The view shares memory with the writer: write nothing more once it is taken. */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /**
   * Short ASCII text byte by byte: cheaper than a call into `Buffer#write` for the names and usernames a
   * page is made of. Falls back to `Buffer#write` at the first non-ASCII character. Returns the byte count.
   */
  private writeAscii(value: string, at: number): number {
    const buf = this.buf;
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c >= 0x80) return buf.write(value, at, 'utf8');
      buf[at + i] = c;
    }
    return value.length;
  }

  private writeLongPrefix(at: number, n: number): void {
    // GramJS keeps the low 24 bits of the length, byte by byte.
    this.buf[at] = LONG_PREFIX_FROM;
    this.buf[at + 1] = n & 0xff;
    this.buf[at + 2] = (n >> 8) & 0xff;
    this.buf[at + 3] = (n >> 16) & 0xff;
  }

  /** Zeros until the prefix and the data since `start` together fill a multiple of 4 bytes. */
  private pad(start: number): void {
    while ((this.pos - start) % 4 !== 0) this.buf[this.pos++] = 0;
  }
}
