import { sql, type SQL } from 'drizzle-orm';
import type { ChatRow } from '../schema.js';
import type { SqlDatabase, SqlHandle } from '../sql/sql-port.js';
import { chatColumns, toChatRow, type ChatSqlRow } from './chat-sql-row.js';
import { memberCountSql, memberPageSql, memberStatsSql, toMemberExportRow, toMemberStats, type MemberSqlRow } from './member-query-sql.js';
import type { MemberReader } from './member-reader.js';

/** ASCII letters to lower case and nothing else: what SQLite's NOCASE folds. */
const asciiLower = (text: string): string => text.replace(/[A-Z]/g, (letter) => letter.toLowerCase());

/**
 * `username` equal to `name` in any case, as the SQLite repository compares (COLLATE NOCASE: ASCII letters only).
 * PostgreSQL has no NOCASE; lower() under the "C" collation folds ASCII letters only as well.
 */
function sameUsername(port: SqlDatabase, name: string): SQL {
  if (port.dialect === 'sqlite') return sql`username = ${name} COLLATE NOCASE`;
  return sql`lower(username COLLATE "C") = ${asciiLower(name)}`;
}

/**
 * The member reads of the panel on the SQL port, one set of SQL for SQLite and PostgreSQL, answering what the SQLite
 * `MembersRepository` answers. On SQLite it takes the handle's port too (`DatabaseHandle.sql`), so a one-process panel
 * reads through it just the same.
 */
export function createPortMemberReader(db: SqlHandle): MemberReader {
  const port = db.sql;

  // The newest row wins when a username or invite hash moved between chats; the id settles a tie.
  const findBy = async (where: SQL): Promise<ChatRow | undefined> => {
    const row = await port.get<ChatSqlRow>(sql`SELECT ${chatColumns} FROM chats WHERE ${where} ORDER BY updated_at DESC, id DESC LIMIT 1`);
    return row === undefined ? undefined : toChatRow(row);
  };

  return {
    async findChat(ref) {
      if (typeof ref === 'number') return findBy(sql`id = ${ref}`);
      if (typeof ref === 'object') {
        if ('id' in ref) return findBy(sql`id = ${ref.id}`);
        if ('username' in ref) return findBy(sameUsername(port, ref.username.replace(/^@/, '')));
        return findBy(sql`invite_hash = ${ref.inviteHash}`);
      }
      const text = ref.trim();
      const name = text.replace(/^@/, '');
      return (
        (name.length > 0 ? await findBy(sameUsername(port, name)) : undefined) ??
        (text.length > 0 ? await findBy(sql`invite_hash = ${text}`) : undefined) ??
        (/^-?\d+$/.test(text) ? await findBy(sql`id = ${Number(text)}`) : undefined)
      );
    },

    async countMembers(chatId, query = {}) {
      const row = await port.get<{ n: number | string }>(memberCountSql(chatId, query));
      return Number(row?.n ?? 0);
    },

    async *iterateMembers(chatId, options = {}) {
      const { pageSize = 1000 } = options;
      let after = Number.MIN_SAFE_INTEGER;
      for (;;) {
        // The whole page is read before the first row is handed out: no statement stays open while the consumer awaits.
        const rows = await port.all<MemberSqlRow>(memberPageSql(chatId, after, options, pageSize));
        for (const row of rows) yield toMemberExportRow(row);
        const last = rows.at(-1);
        if (last === undefined || rows.length < pageSize) return;
        after = Number(last.user_id);
      }
    },

    async memberStats(chatId) {
      return toMemberStats(await port.get<Record<string, unknown>>(memberStatsSql(chatId)));
    },

    async listChats() {
      const rows = await port.all<ChatSqlRow & { stored_members: number | string }>(sql`
        SELECT ${chatColumns}, (SELECT count(*) FROM chat_members cm WHERE cm.chat_id = chats.id) AS stored_members
        FROM chats
        ORDER BY stored_members DESC, id`);
      return rows.map((row) => ({ ...toChatRow(row), storedMembers: Number(row.stored_members) }));
    },

    async topChats(sinceMs, limit) {
      const rows = await port.all<{ id: number; kind: string; username: string | null; title: string | null; members: number | string }>(sql`
        SELECT c.id, c.kind, c.username, c.title, count(*) AS members
        FROM chat_members cm JOIN chats c ON c.id = cm.chat_id
        WHERE cm.last_seen_at >= ${sinceMs}
        GROUP BY c.id
        ORDER BY members DESC, c.id
        LIMIT ${limit}`);
      return rows.map((row) => ({ id: Number(row.id), kind: row.kind, username: row.username, title: row.title, members: Number(row.members) }));
    },
  };
}
