import { sql } from 'drizzle-orm';
import { expect, expectTypeOf, it } from 'vitest';
import type { AnyDatabaseHandle } from '../../../src/db/open-database.js';
import { createPortMemberReader } from '../../../src/db/repositories/member-reader-port.js';
import type { ChatRef, MemberQuery, MemberReader } from '../../../src/db/repositories/member-reader.js';
import { createPortMemberStore } from '../../../src/db/repositories/member-store.js';
import {
  createMembersRepository,
  isActiveWithin,
  type ChatInput,
  type LastSeen,
  type MemberExportRow,
  type MemberFilter,
  type MemberInput,
  type MemberRole,
  type MembersRepository,
  type StoreMembersOptions,
} from '../../../src/db/repositories/members.js';
import type { SqlHandle } from '../../../src/db/sql/sql-port.js';
import { describeEachDialect, type OpenDialectDatabase } from '../dialects.js';
import { useMemoryDatabase } from '../helpers.js';

const DAY = 86_400_000;
const NOW = 1_800_000_000_000;
/** Ids past 32 bits, as Telegram's are, with gaps between them. */
const userId = (n: number): number => 7_000_000_000 + n * 3;
const BIG_CHAT = 5_000_000_001;

const chatsToStore: readonly (ChatInput & { at: number })[] = [
  { id: 1001, kind: 'supergroup', username: 'BigChat', title: 'Big chat', inviteHash: 'AbCdEf123', membersCount: 500, membersHidden: false, at: 1 },
  { id: 1002, kind: 'channel', username: 'newsChannel', title: 'News', at: 2 },
  { id: 1003, kind: 'group', title: 'Basic group', inviteHash: 'ZzTop99', membersCount: 70, membersHidden: true, at: 3 },
  { id: 1004, kind: 'supergroup', username: 'EmptyChat', title: null, at: 4 },
  { id: 1005, kind: 'supergroup', username: 'Ünïcode_Chat', title: 'Ünïcode', at: 5 },
  // A username that moved: the newer chat has it now.
  { id: 1006, kind: 'supergroup', username: 'moved', title: 'Old home', at: 6 },
  { id: 1007, kind: 'supergroup', username: 'MOVED', title: 'New home', at: 60 },
  // The same username and time: the id settles it.
  { id: 1008, kind: 'channel', username: 'twin', at: 8 },
  { id: 1009, kind: 'channel', username: 'twin', at: 8 },
  // An invite hash that reads like the id of another chat: a hash comes before an id.
  { id: 1010, kind: 'group', inviteHash: '1001', at: 10 },
  { id: BIG_CHAT, kind: 'supergroup', username: 'far_away', title: 'Far away', at: 11 },
];

const statuses: readonly (LastSeen | undefined)[] = [
  undefined,
  { status: 'online', wasOnlineAt: NOW },
  { status: 'offline', wasOnlineAt: NOW - 2 * DAY },
  { status: 'recently' },
  { status: 'last_week' },
  { status: 'last_month' },
  { status: 'long_ago' },
  { status: 'offline', wasOnlineAt: null },
];
/** Offline times on and around the day boundaries `--active` cares about. */
const offlineAgo = [1, 3, 7, 30, 31].flatMap((days) => [days * DAY - 1, days * DAY, days * DAY + 1]);

function roleOf(n: number): MemberRole {
  if (n === 1) return 'creator';
  if (n % 10 === 2) return 'admin';
  if (n % 29 === 0) return 'banned';
  if (n % 31 === 0) return 'left';
  return 'member';
}

/** User n as a member list gives it: every attribute varies with n. */
function user(n: number): MemberInput {
  let lastSeen = statuses[n % statuses.length];
  if (n % 16 === 2) lastSeen = { status: 'offline', wasOnlineAt: NOW - (offlineAgo[n % offlineAgo.length] ?? 0) };
  return {
    id: userId(n),
    username: n % 9 === 0 ? null : n % 2 === 0 ? `User${n}` : `user${n}`,
    firstName: n % 37 === 0 ? null : `First ${n}`,
    lastName: n % 4 === 0 ? null : `Last, "${n}"`,
    isBot: n % 11 === 0,
    isPremium: n % 5 === 0,
    isVerified: n % 13 === 0,
    isScam: n % 17 === 0,
    isFake: n % 19 === 0,
    isDeleted: n % 23 === 0,
    phone: n % 3 === 0 ? `1555${n}` : null,
    langCode: n % 4 === 1 ? 'en' : n % 4 === 2 ? 'pt-br' : null,
    ...(lastSeen === undefined ? {} : { lastSeen }),
    role: roleOf(n),
    joinedAt: n === 1 ? null : NOW - n * DAY,
  };
}
const users = (from: number, to: number, step = 1): MemberInput[] => {
  const out: MemberInput[] = [];
  for (let n = from; n <= to; n += step) out.push(user(n));
  return out;
};
/** Message authors: no role or join date, some with less known. */
const authors = (from: number, to: number): MemberInput[] =>
  users(from, to).map(({ role: _role, joinedAt: _joined, ...u }) => (u.id % 2 === 0 ? { id: u.id, firstName: u.firstName ?? null, username: u.username ?? null } : u));

