import { sql, type SQL } from 'drizzle-orm';
import { monitorHits, monitors, type MonitorHitRow, type MonitorRow } from '../schema.js';
import type { SqlExecutor, SqlHandle } from '../sql/sql-port.js';
import { tableCodec } from '../sql/table-codec.js';

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
  /** Null when the monitor starts over (its chat changed): {@link MonitorsRepository.advance} only moves it forward. */
  readonly lastMessageId?: number | null;
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

/**
 * What {@link MonitorsRepository.recordHit} did: `recorded` (new, counted), `seen` (the same message was recorded for
 * this monitor already: updates can arrive twice) or `stopped` (the monitor is stopped or gone: nothing stored, and
 * its watch should end).
 */
export type HitOutcome = 'recorded' | 'seen' | 'stopped';

/**
 * Keyword monitors and their hits over the SQL port, on SQLite and PostgreSQL alike. Every write is committed when its
 * promise resolves (or with the caller's `tx` where a method takes one; `tx` defaults to the handle's port).
 */
export interface MonitorsRepository {
  create(monitor: NewMonitor, now?: number): Promise<MonitorRow>;
  get(id: number, tx?: SqlExecutor): Promise<MonitorRow | undefined>;
  update(id: number, patch: MonitorPatch): Promise<MonitorRow | undefined>;
  /** Active monitors, oldest first. */
  listActive(tx?: SqlExecutor): Promise<MonitorRow[]>;
  /** Active monitors placed on `accountId`, oldest first: the ones its lease holder watches (docs/several-processes.md). */
  activeOn(accountId: number, tx?: SqlExecutor): Promise<MonitorRow[]>;
  /** Every monitor, newest first. */
  listAll(): Promise<MonitorRow[]>;
  /**
   * Records that the monitor's watches looked at every message of its chat up to `messageId`; it never moves back
   * (a watch ending late, after the next one read further, changes nothing). False when nothing changed.
   */
  advance(id: number, messageId: number): Promise<boolean>;
  /** Deactivates the monitor; false when it does not exist or was already stopped. */
  stop(id: number, now?: number): Promise<boolean>;
  /**
   * Stores a hit of an active monitor and counts it on the monitor, in one transaction (one insert and one bump on
   * the hit path).
   */
  recordHit(hit: NewMonitorHit): Promise<HitOutcome>;
  /** Hits stored, for one monitor or all. */
  countHits(monitorId?: number): Promise<number>;
  /** Most recent hits first, for one monitor or all. */
  recentHits(limit: number, monitorId?: number): Promise<MonitorHitRow[]>;
}

const monitorCodec = tableCodec(monitors);
const hitCodec = tableCodec(monitorHits);

/**
 * An id as bound. monitors.id is a 32-bit integer on PostgreSQL, where a larger parameter compared with it is an
 * error, not a miss; a typed-in id past 2^31 (/monitor stop 99999999999) must find nothing, as it does on SQLite.
 */
const id32 = (id: number): SQL => sql`CAST(${id} AS BIGINT)`;

