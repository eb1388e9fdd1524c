/**
 * Access hashes as Telegram hands them out: a 64-bit value per (viewing account, peer), so a hash one
 * account learned is useless to another, exactly as in production.
 */

export type PeerKind = 'user' | 'channel';

const MASK = (1n << 64n) - 1n;

/** splitmix64: cheap, well mixed, deterministic. */
function mix(x: bigint): bigint {
  let z = (x + 0x9e3779b97f4a7c15n) & MASK;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK;
  return z ^ (z >> 31n);
}

/** The signed 64-bit access hash of `peerId` as seen by the account with user id `viewerId`. */
export function accessHash(viewerId: number, kind: PeerKind, peerId: number): bigint {
  const seed = (BigInt(viewerId) << 1n) ^ (kind === 'user' ? 0x5ca1ab1en : 0xc0ffee11n);
  const h = mix(mix(seed & MASK) ^ BigInt(peerId));
  // Never 0: GramJS uses 0 to mean "no hash known".
  return BigInt.asIntN(64, h === 0n ? 1n : h);
}