const T1 = NOW - 10 * DAY;
const T2 = NOW - 5 * DAY;
const T3 = NOW - DAY;

/** The pages stored, in order: lists, a search past a cap, message authors, in chats that share members. */
const pages: readonly { chatId: number; users: readonly MemberInput[]; options: StoreMembersOptions }[] = [
  { chatId: 1001, users: users(1, 150), options: { source: 'participants', now: T1 } },
  { chatId: 1001, users: users(140, 200), options: { source: 'participants', via: 'search', now: T2 } },
  { chatId: 1001, users: authors(190, 240), options: { source: 'messages', now: T3 } },
  { chatId: 1002, users: users(1, 240, 2), options: { source: 'participants', now: T2 } },
  { chatId: 1003, users: authors(1, 60), options: { source: 'messages', now: T1 } },
  { chatId: 1003, users: users(50, 70), options: { source: 'participants', now: T3 } },
  { chatId: BIG_CHAT, users: users(200, 210), options: { source: 'participants', now: T3 } },
];

async function seed(store: (page: (typeof pages)[number]) => Promise<unknown>, upsert: (chat: ChatInput, at: number) => Promise<unknown>, db: SqlHandle) {
  for (const { at, ...chat } of chatsToStore) await upsert(chat, at);
  for (const page of pages) await store(page);
  // Memberships stored before `via` was recorded: told by their source.
  await db.sql.run(sql`UPDATE chat_members SET via = NULL WHERE chat_id = 1003 AND user_id < ${userId(30)}`);
  await db.sql.run(sql`UPDATE chat_members SET via = NULL WHERE chat_id = 1001 AND user_id < ${userId(10)}`);
}

const openReference = useMemoryDatabase();

/** The port reader on the dialect under test and the SQLite repository it must agree with, over the same rows. */
async function setup(open: OpenDialectDatabase): Promise<{ target: AnyDatabaseHandle; reader: MemberReader; reference: MembersRepository }> {
  const target = await open();
  const store = createPortMemberStore(target);
  await seed((p) => store.storeMembers(p.chatId, p.users, p.options), (chat, at) => store.upsertChat(chat, at), target);
  const referenceDb = openReference();
  const reference = createMembersRepository(referenceDb);
  await seed(
    async (p) => reference.storeMembers(p.chatId, p.users, p.options),
    async (chat, at) => reference.upsertChat(chat, at),
    referenceDb,
  );
  const dump = (db: SqlHandle) => db.sql.all(sql`SELECT * FROM chat_members ORDER BY chat_id, user_id`);
  expect(await dump(target)).toEqual(await dump(referenceDb));
  return { target, reader: createPortMemberReader(target), reference };
}

const collect = async (rows: AsyncIterable<MemberExportRow>): Promise<MemberExportRow[]> => {
  const out: MemberExportRow[] = [];
  for await (const row of rows) out.push(row);
  return out;
};

const CHAT_IDS = [1001, 1002, 1003, 1004, BIG_CHAT] as const;

/** Every combination of the flag filters with each --active, alone and with --common. */
function queries(chatId: number): MemberQuery[] {
  const flags = ['noBots', 'withUsername', 'premium', 'admins'] as const;
  const out: MemberQuery[] = [];
  for (let mask = 0; mask < 1 << flags.length; mask += 1) {
    for (const activeDays of [undefined, 1, 3, 7, 30, 31]) {
      const filter: MemberFilter = {
        ...Object.fromEntries(flags.filter((_, i) => (mask >> i) & 1).map((flag) => [flag, true])),
        ...(activeDays === undefined ? {} : { activeDays }),
      };
      for (const alsoIn of [[], [1002], [1002, 1003], [1004]]) {
        if (!alsoIn.includes(chatId)) out.push({ filter, alsoIn: alsoIn.filter((id) => id !== chatId), now: NOW });
      }
    }
  }
  out.push({ filter: { noBots: false, premium: false, admins: false, withUsername: false }, now: NOW }, {});
  return out;
}

