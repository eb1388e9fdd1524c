import type { ChatRow } from '../schema.js';
import type { MemberExportRow, MemberFilter, MemberStats } from './member-data.js';

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

export interface MemberQuery {
  /** Keep only the members that pass every condition given. */
  readonly filter?: MemberFilter;
  /** Keep only the members who are also stored in each of these chats (`--common`). */
  readonly alsoIn?: readonly number[];
  /**
   * What `--active` counts back from (epoch ms).
   * @default Date.now()
   */
  readonly now?: number;
}

export interface IterateMembersOptions extends MemberQuery {
  /**
   * Rows read per query. Each page is read in full before rows are handed out, so no connection is left busy (nor, on
   * SQLite, every write blocked behind an open cursor) while the consumer awaits.
   * @default 1000
   */
  readonly pageSize?: number;
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

/**
 * What the panel reads of stored chats and members, on either database (member-reader-port.ts): the reads of the
 * SQLite `MembersRepository`, awaited, with the same answers.
 */
export interface MemberReader {
  /** The stored chat the reference names; the most recently updated one when several share a username or hash. */
  findChat(ref: ChatRef): Promise<ChatRow | undefined>;
  /** How many of the chat's stored members pass the query (all of them without one). */
  countMembers(chatId: number, query?: MemberQuery): Promise<number>;
  /** The chat's members that pass the query, ordered by user id, read page by page. */
  iterateMembers(chatId: number, options?: IterateMembersOptions): AsyncGenerator<MemberExportRow, void, undefined>;
  /** What /stats tells of the chat's stored members. */
  memberStats(chatId: number): Promise<MemberStats>;
  /** Every stored chat with its stored member count, most members first. */
  listChats(): Promise<ChatWithMembers[]>;
  /** Chats with the most members seen since `sinceMs`, most first. */
  topChats(sinceMs: number, limit: number): Promise<TopChat[]>;
}
