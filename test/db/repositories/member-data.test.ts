import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createMembersRepository,
  isActiveWithin,
  LAST_SEEN_STATUSES,
  type LastSeen,
  type MemberExportRow,
  type MemberInput,
  type MemberRole,
} from '../../../src/db/repositories/members.js';
import { accounts } from '../../../src/db/schema.js';
import { useMemoryDatabase } from '../helpers.js';

const openDatabase = useMemoryDatabase();
const DAY = 86_400_000;

/** A full user object's worth of fields, as a participants page gives them. */
const full = (n: number, extra: Partial<MemberInput> = {}): MemberInput => ({
  id: 10_000_000 + n,
  username: `user${n}`,
  firstName: `First${n}`,
  lastName: `Last${n}`,
  isBot: false,
  isPremium: false,
  isVerified: false,
  isScam: false,
  isFake: false,
  isDeleted: false,
  phone: null,
  langCode: null,
  lastSeen: { status: 'recently' },
  ...extra,
});

function setup() {
  const db = openDatabase();
  const members = createMembersRepository(db);
  members.upsertChat({ id: 1001, kind: 'supergroup', title: 'Big chat' });
  members.upsertChat({ id: 2002, kind: 'supergroup', title: 'Other chat' });
  return { db, members };
}

const only = (members: ReturnType<typeof setup>['members'], chatId = 1001): MemberExportRow => {
  const [row, ...rest] = [...members.iterateMembers(chatId)];
  expect(rest).toEqual([]);
  return row as MemberExportRow;
};

