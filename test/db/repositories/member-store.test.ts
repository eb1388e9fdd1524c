import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { expect, expectTypeOf, it } from 'vitest';
import type { AnyDatabaseHandle } from '../../../src/db/open-database.js';
import { createPortMemberStore, type MemberStoreLike, type PortMemberStore } from '../../../src/db/repositories/member-store.js';
import {
  ChatNotStoredError,
  createMembersRepository,
  LAST_SEEN_STATUSES,
  type MemberInput,
  type MemberRole,
  type MembersRepository,
  type StoreMembersOptions,
  type StoreMembersResult,
} from '../../../src/db/repositories/members.js';
import type { SqlHandle } from '../../../src/db/sql/sql-port.js';
import { describeEachDialect, type OpenDialectDatabase } from '../dialects.js';
import { useMemoryDatabase } from '../helpers.js';

/** One call of storeMembers. */
interface Step {
  readonly chatId: number;
  readonly users: readonly MemberInput[];
  readonly options: StoreMembersOptions;
}

const CHATS = [1001, 1002] as const;
/** Ids past 32 bits, as Telegram's are. */
const BASE_ID = 7_000_000_000;

/** A user as a participants page gives it: everything known. */
const full = (n: number, overrides: Partial<MemberInput> = {}): MemberInput => ({
  id: BASE_ID + n,
  username: n % 10 === 0 ? null : `user${n}`,
  firstName: `First${n}`,
  lastName: n % 4 === 0 ? null : `Last${n}`,
  isBot: n % 50 === 0,
  isPremium: n % 7 === 0,
  isVerified: false,
  isScam: n % 97 === 0,
  isFake: false,
  isDeleted: false,
  phone: n % 3 === 0 ? `1555${n}` : null,
  langCode: n % 2 === 0 ? 'en' : null,
  lastSeen: n % 5 === 0 ? { status: 'recently' } : { status: 'offline', wasOnlineAt: 1_000 + n },
  accessHash: String(-9_000_000_000_000_000_000n + BigInt(n)),
  role: n === 1 ? 'creator' : 'member',
  joinedAt: n === 1 ? null : 500 + n,
  ...overrides,
});
const range = (from: number, count: number, overrides: Partial<MemberInput> = {}): MemberInput[] =>
  Array.from({ length: count }, (_, i) => full(from + i, overrides));

/** Every stored row storeMembers writes, keyed by SQL column name, read the same way from either database. */
async function dump(db: SqlHandle) {
  return {
    chats: await db.sql.all(sql`SELECT * FROM chats ORDER BY id`),
    users: await db.sql.all(sql`SELECT * FROM users ORDER BY id`),
    members: await db.sql.all(sql`SELECT * FROM chat_members ORDER BY chat_id, user_id`),
    hashes: await db.sql.all(sql`SELECT * FROM user_access_hashes ORDER BY account_id, user_id`),
  };
}

async function seedAccounts(db: SqlHandle): Promise<void> {
  await db.sql.run(sql`INSERT INTO accounts (id, phone) VALUES (1, '+15550001'), (2, '+15550002')`);
}

type Outcome = { readonly stored: StoreMembersResult } | { readonly error: string };

const outcomeOf = async (work: () => StoreMembersResult | Promise<StoreMembersResult>): Promise<Outcome> => {
  try {
    return { stored: await work() };
  } catch (error) {
    return { error: error instanceof Error ? error.name : String(error) };
  }
};

const openReference = useMemoryDatabase();

/** The port store on the dialect under test, and the SQLite repository it must agree with, both with the same chats. */
async function setup(open: OpenDialectDatabase) {
  const target: AnyDatabaseHandle = await open();
  const referenceDb = openReference();
  const port = createPortMemberStore(target);
  const reference = createMembersRepository(referenceDb);
  await seedAccounts(target);
  await seedAccounts(referenceDb);

  const upsertChats = async () => {
    for (const id of CHATS) {
      const input = { id, kind: 'supergroup', username: `chat${id}`, title: `Chat ${id}` } as const;
      expect(await port.upsertChat(input, 1)).toEqual(reference.upsertChat(input, 1));
    }
  };
  await upsertChats();

  /** Runs the step on both; expects the same counts (or error) and the same rows. */
  const step = async ({ chatId, users, options }: Step): Promise<Outcome> => {
    const expected = await outcomeOf(() => reference.storeMembers(chatId, users, options));
    const actual = await outcomeOf(() => port.storeMembers(chatId, users, options));
    expect(actual).toEqual(expected);
    expect(await dump(target)).toEqual(await dump(referenceDb));
    return actual;
  };

  /** Empties what the steps store, for the next run of a property. */
  const reset = async () => {
    for (const db of [target, referenceDb]) {
      await db.sql.run(sql`DELETE FROM chat_members`);
      await db.sql.run(sql`DELETE FROM user_access_hashes`);
      await db.sql.run(sql`DELETE FROM users`);
      await db.sql.run(sql`DELETE FROM chats`);
    }
    await upsertChats();
  };

  return { target, referenceDb, port, reference, step, reset };
}

