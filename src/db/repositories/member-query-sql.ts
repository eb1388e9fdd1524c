import { sql, type SQL } from 'drizzle-orm';
import {
  ACTIVE_CLASS_DAYS,
  LAST_SEEN_STATUSES,
  type ExportStatus,
  type MemberExportRow,
  type MemberRole,
  type MemberSource,
  type MemberStats,
  type MemberVia,
} from './member-data.js';
import type { MemberQuery } from './member-reader.js';

/*
 * The statements that read a chat's members, one set for both readers (member-reader-sqlite.ts renders them for
 * better-sqlite3, member-reader-port.ts sends them through the SQL port) and both dialects: no iif, no sums of
 * comparisons (PostgreSQL's are booleans), counts with FILTER, which SQLite has had since 3.30.
 */

/** A member row as either database returns it (flags 0/1; node-postgres may give a flag as a boolean). */
export interface MemberSqlRow {
  user_id: number;
  username: string | null;
  first_name: string | null;
  last_name: string | null;
  is_bot: number | boolean;
  is_premium: number | boolean;
  source: MemberSource;
  first_seen_at: number;
  last_seen_at: number;
  phone: string | null;
  status: ExportStatus | null;
  was_online_at: number | null;
  role: MemberRole | null;
  joined_at: number | null;
  is_verified: number | boolean;
  is_scam: number | boolean;
  is_fake: number | boolean;
  is_deleted: number | boolean;
  lang_code: string | null;
}

const SELECT = sql`
  SELECT cm.user_id, u.username, u.first_name, u.last_name, u.is_bot, u.is_premium,
         cm.source, cm.first_seen_at, cm.last_seen_at,
         u.phone, u.status, u.was_online_at, cm.role, cm.joined_at,
         u.is_verified, u.is_scam, u.is_fake, u.is_deleted, u.lang_code
  FROM chat_members cm JOIN users u ON u.id = cm.user_id`;

const DAY_MS = 86_400_000;

/** The conditions of a query after `cm.chat_id = …`, each with its leading AND; whether any reads `users`. */
function conditions(query: MemberQuery): { sql: SQL; readsUsers: boolean } {
  const parts: SQL[] = [];
  let readsUsers = false;
  const f = query.filter ?? {};
  if (f.activeDays !== undefined) {
    const days = f.activeDays;
    // The same rule as isActiveWithin, in SQL: one class per Telegram status.
    const classes = Object.entries(ACTIVE_CLASS_DAYS)
      .filter(([, need]) => days >= need)
      .map(([status]) => sql`${status}`);
    const since = (query.now ?? Date.now()) - days * DAY_MS;
    parts.push(
      sql`(u.status = 'online' OR (u.status = 'offline' AND u.was_online_at >= ${since})${
        classes.length > 0 ? sql` OR u.status IN (${sql.join(classes, sql`, `)})` : sql``
      })`,
    );
    readsUsers = true;
  }
  if (f.noBots) parts.push(sql`u.is_bot = 0`);
  if (f.withUsername) parts.push(sql`u.username IS NOT NULL`);
  if (f.premium) parts.push(sql`u.is_premium = 1`);
  readsUsers ||= f.noBots === true || f.withUsername === true || f.premium === true;
  if (f.admins) parts.push(sql`cm.role IN ('creator', 'admin')`);
  for (const other of query.alsoIn ?? []) {
    parts.push(sql`EXISTS (SELECT 1 FROM chat_members o WHERE o.chat_id = ${other} AND o.user_id = cm.user_id)`);
  }
  return { sql: sql.join(parts.map((part) => sql` AND ${part}`)), readsUsers };
}

/** The page of the chat's members that pass the query after user id `after`, by user id. */
export function memberPageSql(chatId: number, after: number, query: MemberQuery, pageSize: number): SQL {
  return sql`${SELECT} WHERE cm.chat_id = ${chatId} AND cm.user_id > ${after}${conditions(query).sql} ORDER BY cm.user_id LIMIT ${pageSize}`;
}

/** `n`: how many of the chat's members pass the query. */
export function memberCountSql(chatId: number, query: MemberQuery): SQL {
  const where = conditions(query);
  const join = where.readsUsers ? sql` JOIN users u ON u.id = cm.user_id` : sql``;
  return sql`SELECT count(*) AS n FROM chat_members cm${join} WHERE cm.chat_id = ${chatId}${where.sql}`;
}

/** The way a membership was found: stored since `via` was added, else told by its source. */
const VIA = sql.raw(`coalesce(cm.via, CASE WHEN cm.source = 'participants' THEN 'list' ELSE 'messages' END)`);

const countWhere = (alias: string, condition: SQL): SQL => sql`count(*) FILTER (WHERE ${condition}) AS ${sql.identifier(alias)}`;

/** One row of counts for /stats, named as `toMemberStats` reads them. */
export function memberStatsSql(chatId: number): SQL {
  const columns = [
    sql`count(*) AS total`,
    ...LAST_SEEN_STATUSES.map((status) => countWhere(status, sql`u.status = ${status}`)),
    countWhere('unknown', sql`u.status IS NULL`),
    countWhere('with_username', sql`u.username IS NOT NULL`),
    countWhere('with_phone', sql`u.phone IS NOT NULL`),
    countWhere('premium', sql`u.is_premium = 1`),
    countWhere('bots', sql`u.is_bot = 1`),
    countWhere('admins', sql`cm.role IN ('creator', 'admin')`),
    countWhere('scam_or_fake', sql`(u.is_scam = 1 OR u.is_fake = 1)`),
    countWhere('via_list', sql`${VIA} = 'list'`),
    countWhere('via_search', sql`cm.via = 'search'`),
    countWhere('via_messages', sql`${VIA} = 'messages'`),
  ];
  return sql`SELECT ${sql.join(columns, sql`, `)} FROM chat_members cm JOIN users u ON u.id = cm.user_id WHERE cm.chat_id = ${chatId}`;
}

const flag = (value: number | boolean): boolean => value === true || value === 1;
/** A count or id as a number: 64-bit integers may come from a driver as text. */
const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));
const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/** A member row as exported. */
export function toMemberExportRow(r: MemberSqlRow): MemberExportRow {
  return {
    user_id: Number(r.user_id),
    username: r.username,
    first_name: r.first_name,
    last_name: r.last_name,
    is_bot: flag(r.is_bot),
    is_premium: flag(r.is_premium),
    source: r.source,
    first_seen_at: Number(r.first_seen_at),
    last_seen_at: Number(r.last_seen_at),
    phone: r.phone,
    status: r.status ?? 'unknown',
    was_online_at: numOrNull(r.was_online_at),
    role: r.role,
    joined_at: numOrNull(r.joined_at),
    is_verified: flag(r.is_verified),
    is_scam: flag(r.is_scam),
    is_fake: flag(r.is_fake),
    is_deleted: flag(r.is_deleted),
    lang_code: r.lang_code,
  };
}

/** The row of `memberStatsSql` as /stats tells it (all zero when the statement gave none). */
export function toMemberStats(r: Record<string, unknown> = {}): MemberStats {
  const n = (key: string): number => num(r[key]);
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
}