describe('MembersRepository member data', () => {
  it('records last seen, phone, flags, language, role and join date', () => {
    const { members } = setup();
    members.storeMembers(
      1001,
      [full(13, { phone: '99900000013', isVerified: true, isScam: true, langCode: 'en', lastSeen: { status: 'offline', wasOnlineAt: 5_000 }, role: 'admin', joinedAt: 3_000 })],
      { source: 'participants', now: 10_000 },
    );
    expect(only(members)).toMatchObject({
      phone: '99900000013',
      status: 'offline',
      was_online_at: 5_000,
      role: 'admin',
      joined_at: 3_000,
      is_verified: true,
      is_scam: true,
      is_fake: false,
      lang_code: 'en',
    });
  });

  it('takes the newest status, keeps a phone a later look does not show, and keeps role when authors are read', () => {
    const { members } = setup();
    members.storeMembers(1001, [full(1, { phone: '123', lastSeen: { status: 'online', wasOnlineAt: 1_000 }, role: 'member', joinedAt: 500 })], {
      source: 'participants',
      now: 1_000,
    });
    members.storeMembers(1001, [full(1, { lastSeen: { status: 'last_week' } })], { source: 'messages', now: 2_000 });
    expect(only(members)).toMatchObject({ phone: '123', status: 'last_week', was_online_at: null, role: 'member', joined_at: 500, source: 'participants' });
    // A page read before the last one (another scrape running alongside) does not turn the status back.
    members.storeMembers(1001, [full(1, { lastSeen: { status: 'online', wasOnlineAt: 1_500 } })], { source: 'participants', now: 1_500 });
    expect(only(members).status).toBe('last_week');
  });

  it('lets a partial user (a min user) leave unknown fields alone', () => {
    const { members } = setup();
    members.storeMembers(1001, [full(2, { lastSeen: { status: 'online', wasOnlineAt: 1 } })], { source: 'participants', now: 1 });
    members.storeMembers(1001, [{ id: 10_000_002, firstName: 'First2', isBot: false }], { source: 'messages', now: 2 });
    expect(only(members)).toMatchObject({ username: 'user2', status: 'online', was_online_at: 1, last_seen_at: 2 });
  });

  it('updates the role and join date a later member list gives', () => {
    const { members } = setup();
    members.storeMembers(1001, [full(3, { role: 'member', joinedAt: 100 })], { source: 'participants', now: 1 });
    members.storeMembers(1001, [full(3, { role: 'admin', joinedAt: 200 })], { source: 'participants', now: 2 });
    expect(only(members)).toMatchObject({ role: 'admin', joined_at: 200 });
    members.storeMembers(1001, [full(3, { role: 'creator', joinedAt: null })], { source: 'participants', now: 3 });
    expect(only(members)).toMatchObject({ role: 'creator', joined_at: null });
  });

  it('keeps the first way a member was found, except that a member list replaces message authors', () => {
    const { members } = setup();
    members.storeMembers(1001, [full(1)], { source: 'messages', now: 1 });
    members.storeMembers(1001, [full(2)], { source: 'participants', via: 'search', now: 1 });
    members.storeMembers(1001, [full(1), full(2)], { source: 'participants', via: 'list', now: 2 });
    members.storeMembers(1001, [full(3)], { source: 'participants', now: 2 });
    members.storeMembers(1001, [full(3)], { source: 'participants', via: 'search', now: 3 });
    expect(members.memberStats(1001).byVia).toEqual({ list: 2, search: 1, messages: 0 });
  });

  it('stores each account its own access hash for a user', () => {
    const { db, members } = setup();
    const [a, b] = db.orm
      .insert(accounts)
      .values([{ phone: '+15550000001' }, { phone: '+15550000002' }])
      .returning()
      .all()
      .map((row) => row.id) as [number, number];
    members.storeMembers(1001, [full(1, { accessHash: '-9223372036854775808' })], { source: 'participants', accountId: a, now: 1 });
    members.storeMembers(1001, [full(1, { accessHash: '9223372036854775807' })], { source: 'participants', accountId: b, now: 2 });
    expect(members.accessHashOf(a, 10_000_001)).toBe('-9223372036854775808');
    expect(members.accessHashOf(b, 10_000_001)).toBe('9223372036854775807');
    members.storeMembers(1001, [full(1, { accessHash: '42' })], { source: 'participants', accountId: a, now: 3 });
    expect(members.accessHashOf(a, 10_000_001)).toBe('42');
    expect(members.accessHashOf(a, 10_000_002)).toBeUndefined();
  });

  it('gives rows stored before member data the unknown status and keeps them exportable', () => {
    const { members } = setup();
    members.storeMembers(1001, [{ id: 7, username: 'old' }], { source: 'participants', now: 1 });
    expect(only(members)).toMatchObject({ user_id: 7, status: 'unknown', role: null, phone: null, is_scam: false });
    expect(members.memberStats(1001).byStatus.unknown).toBe(1);
  });

  it('counts the stats of a chat', () => {
    const { members } = setup();
    const statuses: LastSeen[] = [
      { status: 'online', wasOnlineAt: 1 },
      { status: 'offline', wasOnlineAt: 1 },
      { status: 'recently' },
      { status: 'last_week' },
      { status: 'last_month' },
      { status: 'long_ago' },
    ];
    members.storeMembers(
      1001,
      statuses.map((lastSeen, i) => full(i + 1, { lastSeen, username: i % 2 === 0 ? `u${i}` : null, isBot: i === 0, isPremium: i < 3, phone: i === 5 ? '1' : null, isFake: i === 4, role: i === 0 ? 'creator' : 'member' })),
      { source: 'participants', now: 2 },
    );
    members.storeMembers(1001, [{ id: 99, firstName: 'X' }], { source: 'messages', now: 2 });
    expect(members.memberStats(1001)).toEqual({
      total: 7,
      byStatus: { online: 1, offline: 1, recently: 1, last_week: 1, last_month: 1, long_ago: 1, unknown: 1 },
      withUsername: 3,
      withPhone: 1,
      premium: 3,
      bots: 1,
      admins: 1,
      scamOrFake: 1,
      byVia: { list: 6, search: 0, messages: 1 },
    });
    expect(members.memberStats(2002).total).toBe(0);
  });

  describe('filters', () => {
    const member = fc.record({
      status: fc.constantFrom(...LAST_SEEN_STATUSES, undefined),
      offlineDaysAgo: fc.integer({ min: 0, max: 60 }),
      bot: fc.boolean(),
      premium: fc.boolean(),
      username: fc.boolean(),
      role: fc.constantFrom<MemberRole | undefined>('creator', 'admin', 'member', 'banned', 'left', undefined),
      inOther: fc.boolean(),
    });

    it('keeps exactly the members each filter and --common select, as computed one by one', () => {
      const now = 100 * DAY;
      fc.assert(
        fc.property(
          fc.array(member, { maxLength: 40 }),
          fc.record({
            activeDays: fc.option(fc.integer({ min: 1, max: 45 }), { nil: undefined }),
            noBots: fc.boolean(),
            withUsername: fc.boolean(),
            premium: fc.boolean(),
            admins: fc.boolean(),
          }),
          fc.boolean(),
          (list, filter, common) => {
            const { members } = setup();
            const inputs = list.map((m, i): MemberInput => ({
              ...full(i + 1, { isBot: m.bot, isPremium: m.premium, username: m.username ? `user${i + 1}` : null }),
              ...(m.status === undefined
                ? { lastSeen: undefined }
                : { lastSeen: { status: m.status, wasOnlineAt: m.status === 'offline' ? now - m.offlineDaysAgo * DAY - 1 : m.status === 'online' ? now : null } }),
              ...(m.role ? { role: m.role, joinedAt: 1 } : {}),
            }));
            const stored = inputs.map((u) => (u.lastSeen === undefined ? { id: u.id, username: u.username, isBot: u.isBot, isPremium: u.isPremium, ...(u.role ? { role: u.role } : {}) } : u));
            members.storeMembers(1001, stored, { source: 'participants', now });
            members.storeMembers(2002, stored.filter((_, i) => list[i]?.inOther), { source: 'participants', now });
            const query = { filter, now, ...(common ? { alsoIn: [2002] } : {}) };
            const got = [...members.iterateMembers(1001, { ...query, pageSize: 7 })].map((r) => r.user_id);
            const rows = [...members.iterateMembers(1001)];
            const want = rows
              .filter((r, i) => {
                const m = list[i]!;
                if (filter.activeDays !== undefined && !isActiveWithin(r, filter.activeDays, now)) return false;
                if (filter.noBots && m.bot) return false;
                if (filter.withUsername && !m.username) return false;
                if (filter.premium && !m.premium) return false;
                if (filter.admins && m.role !== 'creator' && m.role !== 'admin') return false;
                if (common && !m.inOther) return false;
                return true;
              })
              .map((r) => r.user_id);
            expect(got).toEqual(want);
            expect(members.countMembers(1001, query)).toBe(want.length);
          },
        ),
        { numRuns: 60 },
      );
    });
  });
});

describe('isActiveWithin', () => {
  const now = 50 * DAY;
  it('does count online always, offline by its time, and the classes by their days', () => {
    const row = (status: MemberExportRow['status'], was_online_at: number | null = null) => ({ status, was_online_at });
    expect(isActiveWithin(row('online', 0), 1, now)).toBe(true);
    expect(isActiveWithin(row('offline', now - 2 * DAY), 2, now)).toBe(true);
    expect(isActiveWithin(row('offline', now - 2 * DAY - 1), 2, now)).toBe(false);
    expect(isActiveWithin(row('offline'), 30, now)).toBe(false);
    expect([2, 3].map((d) => isActiveWithin(row('recently'), d, now))).toEqual([false, true]);
    expect([6, 7].map((d) => isActiveWithin(row('last_week'), d, now))).toEqual([false, true]);
    expect([29, 30].map((d) => isActiveWithin(row('last_month'), d, now))).toEqual([false, true]);
    expect(isActiveWithin(row('long_ago'), 3650, now)).toBe(false);
    expect(isActiveWithin(row('unknown'), 3650, now)).toBe(false);
  });
});