/** What the README says a query keeps, for the rows of the chat (oracle independent of SQL). */
function keeps(row: MemberExportRow, filter: MemberFilter): boolean {
  if (filter.activeDays !== undefined && !isActiveWithin(row, filter.activeDays, NOW)) return false;
  if (filter.noBots && row.is_bot) return false;
  if (filter.withUsername && row.username === null) return false;
  if (filter.premium && !row.is_premium) return false;
  if (filter.admins && row.role !== 'admin' && row.role !== 'creator') return false;
  return true;
}

describeEachDialect('PortMemberReader', (open) => {
  it('is a MemberReader', () => {
    expectTypeOf(createPortMemberReader).returns.toEqualTypeOf<MemberReader>();
  });

  it('finds chats by every kind of reference as the SQLite repository does', async () => {
    const { reader, reference } = await setup(open);
    const refs: ChatRef[] = [
      1001, BIG_CHAT, 42, -1001,
      '1001', ' 1003 ', String(BIG_CHAT), '-1001', '',
      '@bigchat', 'BIGCHAT', 'bigChat', '@@bigchat', 'AbCdEf123', 'abcdef123', 'ZzTop99', 'zztop99', 'nothere',
      'moved', '@Moved', 'twin', 'far_away', 'FAR_AWAY',
      'Ünïcode_Chat', 'ünïcode_chat', 'ÜNÏCODE_CHAT', 'Ünïcode_chat',
      { id: 1002 }, { id: 7 }, { username: '@NEWSCHANNEL' }, { username: 'newschannel' }, { username: '' }, { username: 'ünïcode_Chat' },
      { inviteHash: 'AbCdEf123' }, { inviteHash: 'abcdef123' }, { inviteHash: '1001' },
    ];
    for (const ref of refs) expect(await reader.findChat(ref), JSON.stringify(ref)).toEqual(reference.findChat(ref));
    expect(await reader.findChat('1001')).toMatchObject({ id: 1010 });
    expect(await reader.findChat('moved')).toMatchObject({ id: 1007, title: 'New home' });
    expect(await reader.findChat('twin')).toMatchObject({ id: 1009 });
    expect(await reader.findChat({ id: 1001 })).toEqual({
      id: 1001, kind: 'supergroup', username: 'BigChat', title: 'Big chat', inviteHash: 'AbCdEf123', membersCount: 500, membersHidden: false, createdAt: 1, updatedAt: 1,
    });
    expect(await reader.findChat('ZzTop99')).toMatchObject({ membersHidden: true, username: null });
    expect(await reader.findChat('newsChannel')).toMatchObject({ membersHidden: null, membersCount: null });
  });

  it('counts and iterates every combination of filters and --common as the SQLite repository does', async () => {
    const { reader, reference } = await setup(open);
    let nonEmpty = 0;
    const idsOf = new Map<number, Set<number>>();
    for (const chatId of CHAT_IDS) idsOf.set(chatId, new Set([...reference.iterateMembers(chatId)].map((r) => r.user_id)));
    for (const chatId of CHAT_IDS) {
      const all = [...reference.iterateMembers(chatId)];
      for (const query of queries(chatId)) {
        const label = JSON.stringify({ chatId, query });
        const count = await reader.countMembers(chatId, query);
        const rows = await collect(reader.iterateMembers(chatId, query));
        expect(count, label).toBe(reference.countMembers(chatId, query));
        expect(rows, label).toEqual([...reference.iterateMembers(chatId, query)]);
        expect(rows.length, label).toBe(count);
        // And what the README's rules keep, from the unfiltered rows and the other chats' members.
        const want = all.filter((row) => keeps(row, query.filter ?? {}) && (query.alsoIn ?? []).every((id) => idsOf.get(id)?.has(row.user_id)));
        expect(rows.map((r) => r.user_id), label).toEqual(want.map((r) => r.user_id));
        if (count > 0) nonEmpty += 1;
      }
    }
    // The data leaves most combinations someone to keep: the comparison is not of empty lists.
    expect(nonEmpty).toBeGreaterThan(400);
  });

  it('yields every row once across pages of any size, a full last page included', async () => {
    const { reader, reference } = await setup(open);
    const query: MemberQuery = { filter: { noBots: true, activeDays: 30 }, alsoIn: [1002], now: NOW };
    const want = [...reference.iterateMembers(1001, query)];
    expect(want.length).toBeGreaterThan(20);
    for (const pageSize of [1, 7, want.length, want.length - 1, want.length + 1, 1000]) {
      expect(await collect(reader.iterateMembers(1001, { ...query, pageSize })), `pageSize ${pageSize}`).toEqual(want);
    }
    expect(await collect(reader.iterateMembers(4242))).toEqual([]);
  });

  it('gives rows of every attribute with the export types', async () => {
    const { reader } = await setup(open);
    const rows = await collect(reader.iterateMembers(1001));
    expect(rows).toHaveLength(240);
    const first = rows[0];
    expect(first).toEqual({
      user_id: userId(1), username: 'user1', first_name: 'First 1', last_name: 'Last, "1"', is_bot: false, is_premium: false,
      source: 'participants', first_seen_at: T1, last_seen_at: T1, phone: null, status: 'online', was_online_at: NOW,
      role: 'creator', joined_at: null, is_verified: false, is_scam: false, is_fake: false, is_deleted: false, lang_code: 'en',
    });
    for (const key of ['is_bot', 'is_premium', 'is_verified', 'is_scam', 'is_fake', 'is_deleted'] as const) {
      expect(new Set(rows.map((r) => r[key])), key).toEqual(new Set([true, false]));
    }
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(['unknown', 'online', 'offline', 'recently', 'last_week', 'last_month', 'long_ago']));
    expect(new Set(rows.map((r) => r.role))).toEqual(new Set(['creator', 'admin', 'member', 'banned', 'left', null]));
    expect(new Set(rows.map((r) => r.source))).toEqual(new Set(['participants', 'messages']));
    for (const row of rows) {
      for (const key of ['user_id', 'first_seen_at', 'last_seen_at'] as const) expect(typeof row[key]).toBe('number');
      for (const key of ['was_online_at', 'joined_at'] as const) expect(row[key] === null || typeof row[key] === 'number').toBe(true);
    }
  });

  it('tells member stats as the SQLite repository does', async () => {
    const { reader, reference } = await setup(open);
    for (const chatId of [...CHAT_IDS, 4242]) expect(await reader.memberStats(chatId), String(chatId)).toEqual(reference.memberStats(chatId));
    const stats = await reader.memberStats(1001);
    expect(stats.total).toBe(240);
    expect(stats.byVia.list + stats.byVia.search + stats.byVia.messages).toBe(240);
    expect(Object.values(stats.byStatus).reduce((a, b) => a + b, 0)).toBe(240);
    expect(Object.values(stats.byStatus).every((n) => n > 0)).toBe(true);
    expect(Object.values(stats.byVia).every((n) => n > 0)).toBe(true);
    expect(await reader.memberStats(1004)).toMatchObject({ total: 0, bots: 0, byVia: { list: 0, search: 0, messages: 0 } });
  });

  it('lists chats and ranks them as the SQLite repository does', async () => {
    const { reader, reference } = await setup(open);
    const listed = await reader.listChats();
    expect(listed).toEqual(reference.listChats());
    expect(listed.map((c) => [c.id, c.storedMembers]).slice(0, 4)).toEqual([[1001, 240], [1002, 120], [1003, 70], [BIG_CHAT, 11]]);
    for (const since of [0, T1, T1 + 1, T2, T3, T3 + 1]) {
      for (const limit of [1, 2, 3, 10]) {
        expect(await reader.topChats(since, limit), `${since} ${limit}`).toEqual(reference.topChats(since, limit));
      }
    }
    expect(await reader.topChats(T3, 10)).toEqual([
      { id: 1001, kind: 'supergroup', username: 'BigChat', title: 'Big chat', members: 51 },
      { id: 1003, kind: 'group', username: null, title: 'Basic group', members: 21 },
      { id: BIG_CHAT, kind: 'supergroup', username: 'far_away', title: 'Far away', members: 11 },
    ]);
  });

  it('holds no statement open between pages: writes go through while the consumer waits', async () => {
    const { reader, target } = await setup(open);
    const rows = reader.iterateMembers(1001, { pageSize: 5 });
    const first = await rows.next();
    expect(first.done).toBe(false);
    await target.sql.transaction(async (tx) => {
      await tx.run(sql`UPDATE users SET first_name = 'Renamed' WHERE id = ${userId(100)}`);
    });
    const rest = await collect({ [Symbol.asyncIterator]: () => rows });
    expect(rest).toHaveLength(239);
    expect(rest.find((r) => r.user_id === userId(100))?.first_name).toBe('Renamed');
  });
});
