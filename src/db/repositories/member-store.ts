import { sql, type SQL } from 'drizzle-orm';
import type { ChatRow } from '../schema.js';
import type { SqlExecutor, SqlHandle } from '../sql/sql-port.js';
import { chatColumns, toChatRow, type ChatSqlRow } from './chat-sql-row.js';
import type { MemberInput } from './member-data.js';
import { prepared } from '../sql/prepared.js';
import { chunksFor } from '../sql/row-source.js';
import {
  HASH_PARAMS,
  insertMemberships,
  MEMBERSHIP_PARAMS,
  touchMemberships,
  upsertAccessHashes,
  upsertUsers,
  USER_PARAMS,
  userShape,
  type MembershipPage,
} from './member-store-sql.js';
import { ChatNotStoredError, type ChatInput, type StoreMembersOptions, type StoreMembersResult } from './members.js';

/**
 * What the scrape runner needs of a member store, met by both the SQLite `MembersRepository` (members.ts, which
 * answers at once and ignores `tx`: it joins the SQLite transaction open on its connection) and the store on the SQL
 * port (`createPortMemberStore`), so the runner can take either and await what it gets.
 */
export interface MemberStoreLike {
  /** The stored chat with this id. */
  findChat(id: number): ChatRow | undefined | Promise<ChatRow | undefined>;
  /** Inserts the chat or updates what is given of it; returns the stored row. */
  upsertChat(chat: ChatInput, now?: number): ChatRow | Promise<ChatRow>;
  /** Stores one page of members; with `tx`, inside that transaction. */
  storeMembers(
    chatId: number,
    users: readonly MemberInput[],
    options: StoreMembersOptions,
    tx?: SqlExecutor,
  ): StoreMembersResult | Promise<StoreMembersResult>;
}

/** The members of a scrape stored on either database through the SQL port: what `MemberStoreLike` asks, awaited. */
export interface PortMemberStore extends MemberStoreLike {
  /** The stored chat with this id, as `MembersRepository.findChat` gives it. */
  findChat(id: number): Promise<ChatRow | undefined>;
  /** As `MembersRepository.upsertChat`: fields left undefined keep their stored value. */
  upsertChat(chat: ChatInput, now?: number): Promise<ChatRow>;
  /**
   * As `MembersRepository.storeMembers`, in a few multi-row statements per page. With `tx`, every statement runs on
   * it (the caller's transaction, e.g. together with the checkpoint); otherwise in a transaction of its own.
   * @throws ChatNotStoredError when the chat was not upserted first.
   */
  storeMembers(chatId: number, users: readonly MemberInput[], options: StoreMembersOptions, tx?: SqlExecutor): Promise<StoreMembersResult>;
}

/** The chat columns `upsertChat` may overwrite, by the field of `ChatInput` that gives them. */
const chatFields = [
  ['kind', 'kind'],
  ['username', 'username'],
  ['title', 'title'],
  ['inviteHash', 'invite_hash'],
  ['membersCount', 'members_count'],
  ['membersHidden', 'members_hidden'],
] as const satisfies readonly (readonly [keyof ChatInput, string])[];

/**
 * A page split so that no statement holds a user twice: round k holds the k-th sighting of each user, in page order.
 * Rows of different users are independent, so storing round by round does what storing member by member does.
 * Each round is sorted by user id so that transactions storing overlapping pages lock rows in one order.
 */
function roundsOf(users: readonly MemberInput[]): MemberInput[][] {
  const seen = new Map<number, number>();
  const rounds: MemberInput[][] = [];
  for (const user of users) {
    const round = seen.get(user.id) ?? 0;
    seen.set(user.id, round + 1);
    (rounds[round] ??= []).push(user);
  }
  for (const round of rounds) round.sort((a, b) => a.id - b.id);
  return rounds;
}

const hasHash = (user: MemberInput): user is MemberInput & { accessHash: string } => user.accessHash !== undefined;

/** The `user_id` of each row the statement returns. */
async function userIds(tx: SqlExecutor, statement: SQL): Promise<Set<number>> {
  const rows = await tx.all<{ user_id: number }>(statement);
  return new Set(rows.map((row) => Number(row.user_id)));
}

