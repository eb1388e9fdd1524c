import { sql } from 'drizzle-orm';
import type { SqlHandle } from '../db/sql/sql-port.js';

/** An update the panel took on. */
export interface HandledUpdate {
  readonly updateId: number;
  /** The chat to tell if handling is cut short; null when nobody should be told (strangers, no chat). */
  readonly chatId: number | null;
  /** What it asked for in a word (`/scrape`, `a button press`), never its text. */
  readonly action: string | null;
  readonly receivedAt: number;
  /** Null while it is being handled. */
  readonly finishedAt: number | null;
}

/** The `handled_updates` table: Bot API update ids the panel took on, and whether it finished them (SQLite or PostgreSQL). */
export interface HandledUpdates {
  /**
   * Records that the update is being handled, committed before this resolves. False when its id was
   * recorded before: Telegram delivered it again.
   */
  claim(update: Pick<HandledUpdate, 'updateId' | 'chatId' | 'action'>, at: number): Promise<boolean>;
  /** Marks a claimed update finished (however its handlers ended). */
  finish(updateId: number, at: number): Promise<void>;
  /** Claimed and never finished: cut short by a crash, or by a shutdown that could not wait for it. */
  unfinished(): Promise<HandledUpdate[]>;
  /** Forgets updates received before `before`; returns how many. */
  prune(before: number): Promise<number>;
}

interface Row {
  update_id: number | string;
  chat_id: number | string | null;
  action: string | null;
  received_at: number | string;
  finished_at: number | string | null;
}

/** PostgreSQL hands bigint columns back as strings (node-postgres keeps their precision); ids and times fit a double. */
const num = (value: number | string): number => Number(value);

export function createHandledUpdates(db: SqlHandle): HandledUpdates {
  const port = db.sql;
  return {
    claim: async ({ updateId, chatId, action }, at) =>
      (await port.run(sql`INSERT INTO handled_updates (update_id, chat_id, action, received_at) VALUES (${updateId}, ${chatId}, ${action}, ${at}) ON CONFLICT (update_id) DO NOTHING`)).changes === 1,
    async finish(updateId, at) {
      await port.run(sql`UPDATE handled_updates SET finished_at = ${at} WHERE update_id = ${updateId} AND finished_at IS NULL`);
    },
    unfinished: async () =>
      (await port.all<Row>(sql`SELECT * FROM handled_updates WHERE finished_at IS NULL ORDER BY update_id`)).map((r) => ({
        updateId: num(r.update_id),
        chatId: r.chat_id === null ? null : num(r.chat_id),
        action: r.action,
        receivedAt: num(r.received_at),
        finishedAt: r.finished_at === null ? null : num(r.finished_at),
      })),
    prune: async (before) => (await port.run(sql`DELETE FROM handled_updates WHERE received_at < ${before}`)).changes,
  };
}
