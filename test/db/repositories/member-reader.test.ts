import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDatabase } from '../../../src/db/client.js';
import {
  createMembersRepository,
  isActiveWithin,
  type LastSeenStatus,
  type MemberFilter,
  type MemberInput,
  type MemberRole,
} from '../../../src/db/repositories/members.js';

const DAY = 86_400_000;
const NOW = 1_800_000_000_000;
const CHATS = [1, 2, 3] as const;

type Status = LastSeenStatus | 'unknown';

/** One generated user and where they are a member. */
interface Person {
  readonly status: Status;
  /** With `offline`: how long before NOW they were last online (ms). */
  readonly offlineFor: number;
  readonly bot: boolean;
  readonly username: boolean;
  readonly premium: boolean;
  /** Role in each chat they are in; absent when not a member there. */
  readonly roles: Partial<Record<(typeof CHATS)[number], MemberRole | 'none'>>;
}

const statusArb = fc.constantFrom<Status>('online', 'offline', 'recently', 'last_week', 'last_month', 'long_ago', 'unknown');
const roleArb = fc.constantFrom<MemberRole | 'none'>('creator', 'admin', 'member', 'banned', 'left', 'none');
const personArb: fc.Arbitrary<Person> = fc.record({
  status: statusArb,
  // Around the day boundaries that matter, and exactly on them.
  offlineFor: fc.oneof(fc.integer({ min: 0, max: 40 * DAY }), fc.constantFrom(1, 2, 3, 7, 29, 30, 31).map((d) => d * DAY)),
  bot: fc.boolean(),
  username: fc.boolean(),
  premium: fc.boolean(),
  roles: fc.record({ 1: roleArb, 2: roleArb, 3: roleArb }, { requiredKeys: [] }),
});
const filterArb: fc.Arbitrary<MemberFilter> = fc.record(
  {
    activeDays: fc.oneof(fc.constantFrom(1, 2, 3, 6, 7, 8, 29, 30, 31), fc.integer({ min: 1, max: 3650 })),
    noBots: fc.constant(true),
    withUsername: fc.constant(true),
    premium: fc.constant(true),
    admins: fc.constant(true),
  },
  { requiredKeys: [] },
);

/** README's `--active Nd` (Member data and export), written out again from its words: the oracle the SQL is held to. */
function activeOracle(p: Person, days: number): boolean {
  switch (p.status) {
    case 'online':
      return true;
    case 'offline':
      return NOW - p.offlineFor >= NOW - days * DAY;
    case 'recently':
      return days >= 3;
    case 'last_week':
      return days >= 7;
    case 'last_month':
      return days >= 30;
    default:
      return false;
  }
}

function passes(p: Person, chat: number, filter: MemberFilter): boolean {
  const role = p.roles[chat as 1 | 2 | 3];
  if (filter.activeDays !== undefined && !activeOracle(p, filter.activeDays)) return false;
  if (filter.noBots && p.bot) return false;
  if (filter.withUsername && !p.username) return false;
  if (filter.premium && !p.premium) return false;
  if (filter.admins && role !== 'creator' && role !== 'admin') return false;
  return true;
}

function input(p: Person, i: number, chat: number): MemberInput {
  const role = p.roles[chat as 1 | 2 | 3];
  return {
    id: 1000 + i,
    username: p.username ? `u${i}` : null,
    firstName: `F${i}`,
    isBot: p.bot,
    isPremium: p.premium,
    ...(p.status === 'unknown' ? {} : { lastSeen: { status: p.status, wasOnlineAt: p.status === 'offline' ? NOW - p.offlineFor : p.status === 'online' ? NOW - 60_000 : null } }),
    ...(role === undefined || role === 'none' ? {} : { role, joinedAt: role === 'creator' ? null : NOW - 10 * DAY }),
  };
}

describe('Member filters and --common in SQL', () => {
  it('keep exactly the members the README rules keep, counted as iterated, across pages', () => {
    fc.assert(
      fc.property(
        fc.array(personArb, { maxLength: 60 }),
        filterArb,
        fc.constantFrom(...CHATS),
        fc.subarray([...CHATS]),
        fc.integer({ min: 1, max: 7 }),
        (people, filter, chat, others, pageSize) => {
          const alsoIn = others.filter((c) => c !== chat);
          const db = createDatabase(':memory:');
          try {
            const members = createMembersRepository(db);
            for (const c of CHATS) {
              members.upsertChat({ id: c, kind: 'supergroup' }, NOW);
              const page = people.flatMap((p, i) => (p.roles[c] === undefined ? [] : [input(p, i, c)]));
              members.storeMembers(c, page, { source: 'participants', now: NOW - DAY });
            }
            const want = people
              .map((p, i) => ({ p, id: 1000 + i }))
              .filter(({ p }) => p.roles[chat] !== undefined && alsoIn.every((c) => p.roles[c] !== undefined) && passes(p, chat, filter))
              .map(({ id }) => id);
            const rows = [...members.iterateMembers(chat, { filter, alsoIn, now: NOW, pageSize })];
            expect(rows.map((r) => r.user_id)).toEqual(want);
            expect(members.countMembers(chat, { filter, alsoIn, now: NOW })).toBe(want.length);
            // The rule in TypeScript says the same as the SQL for every stored member.
            if (filter.activeDays !== undefined) {
              const days = filter.activeDays;
              for (const row of members.iterateMembers(chat, { now: NOW })) {
                const person = people[row.user_id - 1000] as Person;
                expect(isActiveWithin(row, days, NOW)).toBe(activeOracle(person, days));
              }
            }
          } finally {
            db.close();
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('keeps the first chat’s member columns with --common', () => {
    const db = createDatabase(':memory:');
    try {
      const members = createMembersRepository(db);
      members.upsertChat({ id: 1, kind: 'supergroup' }, NOW);
      members.upsertChat({ id: 2, kind: 'supergroup' }, NOW);
      members.storeMembers(1, [{ id: 5, role: 'admin', joinedAt: NOW - DAY }], { source: 'participants', now: NOW - 2 * DAY });
      members.storeMembers(2, [{ id: 5 }], { source: 'messages', now: NOW });
      const [inOne] = [...members.iterateMembers(1, { alsoIn: [2] })];
      const [inTwo] = [...members.iterateMembers(2, { alsoIn: [1] })];
      expect(inOne).toMatchObject({ user_id: 5, source: 'participants', role: 'admin', joined_at: NOW - DAY, first_seen_at: NOW - 2 * DAY });
      expect(inTwo).toMatchObject({ user_id: 5, source: 'messages', role: null, joined_at: null, first_seen_at: NOW });
    } finally {
      db.close();
    }
  });
});