/** Stores one round (each user once): users, access hashes, memberships. */
async function storeRound(
  tx: SqlExecutor,
  round: readonly MemberInput[],
  page: MembershipPage,
  options: StoreMembersOptions,
): Promise<{ inserted: number; refreshed: number }> {
  const { now } = page;
  const { since, accountId } = options;
  const { dialect } = tx;
  const chunks = <T>(rows: readonly T[], paramsPerRow: number): T[][] => chunksFor(dialect, rows, paramsPerRow);

  const shapes = new Map<number, MemberInput[]>();
  for (const user of round) {
    const shape = userShape(user);
    const group = shapes.get(shape);
    if (group === undefined) shapes.set(shape, [user]);
    else group.push(user);
  }
  for (const group of shapes.values()) {
    for (const chunk of chunks(group, USER_PARAMS)) await tx.run(upsertUsers(dialect, chunk, now));
  }

  if (accountId !== undefined) {
    for (const chunk of chunks(round.filter(hasHash), HASH_PARAMS)) await tx.run(upsertAccessHashes(dialect, accountId, chunk, now));
  }

  let inserted = 0;
  let refreshed = 0;
  const known: MemberInput[] = [];
  for (const chunk of chunks(round, MEMBERSHIP_PARAMS)) {
    const fresh = await userIds(tx, insertMemberships(dialect, page, chunk));
    inserted += fresh.size;
    for (const user of chunk) if (!fresh.has(user.id)) known.push(user);
  }
  for (const chunk of chunks(known, MEMBERSHIP_PARAMS)) {
    let rest = chunk;
    if (since !== undefined) {
      // Known members last seen before the scrape began are the ones it refreshes; the others are touched all the same.
      const touched = await userIds(tx, touchMemberships(dialect, page, chunk, since));
      refreshed += touched.size;
      rest = chunk.filter((user) => !touched.has(user.id));
    }
    if (rest.length > 0) await tx.run(touchMemberships(dialect, page, rest));
  }
  return { inserted, refreshed };
}

/**
 * The member store on the SQL port, one set of SQL for SQLite and PostgreSQL: what members.ts does for the scrape
 * runner (finding and upserting the chat, storing pages of members), with each page stored in a few multi-row
 * statements rather than three per member, since on PostgreSQL every statement is a round trip.
 */
export function createPortMemberStore(db: SqlHandle): PortMemberStore {
  const port = db.sql;

  const storePage = async (tx: SqlExecutor, chatId: number, users: readonly MemberInput[], options: StoreMembersOptions): Promise<StoreMembersResult> => {
    const exists = await tx.get<{ one: number }>(prepared(sql`SELECT 1 AS one FROM chats WHERE id = ${chatId}`));
    if (exists === undefined) throw new ChatNotStoredError(chatId);
    const { source } = options;
    const page: MembershipPage = {
      chatId,
      source,
      via: options.via ?? (source === 'participants' ? 'list' : 'messages'),
      now: options.now ?? Date.now(),
    };
    let inserted = 0;
    let refreshed = 0;
    for (const round of roundsOf(users)) {
      const stored = await storeRound(tx, round, page, options);
      inserted += stored.inserted;
      refreshed += stored.refreshed;
    }
    return { inserted, known: users.length - inserted, refreshed };
  };

  return {
    async findChat(id) {
      const row = await port.get<ChatSqlRow>(sql`SELECT ${chatColumns} FROM chats WHERE id = ${id}`);
      return row === undefined ? undefined : toChatRow(row);
    },

    async upsertChat(chat, now = Date.now()) {
      // Only what the caller knows overwrites the stored row.
      const set = chatFields
        .filter(([field]) => chat[field] !== undefined)
        .map(([, column]) => sql.raw(`${column} = excluded.${column}`));
      const row = await port.get<ChatSqlRow>(sql`
        INSERT INTO chats (id, kind, username, title, invite_hash, members_count, members_hidden, created_at, updated_at)
        VALUES (${chat.id}, ${chat.kind}, ${chat.username ?? null}, ${chat.title ?? null}, ${chat.inviteHash ?? null},
                ${chat.membersCount ?? null}, ${chat.membersHidden ?? null}, ${now}, ${now})
        ON CONFLICT (id) DO UPDATE SET ${sql.join([...set, sql`updated_at = ${now}`], sql`, `)}
        RETURNING ${chatColumns}`);
      if (row === undefined) throw new Error('INSERT … RETURNING gave no row');
      return toChatRow(row);
    },

    storeMembers(chatId, users, options, tx) {
      if (tx !== undefined) return storePage(tx, chatId, users, options);
      return port.transaction((own) => storePage(own, chatId, users, options));
    },
  };
}
