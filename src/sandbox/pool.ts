/** The global user pool (docs/sandbox.md, The user pool): every user is computed from its number, nothing is stored. */

/** User n has the Telegram id POOL_ID_BASE + n. */
export const POOL_ID_BASE = 10_000_000;

/**
 * When user n was last seen, as a description: the TL status it stands for depends on the world's clock
 * when it is served (last-seen.ts turns it into one).
 */
export type PoolLastSeen =
  | { readonly kind: 'online' }
  /** Last online this many seconds before the sandbox started. */
  | { readonly kind: 'offline'; readonly secondsBeforeStart: number }
  | { readonly kind: 'recently' | 'lastWeek' | 'lastMonth' }
  /** Telegram gives no status at all: see last-seen.ts. */
  | { readonly kind: 'longAgo' };

export interface PoolUser {
  readonly n: number;
  readonly id: number;
  /** `user<n>`, or undefined when n is a multiple of 10. */
  readonly username: string | undefined;
  readonly firstName: string;
  readonly lastName: string;
  readonly bot: boolean;
  readonly premium: boolean;
  readonly lastSeen: PoolLastSeen;
  /** Digits only, as Telegram sends `user.phone`: `999` and n in 8 digits when n is a multiple of 13. */
  readonly phone: string | undefined;
  /** Additions of ours, so that a recorder of these flags can be tested: multiples of 1000, 997, 991. */
  readonly verified: boolean;
  readonly scam: boolean;
  readonly fake: boolean;
}

const ONLINE: PoolLastSeen = { kind: 'online' };
const RECENTLY: PoolLastSeen = { kind: 'recently' };
const LAST_WEEK: PoolLastSeen = { kind: 'lastWeek' };
const LAST_MONTH: PoolLastSeen = { kind: 'lastMonth' };
const LONG_AGO: PoolLastSeen = { kind: 'longAgo' };

function lastSeenOf(n: number): PoolLastSeen {
  switch (n % 6) {
    case 0:
      return ONLINE;
    case 1:
      return { kind: 'offline', secondsBeforeStart: (n % 30) * 86_400 + (n % 24) * 3_600 };
    case 2:
      return RECENTLY;
    case 3:
      return LAST_WEEK;
    case 4:
      return LAST_MONTH;
    default:
      return LONG_AGO;
  }
}

/** The class goes by n mod 6 and an offline time by n mod 30 and n mod 24: all by n mod 120, worked out once. */
const LAST_SEEN_BY_RESIDUE: readonly PoolLastSeen[] = Array.from({ length: 120 }, (_, r) => lastSeenOf(r));

/** User n's last-seen class, by n mod 6 (docs/sandbox.md, The user pool); a listing allocates nothing for it. */
export function poolLastSeen(n: number): PoolLastSeen {
  return LAST_SEEN_BY_RESIDUE[n % 120] ?? lastSeenOf(n);
}

/** The phone number others see for user n, or undefined: only multiples of 13 show one. */
export function poolPhone(n: number): string | undefined {
  return n % 13 === 0 ? `999${String(n).padStart(8, '0')}` : undefined;
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
    lastSeen: poolLastSeen(n),
    phone: poolPhone(n),
    verified: n % 1000 === 0,
    scam: n % 997 === 0,
    fake: n % 991 === 0,
  };
}

/** The pool number behind a `user<n>` username, or undefined. */
export function poolNumberOfUsername(username: string, maxN: number): number | undefined {
  const m = /^user([1-9]\d*)$/i.exec(username);
  if (!m?.[1]) return undefined;
  const n = Number(m[1]);
  return n <= maxN && n % 10 !== 0 ? n : undefined;
}
