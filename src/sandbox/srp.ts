import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Api, password as gramPassword } from 'telegram';
import { toLong } from './tl-long.js';

/**
 * The server side of Telegram's SRP-2048 2FA check
 * (PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow). The client computes its proof
 * with GramJS's real `computeCheck`; here the proof is verified, so a wrong password really fails.
 */

/** Telegram's 2048-bit safe prime (the only one GramJS accepts). */
const PRIME_HEX =
  'c71caeb9c6b1c9048e6c522f70f13f73980d40238e3e21c14934d037563d930f' +
  '48198a0aa7c14058229493d22530f4dbfa336f6e0ac925139543aed44cce7c37' +
  '20fd51f69458705ac68cd4fe6b6b13abdc9746512969328454f18faf8c595f64' +
  '2477fe96bb2a941d5bcd1d4ac8cc49880708fa9b378e3c4f3a9060bee67cf9a4' +
  'a4a695811051907e162753b56b0f6b410dba74d8a84b2a14b3144e0ef1284754' +
  'fd17ed950d5965b4b9dd46582db1178d169c6bc465b0d6ff9ca3928fef5b9ae4' +
  'e418fc15e83ebea0f87fa9ff5eed70050ded2849f47bf959d956850ce929851f' +
  '0d8115f635b105ee2e4e15d04b2454bf6f4fadf034b10403119cd8e3b92fcc5b';
const P_BYTES = Buffer.from(PRIME_HEX, 'hex');
const P = BigInt(`0x${PRIME_HEX}`);
const G = 3n;
const SIZE = 256;

function toBig(bytes: Buffer): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${bytes.toString('hex')}`);
}

function toBytes(value: bigint): Buffer {
  const hex = value.toString(16).padStart(SIZE * 2, '0');
  return Buffer.from(hex, 'hex');
}

function sha256(...parts: Buffer[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

/** Both g^b and p - g^b must be long numbers, or GramJS refuses the challenge ("bad gB"). */
function isGoodModExp(value: bigint): boolean {
  const bits = (v: bigint): number => (v <= 0n ? 0 : v.toString(2).length);
  return value > 0n && value < P && bits(value) >= 2048 - 64 && bits(P - value) >= 2048 - 64;
}

/** What the server keeps for an account's password: the algorithm (with salts) and the verifier v = g^x. */
export interface SrpVerifier {
  readonly algo: Api.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow;
  readonly v: bigint;
}

/** One account.GetPassword answer: the server's ephemeral secret b and public B. */
export interface SrpChallenge {
  readonly srpId: bigint;
  readonly b: bigint;
  readonly B: Buffer;
}

/** Derives the verifier of a password; salts are derived from `seed` so a world is deterministic. */
export async function createSrpVerifier(password: string, seed: string): Promise<SrpVerifier> {
  const salt1 = sha256(Buffer.from(`salt1|${seed}`)).subarray(0, 8);
  const salt2 = sha256(Buffer.from(`salt2|${seed}`)).subarray(0, 16);
  const algo = new Api.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow({
    salt1: Buffer.from(salt1),
    salt2: Buffer.from(salt2),
    g: Number(G),
    p: Buffer.from(P_BYTES),
  });
  // GramJS's own derivation of g^x (SHA256, PBKDF2-SHA512 100000 rounds): same code path as the client.
  const vBytes = await gramPassword.computeDigest(algo, password);
  return { algo, v: toBig(Buffer.from(vBytes)) };
}

const K = toBig(sha256(P_BYTES, toBytes(G)));

export function createSrpChallenge(verifier: SrpVerifier): SrpChallenge {
  for (;;) {
    const b = toBig(randomBytes(SIZE));
    const gb = modPow(G, b, P);
    if (!isGoodModExp(gb)) continue;
    const B = (K * verifier.v + gb) % P;
    if (B <= 0n) continue;
    const srpId = BigInt.asIntN(64, toBig(randomBytes(8)));
    return { srpId, b, B: toBytes(B) };
  }
}

/** The account.Password answer for an account with 2FA. */
export function passwordInfo(verifier: SrpVerifier, challenge: SrpChallenge, hint?: string): Api.account.Password {
  return new Api.account.Password({
    hasPassword: true,
    currentAlgo: verifier.algo,
    srp_B: challenge.B,
    srpId: toLong(challenge.srpId),
    hint,
    newAlgo: verifier.algo,
    newSecureAlgo: new Api.SecurePasswordKdfAlgoSHA512({ salt: randomBytes(8) }),
    secureRandom: randomBytes(32),
  });
}

/** Checks the client's proof M1 for the challenge. */
export function verifySrp(verifier: SrpVerifier, challenge: SrpChallenge, A: Buffer, M1: Buffer): boolean {
  const a = toBig(A);
  if (a <= 0n || a >= P || M1.length !== 32) return false;
  const aBytes = toBytes(a);
  const u = toBig(sha256(aBytes, challenge.B));
  if (u === 0n) return false;
  const S = modPow((a * modPow(verifier.v, u, P)) % P, challenge.b, P);
  const sessionKey = sha256(toBytes(S));
  const pHash = sha256(P_BYTES);
  const gHash = sha256(toBytes(G));
  const xored = Buffer.alloc(32);
  for (let i = 0; i < 32; i++) xored[i] = (pHash[i] ?? 0) ^ (gHash[i] ?? 0);
  const expected = sha256(
    xored,
    sha256(verifier.algo.salt1),
    sha256(verifier.algo.salt2),
    aBytes,
    challenge.B,
    sessionKey,
  );
  return timingSafeEqual(expected, M1);
}
