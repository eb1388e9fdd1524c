import { helpers } from 'telegram';

/** GramJS's 64-bit integer type (big-integer), as TL `long` fields hold it. */
export type Long = ReturnType<typeof helpers.returnBigInt>;

export function toLong(value: bigint | number | string): Long {
  // big-integer wraps a native bigint as is; going through a decimal string would be slow.
  return helpers.returnBigInt(value);
}

/** A TL `long` (or a plain number) as a native bigint; undefined stays undefined. */
export function fromLong(value: Long | number | bigint | string | undefined | null): bigint | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(value);
  if (typeof value === 'string') return BigInt(value);
  const inner = (value as { value?: unknown }).value;
  if (typeof inner === 'bigint') return inner;
  if (typeof inner === 'number') return BigInt(inner);
  return BigInt(value.toString());
}

/** A TL `long` id as a JS number (ids in the sandbox stay far below 2^53). */
export function longToNumber(value: Long | number | bigint | string | undefined | null): number {
  const v = fromLong(value);
  return v === undefined ? 0 : Number(v);
}