export function createMonitorsRepository(db: SqlHandle): MonitorsRepository {
  const port = db.sql;

  const get = async (id: number, tx: SqlExecutor = port): Promise<MonitorRow | undefined> => {
    const row = await tx.get(sql`SELECT ${monitorCodec.columns} FROM monitors WHERE id = ${id32(id)}`);
    return row === undefined ? undefined : monitorCodec.decode(row);
  };
  const select = async (where: SQL, order: SQL, tx: SqlExecutor = port): Promise<MonitorRow[]> =>
    (await tx.all(sql`SELECT ${monitorCodec.columns} FROM monitors ${where} ${order}`)).map(monitorCodec.decode);
  const hitsWhere = (monitorId: number | undefined): SQL => (monitorId === undefined ? sql`` : sql`WHERE monitor_id = ${id32(monitorId)}`);

  return {
    async create(monitor, now = Date.now()) {
      const values = monitorCodec.insertion({
        target: monitor.target,
        keywords: [...monitor.keywords],
        chatId: monitor.chatId ?? null,
        accountId: monitor.accountId ?? null,
        createdBy: monitor.createdBy ?? null,
        reportChatId: monitor.reportChatId ?? null,
        operationId: monitor.operationId ?? null,
        createdAt: now,
      });
      // decode refuses undefined: INSERT … RETURNING gives a row or throws.
      return monitorCodec.decode(await port.get(sql`INSERT INTO monitors ${values} RETURNING ${monitorCodec.columns}`));
    },

    get,

    async update(id, patch) {
      const set = monitorCodec.assignments(patch);
      if (set === undefined) return get(id);
      const row = await port.get(sql`UPDATE monitors SET ${set} WHERE id = ${id32(id)} RETURNING ${monitorCodec.columns}`);
      return row === undefined ? undefined : monitorCodec.decode(row);
    },

    listActive(tx) {
      return select(sql`WHERE active = 1`, sql`ORDER BY id`, tx);
    },

    activeOn(accountId, tx) {
      return select(sql`WHERE active = 1 AND account_id = ${id32(accountId)}`, sql`ORDER BY id`, tx);
    },

    listAll() {
      return select(sql``, sql`ORDER BY id DESC`);
    },

    async advance(id, messageId) {
      const { changes } = await port.run(
        sql`UPDATE monitors SET last_message_id = ${messageId} WHERE id = ${id32(id)} AND (last_message_id IS NULL OR last_message_id < ${messageId})`,
      );
      return changes > 0;
    },

    async stop(id, now = Date.now()) {
      const { changes } = await port.run(sql`UPDATE monitors SET active = 0, stopped_at = ${now} WHERE id = ${id32(id)} AND active = 1`);
      return changes > 0;
    },

    recordHit(hit) {
      // A busy chat can match many messages a second: one conditional insert, and the bump only for a new hit. The
      // casts type the SELECT's parameters on PostgreSQL, which infers no column types through INSERT … SELECT. The
      // SELECT's WHERE also keeps SQLite from reading ON CONFLICT as part of a join (sqlite.org/lang_upsert.html).
      return port.transaction(async (tx) => {
        const { changes } = await tx.run(sql`
          INSERT INTO monitor_hits (monitor_id, chat_id, message_id, sender_id, text, keyword, at)
          SELECT CAST(${hit.monitorId} AS INTEGER), CAST(${hit.chatId} AS BIGINT), CAST(${hit.messageId} AS INTEGER),
                 CAST(${hit.senderId ?? null} AS BIGINT), CAST(${hit.text} AS TEXT), CAST(${hit.keyword} AS TEXT), CAST(${hit.at} AS BIGINT)
          WHERE EXISTS (SELECT 1 FROM monitors WHERE id = ${id32(hit.monitorId)} AND active = 1)
          ON CONFLICT DO NOTHING`);
        if (changes > 0) {
          await tx.run(sql`UPDATE monitors SET hits = hits + 1 WHERE id = ${id32(hit.monitorId)}`);
          return 'recorded';
        }
        // The rare path: tell a message seen twice from a monitor stopped meanwhile.
        const active = await tx.get(sql`SELECT 1 AS one FROM monitors WHERE id = ${id32(hit.monitorId)} AND active = 1`);
        return active === undefined ? 'stopped' : 'seen';
      });
    },

    async countHits(monitorId) {
      const row = await port.get<{ n: number | string }>(sql`SELECT count(*) AS n FROM monitor_hits ${hitsWhere(monitorId)}`);
      return Number(row?.n ?? 0);
    },

    async recentHits(limit, monitorId) {
      const rows = await port.all(sql`SELECT ${hitCodec.columns} FROM monitor_hits ${hitsWhere(monitorId)} ORDER BY at DESC, id DESC LIMIT ${limit}`);
      return rows.map(hitCodec.decode);
    },
  };
}
