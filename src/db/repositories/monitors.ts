import { and, count, desc, eq } from 'drizzle-orm';
import type { DatabaseHandle } from '../client.js';
import { monitorHits, monitors, type MonitorHitRow, type MonitorRow } from '../schema.js';

export interface NewMonitor {
  /** The target as the admin typed it (`@name`, an invite link…). */
  readonly target: string;
  /** Keywords: case-insensitive words, or `/regex/flags` strings. */
  readonly keywords: readonly string[];
  readonly chatId?: number | null;
  readonly accountId?: number | null;
  readonly createdBy?: number | null;
  readonly reportChatId?: number | null;
  readonly operationId?: number | null;
}

/** What may change on a monitor after it was created (resolved chat, placement, running operation). */
export interface MonitorPatch {
  readonly chatId?: number | null;
  readonly accountId?: number | null;
  readonly operationId?: number | null;
}

export interface NewMonitorHit {
  readonly monitorId: number;
  readonly chatId: number;
  readonly messageId: number;
  readonly senderId?: number | null;
  readonly text: string;
  readonly keyword: string;
  /** When the message was seen, epoch ms. */
  readonly at: number;
}

export interface MonitorsRepository {
  create(monitor: NewMonitor, now?: number): MonitorRow;
  get(id: number): MonitorRow | undefined;
  update(id: number, patch: MonitorPatch): MonitorRow | undefined;
  /** Active monitors, oldest first. */
  listActive(): MonitorRow[];
  /** Every monitor, newest first. */
  listAll(): MonitorRow[];
  /** Deactivates the monitor; false when it does not exist or was already stopped. */
  stop(id: number, now?: number): boolean;
  /**
   * Stores a hit and counts it on the monitor, in one transaction. False when the same message was
   * already recorded for this monitor (updates can arrive twice).
   */
  recordHit(hit: NewMonitorHit): boolean;
  /** Hits stored, for one monitor or all. */
  countHits(monitorId?: number): number;
  /** Most recent hits first, for one monitor or all. */
  recentHits(limit: number, monitorId?: number): MonitorHitRow[];
}

export function createMonitorsRepository(db: DatabaseHandle): MonitorsRepository {
  const { orm, sqlite } = db;

  // A busy chat can match many messages a second: the hit path skips drizzle's query building.
  const insertHit = sqlite.prepare(
    `INSERT INTO monitor_hits (monitor_id, chat_id, message_id, sender_id, text, keyword, at)
     VALUES (@monitorId, @chatId, @messageId, @senderId, @text, @keyword, @at)
     ON CONFLICT DO NOTHING`,
  );
  const bumpHits = sqlite.prepare<[number]>('UPDATE monitors SET hits = hits + 1 WHERE id = ?');
  const record = sqlite.transaction((hit: NewMonitorHit): boolean => {
    const { changes } = insertHit.run({
      monitorId: hit.monitorId,
      chatId: hit.chatId,
      messageId: hit.messageId,
      senderId: hit.senderId ?? null,
      text: hit.text,
      keyword: hit.keyword,
      at: hit.at,
    });
    if (changes === 0) return false;
    bumpHits.run(hit.monitorId);
    return true;
  });

  const get = (id: number): MonitorRow | undefined => orm.select().from(monitors).where(eq(monitors.id, id)).get();

  return {
    create(monitor, now = Date.now()) {
      return orm
        .insert(monitors)
        .values({
          target: monitor.target,
          keywords: [...monitor.keywords],
          chatId: monitor.chatId ?? null,
          accountId: monitor.accountId ?? null,
          createdBy: monitor.createdBy ?? null,
          reportChatId: monitor.reportChatId ?? null,
          operationId: monitor.operationId ?? null,
          createdAt: now,
        })
        .returning()
        .get();
    },

    get,

    update(id, patch) {
      const set = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as MonitorPatch;
      if (Object.keys(set).length === 0) return get(id);
      return orm.update(monitors).set(set).where(eq(monitors.id, id)).returning().get();
    },

    listActive() {
      return orm.select().from(monitors).where(eq(monitors.active, true)).orderBy(monitors.id).all();
    },

    listAll() {
      return orm.select().from(monitors).orderBy(desc(monitors.id)).all();
    },

    stop(id, now = Date.now()) {
      const result = orm
        .update(monitors)
        .set({ active: false, stoppedAt: now })
        .where(and(eq(monitors.id, id), eq(monitors.active, true)))
        .run();
      return result.changes > 0;
    },

    recordHit(hit) {
      return record(hit);
    },

    countHits(monitorId) {
      const where = monitorId === undefined ? undefined : eq(monitorHits.monitorId, monitorId);
      return orm.select({ n: count() }).from(monitorHits).where(where).get()?.n ?? 0;
    },

    recentHits(limit, monitorId) {
      const where = monitorId === undefined ? undefined : eq(monitorHits.monitorId, monitorId);
      return orm
        .select()
        .from(monitorHits)
        .where(where)
        .orderBy(desc(monitorHits.at), desc(monitorHits.id))
        .limit(limit)
        .all();
    },
  };
}