const participants = (now: number, since: number, extra: Partial<StoreMembersOptions> = {}): StoreMembersOptions => ({
  source: 'participants',
  now,
  since,
  accountId: 1,
  ...extra,
});

describeEachDialect('PortMemberStore', (open, dialect) => {
  it('meets MemberStoreLike, as the SQLite repository does', () => {
    expectTypeOf<PortMemberStore>().toExtend<MemberStoreLike>();
    expectTypeOf<MembersRepository>().toExtend<MemberStoreLike>();
  });

  it('upserts and finds chats as the SQLite repository does', async () => {
    const { port, reference } = await setup(open);
    const update = { id: 1001, kind: 'supergroup', membersCount: 25_000, membersHidden: true } as const;
    expect(await port.upsertChat(update, 5_000)).toEqual(reference.upsertChat(update, 5_000));
    const cleared = { id: 1001, kind: 'channel', username: null, membersHidden: false } as const;
    expect(await port.upsertChat(cleared, 6_000)).toEqual(reference.upsertChat(cleared, 6_000));
    const found = await port.findChat(1001);
    expect(found).toEqual(reference.findChat(1001));
    expect(found).toMatchObject({ kind: 'channel', username: null, title: 'Chat 1001', membersCount: 25_000, membersHidden: false, createdAt: 1, updatedAt: 6_000 });
    expect(await port.findChat(42)).toBeUndefined();
  });

  it('stores a page of new members', async () => {
    const { step } = await setup(open);
    expect(await step({ chatId: 1001, users: range(1, 200), options: participants(10_000, 10_000) })).toEqual({
      stored: { inserted: 200, known: 0, refreshed: 0 },
    });
  });

  it('refreshes members a new scrape finds again, once', async () => {
    const { step } = await setup(open);
    await step({ chatId: 1001, users: range(1, 200), options: participants(10_000, 10_000) });
    const renamed = range(1, 200).map((u, i) => (i % 3 === 0 ? { ...u, username: `renamed${i}`, lastSeen: { status: 'online' as const } } : u));
    expect(await step({ chatId: 1001, users: [...renamed, full(201)], options: participants(20_000, 20_000) })).toEqual({
      stored: { inserted: 1, known: 200, refreshed: 200 },
    });
    expect(await step({ chatId: 1001, users: renamed, options: participants(21_000, 20_000) })).toEqual({
      stored: { inserted: 0, known: 200, refreshed: 0 },
    });
  });

  it('does not move status or last sight backwards for a page read earlier', async () => {
    const { step, target } = await setup(open);
    await step({ chatId: 1001, users: range(1, 20, { lastSeen: { status: 'online' } }), options: participants(20_000, 20_000) });
    const older = range(1, 20, { lastSeen: { status: 'offline', wasOnlineAt: 14_000 }, username: 'older' });
    await step({ chatId: 1001, users: older, options: participants(15_000, 10_000) });
    const rows = await target.sql.all<{ status: string; status_at: number; username: string; last_seen_at: number }>(sql`
      SELECT u.status, u.status_at, u.username, m.last_seen_at FROM users u JOIN chat_members m ON m.user_id = u.id`);
    expect(rows).toHaveLength(20);
    for (const row of rows) expect(row).toEqual({ status: 'online', status_at: 20_000, username: 'older', last_seen_at: 20_000 });
  });

  it('stores message authors (partial users) without forgetting what a member list told', async () => {
    const { step } = await setup(open);
    await step({ chatId: 1001, users: range(1, 50), options: participants(10_000, 10_000) });
    const authors: MemberInput[] = [
      ...Array.from({ length: 30 }, (_, i) => ({ id: BASE_ID + 31 + i, firstName: `Author${i}`, username: null })),
      { id: BASE_ID + 5, lastSeen: { status: 'last_week' } },
      { id: BASE_ID + 6, isPremium: true, phone: null, langCode: 'de' },
      { id: BASE_ID + 900 },
    ];
    expect(await step({ chatId: 1001, users: authors, options: { source: 'messages', now: 11_000, since: 10_000, accountId: 1 } })).toEqual({
      stored: { inserted: 11, known: 22, refreshed: 0 },
    });
    // A later member list finds an author: via moves from messages to list, the source to participants.
    await step({ chatId: 1001, users: [full(900), full(70)], options: participants(12_000, 10_000, { via: 'search' }) });
    await step({ chatId: 1002, users: authors, options: { source: 'messages', now: 13_000, accountId: 2 } });
  });

  it('keeps one access hash per storing account', async () => {
    const { step, target } = await setup(open);
    await step({ chatId: 1001, users: range(1, 40), options: participants(10_000, 10_000, { accountId: 1 }) });
    await step({ chatId: 1001, users: range(1, 40, { accessHash: '42' }), options: participants(11_000, 10_000, { accountId: 2 }) });
    await step({ chatId: 1002, users: range(1, 10, { accessHash: '-43' }), options: participants(12_000, 12_000, { accountId: 1 }) });
    const counts = await target.sql.all<{ account_id: number; n: number }>(
      sql`SELECT account_id, count(*) AS n FROM user_access_hashes GROUP BY account_id ORDER BY account_id`,
    );
    expect(counts.map((row) => [row.account_id, Number(row.n)])).toEqual([[1, 40], [2, 40]]);
  });

  it('stores pages with repeats and pages past one statement', async () => {
    const { step } = await setup(open);
    const repeats = [full(1), full(2, { username: 'second look' }), full(1, { lastSeen: { status: 'online' } }), full(1, { role: 'admin' })];
    expect(await step({ chatId: 1001, users: repeats, options: participants(10_000, 10_000) })).toEqual({
      stored: { inserted: 2, known: 2, refreshed: 0 },
    });
    // Repeats refresh when the page is older than the scrape (a resumed scrape's clock): as member by member.
    expect(await step({ chatId: 1002, users: repeats, options: participants(9_000, 10_000) })).toMatchObject({ stored: { inserted: 2, refreshed: 2 } });
    const big = [...range(1, 4_500), ...range(4_000, 600, { username: 'again' })];
    expect(await step({ chatId: 1001, users: big, options: participants(20_000, 20_000) })).toEqual({
      stored: { inserted: 4_597, known: 503, refreshed: 2 },
    });
  });

  it('refuses members of a chat not stored, storing nothing', async () => {
    const { step, port } = await setup(open);
    expect(await step({ chatId: 4242, users: range(1, 5), options: participants(10_000, 10_000) })).toEqual({ error: 'ChatNotStoredError' });
    await expect(port.storeMembers(4242, [], participants(1, 1))).rejects.toBeInstanceOf(ChatNotStoredError);
  });

  it('stores on the transaction it is given, rolled back or committed with the rest of it', async () => {
    const { port, target } = await setup(open);
    const boom = new Error('checkpoint failed');
    await expect(
      target.sql.transaction(async (tx) => {
        expect(await port.storeMembers(1001, range(1, 30), participants(10_000, 10_000), tx)).toEqual({ inserted: 30, known: 0, refreshed: 0 });
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await dump(target)).toMatchObject({ users: [], members: [], hashes: [] });

    const stored = await target.sql.transaction(async (tx) => {
      const result = await port.storeMembers(1001, range(1, 30), participants(10_000, 10_000), tx);
      await tx.run(sql`INSERT INTO kv (key, value, updated_at) VALUES ('checkpoint', ${String(result.inserted)}, 10000)`);
      return result;
    });
    expect(stored).toEqual({ inserted: 30, known: 0, refreshed: 0 });
    expect(await target.sql.get(sql`SELECT value FROM kv WHERE key = 'checkpoint'`)).toEqual({ value: '30' });
    expect((await dump(target)).members).toHaveLength(30);
  });

  it('stores any sequence of pages as the SQLite repository does', async () => {
    const { step, reset } = await setup(open);
    const roles = ['creator', 'admin', 'member', 'banned', 'left'] as const satisfies readonly MemberRole[];
    const user = fc.record(
      {
        id: fc.integer({ min: BASE_ID + 1, max: BASE_ID + 6 }),
        username: fc.constantFrom(null, 'a', 'b'),
        firstName: fc.constantFrom(null, 'F', 'G'),
        lastName: fc.constantFrom(null, 'L'),
        isBot: fc.boolean(),
        isPremium: fc.boolean(),
        isVerified: fc.boolean(),
        isScam: fc.boolean(),
        isFake: fc.boolean(),
        isDeleted: fc.boolean(),
        phone: fc.constantFrom(null, '1', '2'),
        langCode: fc.constantFrom(null, 'en', 'de'),
        lastSeen: fc.record({ status: fc.constantFrom(...LAST_SEEN_STATUSES), wasOnlineAt: fc.constantFrom(null, 5, 9) }, { requiredKeys: ['status'] }),
        accessHash: fc.constantFrom('1', '-9223372036854775808', '9223372036854775807'),
        role: fc.constantFrom(...roles),
        joinedAt: fc.constantFrom(null, 3, 7),
      },
      { requiredKeys: ['id'] },
    );
    const page = fc.record({
      chatId: fc.constantFrom(...CHATS, 1003),
      users: fc.array(user, { maxLength: 8 }),
      options: fc.record(
        {
          source: fc.constantFrom('participants', 'messages'),
          via: fc.constantFrom('list', 'search', 'messages'),
          now: fc.integer({ min: 0, max: 12 }),
          since: fc.integer({ min: 0, max: 12 }),
          accountId: fc.constantFrom(1, 2),
        },
        { requiredKeys: ['source', 'now'] },
      ),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(page, { minLength: 1, maxLength: 5 }), async (steps) => {
        await reset();
        for (const s of steps) await step(s);
      }),
      { numRuns: dialect === 'sqlite' ? 150 : 60 },
    );
  });
});
