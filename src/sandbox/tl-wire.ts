import { extensions } from 'telegram';

/**
 * The TL wire format both ways, so every request and answer of the sandbox crosses a real
 * serialisation round trip, as it would over MTProto.
 */

const BOOL_TRUE = 0x997275b5;
const BOOL_FALSE = 0xbc799737;
const VECTOR = 0x1cb5c415;

function uint32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value >>> 0, 0);
  return b;
}

function hasGetBytes(value: unknown): value is { getBytes(): Buffer } {
  return typeof value === 'object' && value !== null && typeof (value as { getBytes?: unknown }).getBytes === 'function';
}

/** Serialises a method result: a TL object, a Bool, or a vector of TL objects. */
export function encodeResult(value: unknown): Buffer {
  if (value === true) return uint32(BOOL_TRUE);
  if (value === false) return uint32(BOOL_FALSE);
  if (Array.isArray(value)) return Buffer.concat([uint32(VECTOR), uint32(value.length), ...value.map(encodeResult)]);
  if (hasGetBytes(value)) return value.getBytes();
  throw new TypeError(`cannot serialise a ${typeof value} as a TL result`);
}

/** Serialises a TL object and reads it back as a fresh object. */
export function roundTrip<T>(value: { getBytes(): Buffer }): T {
  return new extensions.BinaryReader(value.getBytes()).tgReadObject() as T;
}

/** Reads a method result the way GramJS's MTProtoSender does: `request.readResult(reader)`. */
export function readResult(request: object, bytes: Buffer): unknown {
  const reader = new extensions.BinaryReader(bytes);
  return (request as { readResult(r: typeof reader): unknown }).readResult(reader);
}
