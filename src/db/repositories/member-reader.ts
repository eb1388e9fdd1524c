import type Database from 'better-sqlite3';
import {
  ACTIVE_CLASS_DAYS,
  LAST_SEEN_STATUSES,
  type ExportStatus,
  type MemberExportRow,
  type MemberFilter,
  type MemberRole,
  type MemberSource,
  type MemberStats,
  type MemberVia,
} from './member-data.js';

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
   * Rows read per query. Each page is read in full before rows are handed out, so the connection is
   * never left busy while the consumer awaits (an open better-sqlite3 iterator blocks every write).
   * @default 1000
   */
  readonly pageSize?: number;
}

interface RawRow {
  user_id: number;
  username: string | null;
  first_name: string | null;
  last_name: string | null;
  is_bot: number;
  is_premium: number;
  source: MemberSource;
  first_seen_at: number;
  last_seen_at: number;
  phone: string | null;
  status: ExportStatus | null;
  was_online_at: number | null;
  role: MemberRole | null;
  joined_at: number | null;
  is_verified: number;
  is_scam: number;
  is_fake: number;
  is_deleted: number;
  lang_code: string | null;
}

const SELECT = `
  SELECT cm.user_id, u.username, u.first_name, u.last_name, u.is_bot, u.is_premium,
         cm.source, cm.first_seen_at, cm.last_seen_at,
         u.phone, u.status, u.was_online_at, cm.role, cm.joined_at,
         u.is_verified, u.is_scam, u.is_fake, u.is_deleted, u.lang_code
  FROM chat_members cm JOIN users u ON u.id = cm.user_id`;

const DAY_MS = 86_400_000;

/** The WHERE conditions of a query after `cm.chat_id = ?`, with their parameters, in order. */
function conditions(query: MemberQuery): { sql: string; params: number[] } {
  const parts: string[] = [];
  const params: number[] = [];
  const f = query.filter ?? {};
  if (f.activeDays !== undefined) {
    // The same rule as isActiveWithin, in SQL: one class per Telegram status.
    const classes = Object.entries(ACTIVE_CLASS_DAYS)
      .filter(([, days]) => f.activeDays! >= days)
      .map(([status]) => `'${status}'`);
    parts.push(
      `(u.status = 'online' OR (u.status = 'offline' AND u.was_online_at >= ?)${classes.length > 0 ? ` OR u.status IN (${classes.join(', ')})` : ''})`,
    );
    params.push((query.now ?? Date.now()) - f.activeDays * DAY_MS);
  }
  if (f.noBots) parts.push('u.is_bot = 0');
  if (f.withUsername) parts.push('u.username IS NOT NULL');
  if (f.premium) parts.push('u.is_premium = 1');
  if (f.admins) parts.push(`cm.role IN ('creator', 'admin')`);
  for (const other of query.alsoIn ?? []) {
    parts.push('EXISTS (SELECT 1 FROM chat_members o WHERE o.chat_id = ? AND o.user_id = cm.user_id)');
    params.push(other);
  }
  return { sql: parts.map((p) => ` AND ${p}`).join(''), params };
}

const toRow = (r: RawRow): MemberExportRow => ({
  ...r,
  is_bot: r.is_bot === 1,
  is_premium: r.is_premium === 1,
  status: r.status ?? 'unknown',
  is_verified: r.is_verified === 1,
  is_scam: r.is_scam === 1,
  is_fake: r.is_fake === 1,
  is_deleted: r.is_deleted === 1,
});

export interface MemberReader {
  /** The chat's members that pass the query, ordered by user id, read page by page. */
  iterate(chatId: number, options?: IterateMembersOptions): Generator<MemberExportRow, void, undefined>;
  count(chatId: number, query?: MemberQuery): number;
  stats(chatId: number): MemberStats;
}

export function createMemberReader(sqlite: Database.Database): MemberReader {
  // A query shape per filter combination, prepared once: an export reads thousands of pages.
  const prepared = new Map<string, Database.Statement>();
  const statement = (sql: string): Database.Statement => {
    let stmt = prepared.get(sql);
    if (!stmt) {
      stmt = sqlite.prepare(sql);
      prepared.set(sql, stmt);
    }
    return stmt;
  };
  const statusCases = LAST_SEEN_STATUSES.map((s) => `sum(u.status = '${s}') AS "${s}"`).join(', ');
  const statsStmt = sqlite.prepare<[number], Record<string, number | null>>(`
    SELECT count(*) AS total, ${statusCases}, sum(u.status IS NULL) AS "unknown",
           sum(u.username IS NOT NULL) AS with_username, sum(u.phone IS NOT NULL) AS with_phone,
           sum(u.is_premium) AS premium, sum(u.is_bot) AS bots,
           sum(cm.role IN ('creator', 'admin')) AS admins, sum(u.is_scam OR u.is_fake) AS scam_or_fake,
           sum(coalesce(cm.via, iif(cm.source = 'participants', 'list', 'messages')) = 'list') AS via_list,
           sum(cm.via = 'search') AS via_search,
           sum(coalesce(cm.via, iif(cm.source = 'participants', 'list', 'messages')) = 'messages') AS via_messages
    FROM chat_members cm JOIN users u ON u.id = cm.user_id
    WHERE cm.chat_id = ?`);

  return {
    *iterate(chatId, options = {}) {
      const { pageSize = 1000 } = options;
      const where = conditions(options);
      const page = statement(`${SELECT} WHERE cm.chat_id = ? AND cm.user_id > ?${where.sql} ORDER BY cm.user_id LIMIT ?`);
      let after = Number.MIN_SAFE_INTEGER;
      for (;;) {
        const rows = page.all(chatId, after, ...where.params, pageSize) as RawRow[];
        for (const row of rows) yield toRow(row);
        const last = rows.at(-1);
        if (last === undefined || rows.length < pageSize) return;
        after = last.user_id;
      }
    },

    count(chatId, query = {}) {
      const where = conditions(query);
      const sql = `SELECT count(*) FROM chat_members cm${where.sql.includes('u.') ? ' JOIN users u ON u.id = cm.user_id' : ''} WHERE cm.chat_id = ?${where.sql}`;
      return (statement(sql).pluck().get(chatId, ...where.params) as number | undefined) ?? 0;
    },

    stats(chatId) {
      const r = statsStmt.get(chatId) ?? {};
      const n = (key: string): number => r[key] ?? 0;
      const byStatus = Object.fromEntries([...LAST_SEEN_STATUSES, 'unknown'].map((s) => [s, n(s)])) as Record<ExportStatus, number>;
      const byVia: Record<MemberVia, number> = { list: n('via_list'), search: n('via_search'), messages: n('via_messages') };
      return {
        total: n('total'),
        byStatus,
        withUsername: n('with_username'),
        withPhone: n('with_phone'),
        premium: n('premium'),
        bots: n('bots'),
        admins: n('admins'),
        scamOrFake: n('scam_or_fake'),
        byVia,
      };
    },
  };
}
