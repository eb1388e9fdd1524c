import { desc } from 'drizzle-orm';
import type { DatabaseHandle } from '../client.js';
import { auditLog } from '../schema.js';

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
  record(entry: AuditEntry): AuditRow;
  /** The latest entries, newest first. */
  recent(limit: number): AuditRow[];
}

export function createAuditRepository(db: DatabaseHandle): AuditRepository {
  const { orm } = db;
  return {
    record(entry) {
      const { args: given } = entry;
      const args = given === undefined || given === null ? null : typeof given === 'string' ? given : JSON.stringify(given);
      return orm
        .insert(auditLog)
        .values({
          userId: entry.userId ?? null,
          chatId: entry.chatId ?? null,
          action: entry.action,
          args,
          outcome: entry.outcome ?? null,
          at: entry.at ?? Date.now(),
        })
        .returning()
        .get();
    },

    recent(limit) {
      return orm.select().from(auditLog).orderBy(desc(auditLog.at), desc(auditLog.id)).limit(limit).all();
    },
  };
}
