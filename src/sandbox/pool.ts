/** The global user pool (docs/sandbox.md, The user pool): every user is computed from its number, nothing is stored. */

/** User n has the Telegram id POOL_ID_BASE + n. */
export const POOL_ID_BASE = 10_000_000;

export interface PoolUser {
  readonly n: number;
  readonly id: number;
  /** `user<n>`, or undefined when n is a multiple of 10. */
  readonly username: string | undefined;
  readonly firstName: string;
  readonly lastName: string;
  readonly bot: boolean;
  readonly premium: boolean;
}

export function poolUser(n: number): PoolUser {
  return {
    n,
    id: POOL_ID_BASE + n,
    username: n % 10 === 0 ? undefined : `user${n}`,
    firstName: `First${n}`,
    lastName: `Last${n}`,
    bot: n % 50 === 0,
    premium: n % 7 === 0,
  };
}

/** The pool number behind a `user<n>` username, or undefined. */
export function poolNumberOfUsername(username: string, maxN: number): number | undefined {
  const m = /^user([1-9]\d*)$/i.exec(username);
  if (!m?.[1]) return undefined;
  const n = Number(m[1]);
  return n <= maxN && n % 10 !== 0 ? n : undefined;
}
