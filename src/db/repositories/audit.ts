import { sql } from 'drizzle-orm';
import type { auditLog } from '../schema.js';
import type { SqlHandle } from '../sql/sql-port.js';

export type AuditRow = typeof auditLog.$inferSelect;

export interface AuditEntry {
  /** The Telegram user who acted. */
  readonly userId?: number | null;
  /** The chat the command came from. */
  readonly chatId?: number | null;
  /** The command or button, e.g. `scrape`. */
  readonly action: string;
  /**
   * The arguments: stored as is when a string, as JSON otherwise. Callers must leave out secrets
   * (login codes, 2FA passwords, session strings).
   */
  readonly args?: unknown;
  /** How it ended, in a few words (`submitted #12`, `refused: not an admin`). */
  readonly outcome?: string | null;
  /**
   * When it happened, epoch ms.
   * @default Date.now()
   */
  readonly at?: number;
}

export interface AuditRepository {
  record(entry: AuditEntry): Promise<AuditRow>;
  /** The latest entries, newest first. */
  recent(limit: number): Promise<AuditRow[]>;
}

interface AuditSqlRow {
  id: number;
  user_id: number | null;
  chat_id: number | null;
  action: string;
  args: string | null;
  outcome: string | null;
  at: number;
}

const columns = sql`id, user_id, chat_id, action, args, outcome, at`;

function toRow(row: AuditSqlRow): AuditRow {
  return {
    id: row.id,
    userId: row.user_id,
    chatId: row.chat_id,
    action: row.action,
    args: row.args,
    outcome: row.outcome,
    at: row.at,
  };
}

export function createAuditRepository(db: SqlHandle): AuditRepository {
  const port = db.sql;
  return {
    async record(entry) {
      const { args: given } = entry;
      const args = given === undefined || given === null ? null : typeof given === 'string' ? given : JSON.stringify(given);
      const row = await port.get<AuditSqlRow>(sql`
        INSERT INTO audit_log (user_id, chat_id, action, args, outcome, at)
        VALUES (${entry.userId ?? null}, ${entry.chatId ?? null}, ${entry.action}, ${args}, ${entry.outcome ?? null},
                ${entry.at ?? Date.now()})
        RETURNING ${columns}`);
      if (row === undefined) throw new Error('INSERT … RETURNING gave no row');
      return toRow(row);
    },

    async recent(limit) {
      const rows = await port.all<AuditSqlRow>(
        sql`SELECT ${columns} FROM audit_log ORDER BY at DESC, id DESC LIMIT ${limit}`,
      );
      return rows.map(toRow);
    },
  };
}
