import { sql } from 'drizzle-orm';
import type { ChatRow } from '../schema.js';

/** A row of `chats` as either database returns it through the SQL port (flags 0/1; node-postgres may give a boolean). */
export interface ChatSqlRow {
  id: number;
  kind: string;
  username: string | null;
  title: string | null;
  invite_hash: string | null;
  members_count: number | null;
  members_hidden: number | boolean | null;
  created_at: number;
  updated_at: number;
}

/** Every column of `chats`, for SELECT and RETURNING. */
export const chatColumns = sql`id, kind, username, title, invite_hash, members_count, members_hidden, created_at, updated_at`;

/** The row as drizzle's SQLite schema shapes it (`ChatRow`). */
export function toChatRow(row: ChatSqlRow): ChatRow {
  return {
    id: Number(row.id),
    kind: row.kind,
    username: row.username,
    title: row.title,
    inviteHash: row.invite_hash,
    membersCount: row.members_count === null ? null : Number(row.members_count),
    membersHidden: row.members_hidden === null ? null : row.members_hidden !== 0 && row.members_hidden !== false,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}
