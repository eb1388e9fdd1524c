import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileNameQuery } from '../../src/sandbox/name-search.js';
import { poolUser } from '../../src/sandbox/pool.js';

/** An independent, slow reference: every query word starts a word of a name. */
function reference(q: string, n: number): boolean {
  const u = poolUser(n);
  const fields = [u.firstName, u.lastName, u.username].filter((f): f is string => f !== undefined).map((f) => f.toLowerCase());
  return q
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => fields.some((f) => f.startsWith(w)));
}

const word = fc.oneof(
  fc.constantFrom('u', 'us', 'user', 'f', 'First', 'LAST', 'l', 'x', 'user0', 'first0'),
  fc.tuple(fc.constantFrom('user', 'first', 'last', 'First', 'Last'), fc.integer({ min: 1, max: 3000 })).map(([p, d]) => `${p}${d}`),
);
const query = fc.array(word, { minLength: 1, maxLength: 3 }).map((ws) => ws.join(' '));

describe('compileNameQuery', () => {
  it('finds exactly the pool users whose names match, in ascending order', () => {
    fc.assert(
      fc.property(query, fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 0, max: 1500 }), (q, lo, span) => {
        const hi = lo + span;
        const compiled = compileNameQuery(q);
        const found = [...compiled.poolCandidates(lo, hi)].filter((n) => compiled.matchesPool(n));
        const expected: number[] = [];
        for (let n = lo; n <= hi; n++) if (reference(q, n)) expected.push(n);
        expect(found).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('computes candidates from the digits instead of scanning the range', () => {
    const q = compileNameQuery('First12');
    const candidates = [...q.poolCandidates(1, 200_000)];
    expect(candidates.length).toBe(1 + 10 + 100 + 1000 + 10_000);
    expect(candidates.slice(0, 4)).toEqual([12, 120, 121, 122]);
  });

  it('matches usernames only where users have one', () => {
    const q = compileNameQuery('user2');
    expect(q.matchesPool(21)).toBe(true);
    expect(q.matchesPool(20)).toBe(false);
  });

  it('matches sandbox accounts by their names', () => {
    const q = compileNameQuery('ops al');
    expect(q.matchesNames('Ops', 'Alpha', undefined)).toBe(true);
    expect(q.matchesNames('Ops', 'Bravo', undefined)).toBe(false);
  });

  it('treats an empty query as a plain listing', () => {
    expect(compileNameQuery('  ').words).toEqual([]);
  });
});
