/**
 * Member search as Telegram does it: every word of the query must be the start of a word of the
 * user's first name, last name or username (case-insensitive). For pool users the candidates are
 * computed from the digits of the query, so a search never scans a whole 200,000-member range.
 */

interface WordSet {
  /** `none`: no pool user matches; `all`: any may match; `prefix`: n's decimal digits start with `digits`. */
  readonly kind: 'none' | 'all' | 'prefix';
  readonly digits?: string;
}

export interface NameQuery {
  /** Lower-cased words; empty for a plain listing. */
  readonly words: readonly string[];
  /** Whether a user with these names matches. */
  matchesNames(firstName: string, lastName: string | undefined, username: string | undefined): boolean;
  /** Whether pool user n matches. */
  matchesPool(n: number): boolean;
  /** Ascending pool numbers in [lo, hi] that may match (a superset, filter with matchesPool). */
  poolCandidates(lo: number, hi: number): Iterable<number>;
}

const POOL_FIELDS = ['user', 'first', 'last'] as const;

function classify(word: string): WordSet {
  for (const field of POOL_FIELDS) {
    if (field.startsWith(word)) return { kind: 'all' };
    if (word.startsWith(field)) {
      const digits = word.slice(field.length);
      return /^[1-9]\d*$/.test(digits) ? { kind: 'prefix', digits } : { kind: 'none' };
    }
  }
  return { kind: 'none' };
}

function splitWords(text: string | undefined): string[] {
  return text === undefined ? [] : text.toLowerCase().split(/\s+/).filter((w) => w !== '');
}

function* prefixRange(digits: string, lo: number, hi: number): Generator<number> {
  const d = Number(digits);
  for (let scale = 1; d * scale <= hi; scale *= 10) {
    const start = Math.max(lo, d * scale);
    const end = Math.min(hi, (d + 1) * scale - 1);
    for (let n = start; n <= end; n++) yield n;
  }
}

function* fullRange(lo: number, hi: number): Generator<number> {
  for (let n = lo; n <= hi; n++) yield n;
}

export function compileNameQuery(q: string): NameQuery {
  const words = splitWords(q);
  const sets = words.map(classify);
  const impossible = sets.some((s) => s.kind === 'none');
  // The longest digit prefix is the narrowest candidate set.
  let narrowest: string | undefined;
  for (const s of sets) {
    if (s.kind === 'prefix' && s.digits !== undefined && (narrowest === undefined || s.digits.length > narrowest.length)) {
      narrowest = s.digits;
    }
  }

  const matchesNames = (firstName: string, lastName: string | undefined, username: string | undefined): boolean => {
    if (words.length === 0) return true;
    const fields = [...splitWords(firstName), ...splitWords(lastName), ...splitWords(username)];
    return words.every((w) => fields.some((f) => f.startsWith(w)));
  };

  return {
    words,
    matchesNames,
    matchesPool(n) {
      if (impossible) return false;
      return matchesNames(`First${n}`, `Last${n}`, n % 10 === 0 ? undefined : `user${n}`);
    },
    poolCandidates(lo, hi) {
      if (impossible || hi < lo) return [];
      return narrowest === undefined ? fullRange(lo, hi) : prefixRange(narrowest, lo, hi);
    },
  };
}
