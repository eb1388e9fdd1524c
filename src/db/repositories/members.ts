import { desc, eq, gte, sql, type SQL } from 'drizzle-orm';
import type { DatabaseHandle } from '../client.js';
import { chatMembers, chats, type ChatRow } from '../schema.js';

type ChatInsert = typeof chats.$inferInsert;

export type ChatKind = 'supergroup' | 'channel' | 'group';

/** How a member was found: the participants list, or as the author of a message. */
export type MemberSource = 'participants' | 'messages';

/** What is known of a chat. Fields left undefined keep their stored value on update. */
export interface ChatInput {
  readonly id: number;
  readonly kind: ChatKind;
  readonly username?: string | null;
  readonly title?: string | null;
  readonly inviteHash?: string | null;
  readonly membersCount?: number | null;
  readonly membersHidden?: boolean | null;
}

/**
 * A user seen in a chat. A field left undefined means "not known here" and keeps the stored value;
 * `null` means "has none" (e.g. the user removed their username).
 */
export interface MemberInput {
  readonly id: number;
  readonly username?: string | null;
  readonly firstName?: string | null;
  readonly lastName?: string | null;
  readonly isBot?: boolean;
  readonly isPremium?: boolean;
}

/**
 * How to find a chat: a number is an id; a string is a username (with or without `@`, any case),
 * then an invite hash, then a numeric id.
 */
export type ChatRef =
  | number
  | string
  | { readonly id: number }
  | { readonly username: string }
  | { readonly inviteHash: string };

export interface StoreMembersResult {
  /** Memberships stored for the first time. */
  readonly inserted: number;
  /** Memberships that were already stored (including repeats within the page). */
  readonly known: number;
  /**
   * Of `known`, those not seen since `since` before this call: already-known members met for the first
   * time in the current scrape. 0 when `since` is not given.
   */
  readonly refreshed: number;
}

/** The CSV export columns of the spec, in order. */
export const MEMBER_EXPORT_COLUMNS = [
  'user_id',
  'username',
  'first_name',
  'last_name',
  'is_bot',
  'is_premium',
  'source',
  'first_seen_at',
  'last_seen_at',
] as const;

/** One member of a chat as exported; keys are the CSV columns. */
export interface MemberExportRow {
  readonly user_id: number;
  readonly username: string | null;
  readonly first_name: string | null;
  readonly last_name: string | null;
  readonly is_bot: boolean;
  readonly is_premium: boolean;
  readonly source: MemberSource;
  readonly first_seen_at: number;
  readonly last_seen_at: number;
}

export interface ChatWithMembers extends ChatRow {
  /** Memberships stored for the chat (not Telegram's count, which is `membersCount`). */
  readonly storedMembers: number;
}

export interface TopChat {
  readonly id: number;
  readonly kind: string;
  readonly username: string | null;
  readonly title: string | null;
  /** Members of the chat seen (stored or refreshed) since the given time. */
  readonly members: number;
}

export interface IterateMembersOptions {
  /**
   * Rows read per query. Each page is read in full before rows are handed out, so the connection is
   * never left busy while the consumer awaits (an open better-sqlite3 iterator blocks every write).
   * @default 1000
   */
  pageSize?: number;
}

export class ChatNotStoredError extends Error {
  override readonly name = 'ChatNotStoredError';
  constructor(readonly chatId: number) {
    super(`chat ${chatId} is not stored yet: upsertChat it before storing its members`);
  }
}

export interface MembersRepository {
  /** Inserts the chat or updates what is given of it; returns the stored row. */
  upsertChat(chat: ChatInput, now?: number): ChatRow;
  findChat(ref: ChatRef): ChatRow | undefined;
  /**
   * Upserts users and memberships of one page in one transaction (a savepoint when called inside an
   * outer transaction, e.g. together with a checkpoint save). `first_seen_at` is kept, `last_seen_at`
   * moves forward, and a membership found through `participants` keeps that source.
   */
  storeMembers(chatId: number, users: readonly MemberInput[], source: MemberSource, now?: number, since?: number): StoreMembersResult;
  countMembers(chatId: number): number;
  /** The chat's members ordered by user id, read page by page. */
  iterateMembers(chatId: number, options?: IterateMembersOptions): Generator<MemberExportRow, void, undefined>;
  /** Every stored chat with its stored member count, most members first. */
  listChats(): ChatWithMembers[];
  /** Chats with the most members seen since `sinceMs`. */
  topChats(sinceMs: number, limit: number): TopChat[];
}

