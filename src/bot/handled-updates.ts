import type { DatabaseHandle } from '../db/client.js';

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

/** The `handled_updates` table: Bot API update ids the panel took on, and whether it finished them. */
export interface HandledUpdates {
  /**
   * Records that the update is being handled, committed before this returns. False when its id was
   * recorded before: Telegram delivered it again.
   */
  claim(update: Pick<HandledUpdate, 'updateId' | 'chatId' | 'action'>, at: number): boolean;
  /** Marks a claimed update finished (however its handlers ended). */
  finish(updateId: number, at: number): void;
  /** Claimed and never finished: cut short by a crash, or by a shutdown that could not wait for it. */
  unfinished(): HandledUpdate[];
  /** Forgets updates received before `before`; returns how many. */
  prune(before: number): number;
}

interface Row {
  update_id: number;
  chat_id: number | null;
  action: string | null;
  received_at: number;
  finished_at: number | null;
}

export function createHandledUpdates(db: DatabaseHandle): HandledUpdates {
  const { sqlite } = db;
  const insert = sqlite.prepare<[number, number | null, string | null, number]>(
    'INSERT INTO handled_updates (update_id, chat_id, action, received_at) VALUES (?, ?, ?, ?) ON CONFLICT (update_id) DO NOTHING',
  );
  const markFinished = sqlite.prepare<[number, number]>('UPDATE handled_updates SET finished_at = ? WHERE update_id = ? AND finished_at IS NULL');
  const selectUnfinished = sqlite.prepare<[], Row>('SELECT * FROM handled_updates WHERE finished_at IS NULL ORDER BY update_id');
  const deleteOld = sqlite.prepare<[number]>('DELETE FROM handled_updates WHERE received_at < ?');

  return {
    claim: ({ updateId, chatId, action }, at) => insert.run(updateId, chatId, action, at).changes === 1,
    finish(updateId, at) {
      markFinished.run(at, updateId);
    },
    unfinished: () =>
      selectUnfinished.all().map((r) => ({ updateId: r.update_id, chatId: r.chat_id, action: r.action, receivedAt: r.received_at, finishedAt: r.finished_at })),
    prune: (before) => deleteOld.run(before).changes,
  };
}
