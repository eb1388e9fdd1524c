import { describe, expect, it } from 'vitest';
import {
  ChatNotStoredError,
  createMembersRepository,
  MEMBER_EXPORT_COLUMNS,
  MEMBER_EXTRA_COLUMNS,
  type MemberInput,
} from '../../../src/db/repositories/members.js';
import { useMemoryDatabase } from '../helpers.js';

const openDatabase = useMemoryDatabase();

/** Users of the sandbox pool: id 10000000+n, username user<n> except every 10th, bots every 50th, premium every 7th. */
const poolUser = (n: number): MemberInput => ({
  id: 10_000_000 + n,
  username: n % 10 === 0 ? null : `user${n}`,
  firstName: `First${n}`,
  lastName: `Last${n}`,
  isBot: n % 50 === 0,
  isPremium: n % 7 === 0,
});
const range = (from: number, count: number): MemberInput[] => Array.from({ length: count }, (_, i) => poolUser(from + i));

function setup() {
  const db = openDatabase();
  const members = createMembersRepository(db);
  members.upsertChat({ id: 1001, kind: 'supergroup', username: 'BigChat', title: 'Big chat', inviteHash: 'AbCdEf123' });
  return { db, members };
}

describe('MembersRepository', () => {
  describe('chats', () => {
    it('upserts a chat and keeps fields the update does not give', () => {
      const { members } = setup();
      const updated = members.upsertChat({ id: 1001, kind: 'supergroup', membersCount: 25_000 }, 5_000);
      expect(updated).toMatchObject({ id: 1001, username: 'BigChat', title: 'Big chat', membersCount: 25_000, updatedAt: 5_000 });
      const cleared = members.upsertChat({ id: 1001, kind: 'supergroup', username: null });
      expect(cleared.username).toBeNull();
      expect(cleared.title).toBe('Big chat');
    });

    it('finds a chat by id, username in any case with or without @, or invite hash', () => {
      const { members } = setup();
      expect(members.findChat(1001)?.id).toBe(1001);
      expect(members.findChat('1001')?.id).toBe(1001);
      expect(members.findChat('@bigchat')?.id).toBe(1001);
      expect(members.findChat('BIGCHAT')?.id).toBe(1001);
      expect(members.findChat('AbCdEf123')?.id).toBe(1001);
      expect(members.findChat({ username: '@BigChat' })?.id).toBe(1001);
      expect(members.findChat({ inviteHash: 'AbCdEf123' })?.id).toBe(1001);
      expect(members.findChat({ inviteHash: 'abcdef123' })).toBeUndefined();
      expect(members.findChat({ id: 1001 })?.id).toBe(1001);
      expect(members.findChat('nothere')).toBeUndefined();
      expect(members.findChat(42)).toBeUndefined();
      expect(members.findChat('')).toBeUndefined();
    });
  });

  describe('storeMembers', () => {
    it('stores a page and reports every membership as new', () => {
      const { members } = setup();
      expect(members.storeMembers(1001, range(1, 200), { source: 'participants', now: 1_000 })).toEqual({ inserted: 200, known: 0, refreshed: 0 });
      expect(members.countMembers(1001)).toBe(200);
    });

    it('is idempotent: the same page twice stores no duplicate and the second call is all known', () => {
      const { db, members } = setup();
      members.storeMembers(1001, range(1, 200), { source: 'participants', now: 1_000 });
      expect(members.storeMembers(1001, range(1, 200), { source: 'participants', now: 2_000 })).toEqual({ inserted: 0, known: 200, refreshed: 0 });
      expect(members.countMembers(1001)).toBe(200);
      expect(db.sqlite.prepare('SELECT count(*) FROM users').pluck().get()).toBe(200);
    });

    it('counts overlapping pages and repeats within a page correctly', () => {
      const { members } = setup();
      members.storeMembers(1001, range(1, 100), { source: 'participants', now: 1_000 });
      const page = [...range(51, 100), poolUser(150)];
      expect(members.storeMembers(1001, page, { source: 'participants', now: 2_000 })).toEqual({ inserted: 50, known: 51, refreshed: 0 });
      expect(members.countMembers(1001)).toBe(150);
    });

    it('tells already-known members met for the first time in a scrape from repeats within it', () => {
      const { members } = setup();
      members.storeMembers(1001, range(1, 100), { source: 'participants', now: 1_000 });
      // A new scrape starts at 2_000: the first meeting of a known member counts as refreshed, repeats do not.
      expect(members.storeMembers(1001, range(51, 100), { source: 'participants', now: 2_000, since: 2_000 })).toEqual({ inserted: 50, known: 50, refreshed: 50 });
      expect(members.storeMembers(1001, range(1, 150), { source: 'participants', now: 2_100, since: 2_000 })).toEqual({ inserted: 0, known: 150, refreshed: 50 });
    });

    it('keeps first_seen_at and moves last_seen_at forward only', () => {
      const { members } = setup();
      members.storeMembers(1001, range(1, 3), { source: 'participants', now: 1_000 });
      members.storeMembers(1001, range(1, 3), { source: 'participants', now: 5_000 });
      members.storeMembers(1001, range(1, 3), { source: 'participants', now: 3_000 });
      const rows = [...members.iterateMembers(1001)];
      expect(rows.map((r) => [r.first_seen_at, r.last_seen_at])).toEqual([
        [1_000, 5_000],
        [1_000, 5_000],
        [1_000, 5_000],
      ]);
    });

    it('keeps source participants when the member is later seen as a message author, and upgrades messages to participants', () => {
      const { members } = setup();
      members.storeMembers(1001, range(1, 2), { source: 'participants', now: 1_000 });
      members.storeMembers(1001, range(3, 2), { source: 'messages', now: 1_000 });
      members.storeMembers(1001, range(1, 4), { source: 'messages', now: 2_000 });
      expect([...members.iterateMembers(1001)].map((r) => r.source)).toEqual([
        'participants',
        'participants',
        'messages',
        'messages',
      ]);
      members.storeMembers(1001, range(3, 1), { source: 'participants', now: 3_000 });
      expect([...members.iterateMembers(1001)].map((r) => r.source)).toEqual([
        'participants',
        'participants',
        'participants',
        'messages',
      ]);
    });

    it('updates user details, keeping what a partial user does not say', () => {
      const { members } = setup();
      members.storeMembers(1001, [{ id: 5, username: 'old', firstName: 'Ann', lastName: 'Lee', isPremium: true }], { source: 'participants', now: 1 });
      members.storeMembers(1001, [{ id: 5, username: 'new' }], { source: 'messages', now: 2 });
      let [row] = [...members.iterateMembers(1001)];
      expect(row).toMatchObject({ username: 'new', first_name: 'Ann', last_name: 'Lee', is_premium: true, is_bot: false });
      members.storeMembers(1001, [{ id: 5, username: null, isPremium: false }], { source: 'messages', now: 3 });
      [row] = [...members.iterateMembers(1001)];
      expect(row).toMatchObject({ username: null, first_name: 'Ann', is_premium: false });
    });

    it('rewrites a fully known user only when something changed', () => {
      const { db, members } = setup();
      const updatedAt = db.sqlite.prepare<[number], number>('SELECT updated_at FROM users WHERE id = ?').pluck();
      members.storeMembers(1001, [poolUser(1)], { source: 'participants', now: 1_000 });
      members.storeMembers(1001, [poolUser(1)], { source: 'participants', now: 2_000 });
      expect(updatedAt.get(10_000_001)).toBe(1_000);
      members.storeMembers(1001, [{ ...poolUser(1), username: 'renamed', isBot: true }], { source: 'participants', now: 3_000 });
      expect(updatedAt.get(10_000_001)).toBe(3_000);
      expect([...members.iterateMembers(1001)][0]).toMatchObject({ username: 'renamed', is_bot: true, first_name: 'First1' });
    });

    it('shares users between chats and keeps memberships apart', () => {
      const { members } = setup();
      members.upsertChat({ id: 2002, kind: 'channel' });
      members.storeMembers(1001, range(1, 10), { source: 'participants', now: 1 });
      expect(members.storeMembers(2002, range(5, 10), { source: 'participants', now: 1 })).toEqual({ inserted: 10, known: 0, refreshed: 0 });
      expect(members.countMembers(1001)).toBe(10);
      expect(members.countMembers(2002)).toBe(10);
    });

    it('refuses members of a chat that is not stored, storing nothing', () => {
      const { db, members } = setup();
      expect(() => members.storeMembers(999, range(1, 5), { source: 'participants' })).toThrow(ChatNotStoredError);
      expect(db.sqlite.prepare('SELECT count(*) FROM users').pluck().get()).toBe(0);
    });

    it('joins an outer transaction: rolled back with it, committed with it', () => {
      const { db, members } = setup();
      db.sqlite.exec("INSERT INTO kv (key, value) VALUES ('checkpoint', '0')");
      const saveCheckpoint = db.sqlite.prepare("UPDATE kv SET value = ? WHERE key = 'checkpoint'");
      const scrapePage = db.sqlite.transaction((from: number, fail: boolean) => {
        const result = members.storeMembers(1001, range(from, 100), { source: 'participants', now: 1 });
        saveCheckpoint.run(String(from + 100));
        if (fail) throw new Error('crash after the write');
        return result;
      });
      expect(scrapePage(1, false)).toEqual({ inserted: 100, known: 0, refreshed: 0 });
      expect(() => scrapePage(101, true)).toThrow('crash after the write');
      expect(members.countMembers(1001)).toBe(100);
      expect(db.sqlite.prepare("SELECT value FROM kv WHERE key = 'checkpoint'").pluck().get()).toBe('101');
    });
  });

  describe('iterateMembers', () => {
    it('yields export rows with the CSV columns, ordered by user id, across pages', () => {
      const { members } = setup();
      const users = range(1, 25).reverse();
      members.storeMembers(1001, users, { source: 'participants', now: 7 });
      const rows = [...members.iterateMembers(1001, { pageSize: 4 })];
      expect(rows).toHaveLength(25);
      expect(rows.map((r) => r.user_id)).toEqual(range(1, 25).map((u) => u.id));
      for (const row of rows) expect(Object.keys(row)).toEqual([...MEMBER_EXPORT_COLUMNS, ...MEMBER_EXTRA_COLUMNS]);
      expect(rows[9]).toEqual({
        user_id: 10_000_010,
        username: null,
        first_name: 'First10',
        last_name: 'Last10',
        is_bot: false,
        is_premium: false,
        source: 'participants',
        first_seen_at: 7,
        last_seen_at: 7,
        phone: null,
        status: 'unknown',
        was_online_at: null,
        role: null,
        joined_at: null,
        is_verified: false,
        is_scam: false,
        is_fake: false,
        is_deleted: false,
        lang_code: null,
      });
      expect(rows[6]?.is_premium).toBe(true);
    });

    it('yields exactly a full last page once', () => {
      const { members } = setup();
      members.storeMembers(1001, range(1, 8), { source: 'participants', now: 1 });
      expect([...members.iterateMembers(1001, { pageSize: 4 })]).toHaveLength(8);
      expect([...members.iterateMembers(2002)]).toEqual([]);
    });

    it('leaves the connection free for writes while the consumer holds the iterator', () => {
      const { members } = setup();
      members.storeMembers(1001, range(1, 10), { source: 'participants', now: 1 });
      const iterator = members.iterateMembers(1001, { pageSize: 5 });
      iterator.next();
      expect(() => members.storeMembers(1001, range(100, 5), { source: 'messages', now: 2 })).not.toThrow();
      expect([...iterator]).toHaveLength(14);
    });
  });

  describe('listChats and topChats', () => {
    it('lists chats with their stored member counts, chats without members included', () => {
      const { members } = setup();
      members.upsertChat({ id: 2002, kind: 'channel', title: 'Empty' });
      members.upsertChat({ id: 3003, kind: 'group', title: 'Small' });
      members.storeMembers(1001, range(1, 30), { source: 'participants', now: 1 });
      members.storeMembers(3003, range(1, 3), { source: 'messages', now: 1 });
      expect(members.listChats().map((c) => [c.id, c.storedMembers])).toEqual([
        [1001, 30],
        [3003, 3],
        [2002, 0],
      ]);
      expect(members.listChats()[0]).toMatchObject({ title: 'Big chat', kind: 'supergroup' });
    });

    it('ranks chats by members seen since a time', () => {
      const { members } = setup();
      members.upsertChat({ id: 2002, kind: 'channel', username: 'news' });
      members.upsertChat({ id: 3003, kind: 'group' });
      members.storeMembers(1001, range(1, 50), { source: 'participants', now: 1_000 });
      members.storeMembers(1001, range(1, 5), { source: 'participants', now: 9_000 });
      members.storeMembers(2002, range(1, 20), { source: 'participants', now: 9_000 });
      members.storeMembers(3003, range(1, 10), { source: 'participants', now: 9_500 });
      expect(members.topChats(5_000, 10)).toEqual([
        { id: 2002, kind: 'channel', username: 'news', title: null, members: 20 },
        { id: 3003, kind: 'group', username: null, title: null, members: 10 },
        { id: 1001, kind: 'supergroup', username: 'BigChat', title: 'Big chat', members: 5 },
      ]);
      expect(members.topChats(0, 1).map((c) => c.id)).toEqual([1001]);
    });
  });
});