interface RawExportRow {
  user_id: number;
  username: string | null;
  first_name: string | null;
  last_name: string | null;
  is_bot: number;
  is_premium: number;
  source: MemberSource;
  first_seen_at: number;
  last_seen_at: number;
}

const toFlag = (value: boolean | undefined): number | null => (value === undefined ? null : value ? 1 : 0);
const known = (value: unknown): number => (value === undefined ? 0 : 1);

export function createMembersRepository(db: DatabaseHandle): MembersRepository {
  const { orm, sqlite } = db;

  // Prepared once: storeMembers runs for every page of every scrape.
  const chatExists = sqlite.prepare<[number], 1>('SELECT 1 FROM chats WHERE id = ?').pluck();
  // Two user upserts: the common case (everything about the user is known, as in a participants
  // page) binds positionally, which is markedly faster than the named, partial-aware variant.
  type FullUserParams = [number, string | null, string | null, string | null, number, number, number, number];
  const upsertFullUser = sqlite.prepare<FullUserParams>(`
    INSERT INTO users (id, username, first_name, last_name, is_bot, is_premium, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET
      username = excluded.username,
      first_name = excluded.first_name,
      last_name = excluded.last_name,
      is_bot = excluded.is_bot,
      is_premium = excluded.is_premium,
      updated_at = excluded.updated_at
    WHERE username IS NOT excluded.username
       OR first_name IS NOT excluded.first_name
       OR last_name IS NOT excluded.last_name
       OR is_bot IS NOT excluded.is_bot
       OR is_premium IS NOT excluded.is_premium`);
  const upsertPartialUser = sqlite.prepare(`
    INSERT INTO users (id, username, first_name, last_name, is_bot, is_premium, created_at, updated_at)
    VALUES (@id, @username, @firstName, @lastName, coalesce(@isBot, 0), coalesce(@isPremium, 0), @now, @now)
    ON CONFLICT (id) DO UPDATE SET
      username = iif(@hasUsername, excluded.username, username),
      first_name = iif(@hasFirstName, excluded.first_name, first_name),
      last_name = iif(@hasLastName, excluded.last_name, last_name),
      is_bot = coalesce(@isBot, is_bot),
      is_premium = coalesce(@isPremium, is_premium),
      updated_at = excluded.updated_at
    WHERE (@hasUsername AND username IS NOT excluded.username)
       OR (@hasFirstName AND first_name IS NOT excluded.first_name)
       OR (@hasLastName AND last_name IS NOT excluded.last_name)
       OR is_bot IS NOT coalesce(@isBot, is_bot)
       OR is_premium IS NOT coalesce(@isPremium, is_premium)`);
  const upsertUser = (user: MemberInput, now: number): void => {
    const { id, username, firstName, lastName, isBot, isPremium } = user;
    if (
      username !== undefined &&
      firstName !== undefined &&
      lastName !== undefined &&
      isBot !== undefined &&
      isPremium !== undefined
    ) {
      upsertFullUser.run(id, username, firstName, lastName, isBot ? 1 : 0, isPremium ? 1 : 0, now, now);
      return;
    }
    upsertPartialUser.run({
      id,
      username: username ?? null,
      firstName: firstName ?? null,
      lastName: lastName ?? null,
      isBot: toFlag(isBot),
      isPremium: toFlag(isPremium),
      hasUsername: known(username),
      hasFirstName: known(firstName),
      hasLastName: known(lastName),
      now,
    });
  };
  const insertMember = sqlite.prepare<[number, number, MemberSource, number, number]>(
    `INSERT INTO chat_members (chat_id, user_id, source, first_seen_at, last_seen_at)
     VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  const touchMember = sqlite.prepare<[number, MemberSource, number, number]>(
    `UPDATE chat_members
     SET last_seen_at = max(last_seen_at, ?),
         source = iif(source = 'participants', source, ?)
     WHERE chat_id = ? AND user_id = ?`,
  );
  const touchFresh = sqlite.prepare<[number, MemberSource, number, number, number]>(
    `UPDATE chat_members
     SET last_seen_at = max(last_seen_at, ?),
         source = iif(source = 'participants', source, ?)
     WHERE chat_id = ? AND user_id = ? AND last_seen_at < ?`,
  );
  const countStmt = sqlite.prepare<[number], number>('SELECT count(*) FROM chat_members WHERE chat_id = ?').pluck();
  const pageStmt = sqlite.prepare<[number, number, number], RawExportRow>(`
    SELECT cm.user_id, u.username, u.first_name, u.last_name, u.is_bot, u.is_premium,
           cm.source, cm.first_seen_at, cm.last_seen_at
    FROM chat_members cm JOIN users u ON u.id = cm.user_id
    WHERE cm.chat_id = ? AND cm.user_id > ?
    ORDER BY cm.user_id
    LIMIT ?`);

  const storePage = sqlite.transaction(
    (chatId: number, users: readonly MemberInput[], source: MemberSource, now: number, since: number | undefined): StoreMembersResult => {
      if (chatExists.get(chatId) === undefined) throw new ChatNotStoredError(chatId);
      let inserted = 0;
      let refreshed = 0;
      for (const user of users) {
        upsertUser(user, now);
        if (insertMember.run(chatId, user.id, source, now, now).changes > 0) inserted += 1;
        else if (since !== undefined && touchFresh.run(now, source, chatId, user.id, since).changes > 0) refreshed += 1;
        else touchMember.run(now, source, chatId, user.id);
      }
      return { inserted, known: users.length - inserted, refreshed };
    },
  );

  const findBy = (where: SQL): ChatRow | undefined =>
    orm.select().from(chats).where(where).orderBy(desc(chats.updatedAt)).limit(1).get();

  return {
    upsertChat(chat, now = Date.now()) {
      const values: ChatInsert = {
        id: chat.id,
        kind: chat.kind,
        username: chat.username,
        title: chat.title,
        inviteHash: chat.inviteHash,
        membersCount: chat.membersCount,
        membersHidden: chat.membersHidden,
      };
      // Only what the caller knows overwrites the stored row.
      const set = Object.fromEntries(
        Object.entries(values).filter(([key, v]) => v !== undefined && key !== 'id'),
      ) as Partial<ChatInsert>;
      return orm
        .insert(chats)
        .values({ ...values, createdAt: now, updatedAt: now })
        .onConflictDoUpdate({ target: chats.id, set: { ...set, updatedAt: now } })
        .returning()
        .get();
    },

    findChat(ref) {
      if (typeof ref === 'number') return findBy(eq(chats.id, ref));
      if (typeof ref === 'object') {
        if ('id' in ref) return findBy(eq(chats.id, ref.id));
        if ('username' in ref) return findBy(sql`${chats.username} = ${ref.username.replace(/^@/, '')} COLLATE NOCASE`);
        return findBy(eq(chats.inviteHash, ref.inviteHash));
      }
      const text = ref.trim();
      const name = text.replace(/^@/, '');
      return (
        (name.length > 0 ? findBy(sql`${chats.username} = ${name} COLLATE NOCASE`) : undefined) ??
        (text.length > 0 ? findBy(eq(chats.inviteHash, text)) : undefined) ??
        (/^-?\d+$/.test(text) ? findBy(eq(chats.id, Number(text))) : undefined)
      );
    },

    storeMembers(chatId, users, source, now = Date.now(), since) {
      return storePage(chatId, users, source, now, since);
    },

    countMembers(chatId) {
      return countStmt.get(chatId) ?? 0;
    },

    *iterateMembers(chatId, options = {}) {
      const { pageSize = 1000 } = options;
      let after = Number.MIN_SAFE_INTEGER;
      for (;;) {
        const page = pageStmt.all(chatId, after, pageSize);
        for (const row of page) {
          yield { ...row, is_bot: row.is_bot === 1, is_premium: row.is_premium === 1 };
        }
        const last = page.at(-1);
        if (last === undefined || page.length < pageSize) return;
        after = last.user_id;
      }
    },

    listChats() {
      const storedMembers = sql<number>`count(${chatMembers.userId})`.mapWith(Number);
      return orm
        .select({ chat: chats, storedMembers })
        .from(chats)
        .leftJoin(chatMembers, eq(chatMembers.chatId, chats.id))
        .groupBy(chats.id)
        .orderBy(desc(storedMembers), chats.id)
        .all()
        .map(({ chat, storedMembers: count }) => ({ ...chat, storedMembers: count }));
    },

    topChats(sinceMs, limit) {
      const members = sql<number>`count(*)`.mapWith(Number);
      return orm
        .select({ id: chats.id, kind: chats.kind, username: chats.username, title: chats.title, members })
        .from(chatMembers)
        .innerJoin(chats, eq(chats.id, chatMembers.chatId))
        .where(gte(chatMembers.lastSeenAt, sinceMs))
        .groupBy(chats.id)
        .orderBy(desc(members), chats.id)
        .limit(limit)
        .all();
    },
  };
}
