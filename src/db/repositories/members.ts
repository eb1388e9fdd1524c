import { desc, eq, gte, sql, type SQL } from 'drizzle-orm';
import type { DatabaseHandle } from '../client.js';
import { chatMembers, chats, type ChatRow } from '../schema.js';
import type { MemberExportRow, MemberInput, MemberSource, MemberStats, MemberVia } from './member-data.js';
import type { ChatRef, ChatWithMembers, IterateMembersOptions, MemberQuery, TopChat } from './member-reader.js';
import { createSqliteMemberReader } from './member-reader-sqlite.js';
import { createMemberWriter } from './member-writer.js';

export * from './member-data.js';
export type { ChatRef, ChatWithMembers, IterateMembersOptions, MemberQuery, TopChat } from './member-reader.js';

type ChatInsert = typeof chats.$inferInsert;

export type ChatKind = 'supergroup' | 'channel' | 'group';

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

export interface StoreMembersOptions {
  readonly source: MemberSource;
  /**
   * Which way of the scrape found these members.
   * @default 'list' for `participants`, 'messages' for `messages`
   */
  readonly via?: MemberVia;
  /**
   * The time of the page (epoch ms).
   * @default Date.now()
   */
  readonly now?: number;
  /** The start of the current scrape: known members not seen since then count as `refreshed`. */
  readonly since?: number;
  /** The account that read the page: the users' access hashes are stored for it. */
  readonly accountId?: number;
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
  storeMembers(chatId: number, users: readonly MemberInput[], options: StoreMembersOptions): StoreMembersResult;
  /** How many of the chat's stored members pass the query (all of them without one). */
  countMembers(chatId: number, query?: MemberQuery): number;
  /** The chat's members that pass the query, ordered by user id, read page by page. */
  iterateMembers(chatId: number, options?: IterateMembersOptions): Generator<MemberExportRow, void, undefined>;
  /** What /stats tells of the chat's stored members. */
  memberStats(chatId: number): MemberStats;
  /** The access hash `accountId` was given for the user, when one was stored. */
  accessHashOf(accountId: number, userId: number): string | undefined;
  /** Every stored chat with its stored member count, most members first. */
  listChats(): ChatWithMembers[];
  /** Chats with the most members seen since `sinceMs`. */
  topChats(sinceMs: number, limit: number): TopChat[];
}

export function createMembersRepository(db: DatabaseHandle): MembersRepository {
  const { orm, sqlite } = db;

  // Prepared once: storeMembers runs for every page of every scrape.
  const chatExists = sqlite.prepare<[number], 1>('SELECT 1 FROM chats WHERE id = ?').pluck();
  const writer = createMemberWriter(sqlite);
  const reader = createSqliteMemberReader(sqlite);
  const hashStmt = sqlite
    .prepare<[number, number], string>('SELECT access_hash FROM user_access_hashes WHERE account_id = ? AND user_id = ?')
    .pluck();

  const storePage = sqlite.transaction((chatId: number, users: readonly MemberInput[], options: StoreMembersOptions): StoreMembersResult => {
    if (chatExists.get(chatId) === undefined) throw new ChatNotStoredError(chatId);
    const { source, since, accountId } = options;
    const now = options.now ?? Date.now();
    const via = options.via ?? (source === 'participants' ? 'list' : 'messages');
    let inserted = 0;
    let refreshed = 0;
    for (const user of users) {
      writer.upsertUser(user, now);
      if (accountId !== undefined && user.accessHash !== undefined) writer.saveAccessHash(accountId, user.id, user.accessHash, now);
      if (writer.insertMembership(chatId, user, source, via, now)) inserted += 1;
      else if (since !== undefined && writer.touchMembership(chatId, user, source, via, now, since)) refreshed += 1;
      else writer.touchMembership(chatId, user, source, via, now);
    }
    return { inserted, known: users.length - inserted, refreshed };
  });

  // The newest row wins when a username or invite hash moved between chats; the id settles a tie.
  const findBy = (where: SQL): ChatRow | undefined =>
    orm.select().from(chats).where(where).orderBy(desc(chats.updatedAt), desc(chats.id)).limit(1).get();

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

    storeMembers(chatId, users, options) {
      // IMMEDIATE: the page reads (does the chat exist?) before it writes; see checkpoint-writer.ts.
      // Inside an outer transaction this is a savepoint all the same.
      return storePage.immediate(chatId, users, options);
    },

    countMembers(chatId, query) {
      return reader.count(chatId, query);
    },

    iterateMembers(chatId, options) {
      return reader.iterate(chatId, options);
    },

    memberStats(chatId) {
      return reader.stats(chatId);
    },

    accessHashOf(accountId, userId) {
      return hashStmt.get(accountId, userId);
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
