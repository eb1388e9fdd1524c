import bigInt from 'big-integer';
import { extensions } from 'telegram';

type ReadLong = (this: extensions.BinaryReader, signed?: boolean) => bigInt.BigInteger;

const prototype = extensions.BinaryReader.prototype as unknown as { readLong: ReadLong };

/** GramJS's own 64-bit reader, kept so tests can hold the fast one to it. */
export const gramJsReadLong: ReadLong = prototype.readLong;

/** The same value as GramJS's reader gives, read natively. */
const fastReadLong: ReadLong = function readLong(this: extensions.BinaryReader, signed = true) {
  const bytes = this.read(8);
  return bigInt(signed ? bytes.readBigInt64LE(0) : bytes.readBigUInt64LE(0));
};

/**
 * GramJS reads every 64-bit integer of an answer (each user's id and access hash, each participant's ids)
 * by turning its bytes into a hex string, parsing that, and printing it in base 2 to find the sign
 * (`readBigIntFromBuffer` in telegram/Helpers.js, called from BinaryReader.readLargeInt). On a 200-member
 * participants page that is most of GramJS's decoding. This swaps in a reader that gives the same
 * big-integer value straight from the bytes (Buffer.readBigInt64LE); test/engine/clients/fast-long-reader.test.ts
 * holds it to GramJS's own reader on random bytes and on whole pages. Idempotent; affects this thread's GramJS.
 */
export function installFastLongReader(): void {
  prototype.readLong = fastReadLong;
}
