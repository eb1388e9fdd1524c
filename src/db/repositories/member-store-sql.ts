import { sql, type SQL } from 'drizzle-orm';
import { prepared } from '../sql/prepared.js';
import { rowSource, rowSourceColumns, type RowColumn } from '../sql/row-source.js';
import type { Dialect } from '../sql/sql-port.js';
import type { MemberInput, MemberSource, MemberVia } from './member-data.js';

/*
 * The multi-row statements that store one page of members on either dialect (member-store.ts): the same rules as the
 * per-member statements of member-writer.ts, written in SQL both SQLite and PostgreSQL accept (CASE for iif and the
 * scalar max, IS DISTINCT FROM for IS NOT, columns of the stored row named by table since PostgreSQL finds a bare
 * name ambiguous next to `excluded`). The rows of a page come in as a table expression `page` (db/sql/row-source.ts:
 * a few arrays on PostgreSQL, so each statement's text is the same for every page and is prepared once per
 * connection; a VALUES list on SQLite). Each statement must hold each key once: PostgreSQL refuses to upsert one row
 * twice in one statement, so the caller splits a page with repeats into rounds.
 */

/** The user fields a member may leave unknown (undefined) that, when known, overwrite the stored value. */
const KNOWN_FIELDS = [
  ['username', 'username'],
  ['firstName', 'first_name'],
  ['lastName', 'last_name'],
  ['isBot', 'is_bot'],
  ['isPremium', 'is_premium'],
  ['isVerified', 'is_verified'],
  ['isScam', 'is_scam'],
  ['isFake', 'is_fake'],
  ['isDeleted', 'is_deleted'],
] as const satisfies readonly (readonly [keyof MemberInput, string])[];

const flag = (value: boolean | undefined): number => (value === true ? 1 : 0);

/** The columns of a user row as a page binds them; `status_at`, `created_at` and `updated_at` are bound once. */
const USER_COLUMNS: readonly RowColumn<MemberInput>[] = [
  { name: 'id', type: 'bigint', value: (u) => u.id },
  { name: 'username', type: 'text', value: (u) => u.username ?? null },
  { name: 'first_name', type: 'text', value: (u) => u.firstName ?? null },
  { name: 'last_name', type: 'text', value: (u) => u.lastName ?? null },
  { name: 'is_bot', type: 'integer', value: (u) => flag(u.isBot) },
  { name: 'is_premium', type: 'integer', value: (u) => flag(u.isPremium) },
  { name: 'is_verified', type: 'integer', value: (u) => flag(u.isVerified) },
  { name: 'is_scam', type: 'integer', value: (u) => flag(u.isScam) },
  { name: 'is_fake', type: 'integer', value: (u) => flag(u.isFake) },
  { name: 'is_deleted', type: 'integer', value: (u) => flag(u.isDeleted) },
  { name: 'phone', type: 'text', value: (u) => u.phone ?? null },
  { name: 'lang_code', type: 'text', value: (u) => u.langCode ?? null },
  { name: 'status', type: 'text', value: (u) => u.lastSeen?.status ?? null },
  { name: 'was_online_at', type: 'bigint', value: (u) => u.lastSeen?.wasOnlineAt ?? null },
];

/** Bound values per user row (SQLite's limit, db/sql/row-source.ts). */
export const USER_PARAMS = USER_COLUMNS.length;

/**
 * Which fields of the user are known, as a key: users of one shape share one upsert, whose SET overwrites just those
 * fields. A participants page is all of one shape (everything known); message authors mostly of one other.
 */
export function userShape(user: MemberInput): number {
  let shape = user.lastSeen === undefined ? 0 : 1;
  for (const [field] of KNOWN_FIELDS) shape = shape * 2 + (user[field] === undefined ? 0 : 1);
  return shape;
}

/**
 * Upserts users of one shape (userShape), each once. As member-writer.ts: fields left unknown keep their stored
 * value (and a new row gets null or 0), phone and language code are kept when the new look shows none, status fields
 * move only forward in time, and a user whose row would not change is not rewritten.
 */
export function upsertUsers(dialect: Dialect, users: readonly MemberInput[], now: number): SQL {
  const [first] = users;
  if (first === undefined) throw new RangeError('upsertUsers needs at least one user');
  const known = KNOWN_FIELDS.filter(([field]) => first[field] !== undefined).map(([, column]) => column);
  const withStatus = first.lastSeen !== undefined;

  // Users of one shape all have a status or none (userShape): when it was read is one value for the statement.
  const statusAt = withStatus ? sql`CAST(${now} AS bigint)` : sql`CAST(NULL AS bigint)`;

  const newer = 'excluded.status_at >= coalesce(users.status_at, 0)';
  const set = [
    ...known.map((column) => `${column} = excluded.${column}`),
    'phone = coalesce(excluded.phone, users.phone)',
    'lang_code = coalesce(excluded.lang_code, users.lang_code)',
    ...(withStatus
      ? [
          `status = CASE WHEN ${newer} THEN excluded.status ELSE users.status END`,
          `was_online_at = CASE WHEN ${newer} THEN excluded.was_online_at ELSE users.was_online_at END`,
          `status_at = CASE WHEN ${newer} THEN excluded.status_at ELSE coalesce(users.status_at, 0) END`,
        ]
      : []),
    'updated_at = excluded.updated_at',
  ];
  const changed = [
    ...known.map((column) => `users.${column} IS DISTINCT FROM excluded.${column}`),
    '(excluded.phone IS NOT NULL AND users.phone IS DISTINCT FROM excluded.phone)',
    '(excluded.lang_code IS NOT NULL AND users.lang_code IS DISTINCT FROM excluded.lang_code)',
    ...(withStatus
      ? [
          `(${newer} AND (users.status IS DISTINCT FROM excluded.status
             OR users.was_online_at IS DISTINCT FROM excluded.was_online_at))`,
        ]
      : []),
  ];

  const columns = rowSourceColumns(USER_COLUMNS);
  // `WHERE true`: SQLite reads an ON after `FROM page` as a join constraint without it (https://sqlite.org/lang_upsert.html).
  return prepared(sql`
    WITH page (${columns}) AS (${rowSource(dialect, USER_COLUMNS, users)})
    INSERT INTO users (${columns}, status_at, created_at, updated_at)
    SELECT ${columns}, ${statusAt}, CAST(${now} AS bigint), CAST(${now} AS bigint) FROM page WHERE true
    ON CONFLICT (id) DO UPDATE SET ${sql.raw(set.join(',\n      '))}
    WHERE ${sql.raw(changed.join('\n       OR '))}`);
}

type Hashed = MemberInput & { accessHash: string };

const HASH_COLUMNS: readonly RowColumn<Hashed>[] = [
  { name: 'user_id', type: 'bigint', value: (u) => u.id },
  { name: 'access_hash', type: 'text', value: (u) => u.accessHash },
];

/** Bound values per access hash row. */
export const HASH_PARAMS = HASH_COLUMNS.length;

/** Saves the access hashes `accountId` was given, one per user. */
export function upsertAccessHashes(dialect: Dialect, accountId: number, users: readonly Hashed[], now: number): SQL {
  return prepared(sql`
    WITH page (${rowSourceColumns(HASH_COLUMNS)}) AS (${rowSource(dialect, HASH_COLUMNS, users)})
    INSERT INTO user_access_hashes (account_id, user_id, access_hash, updated_at)
    SELECT CAST(${accountId} AS integer), user_id, access_hash, CAST(${now} AS bigint) FROM page WHERE true
    ON CONFLICT (account_id, user_id) DO UPDATE SET access_hash = excluded.access_hash, updated_at = excluded.updated_at
    WHERE user_access_hashes.access_hash IS DISTINCT FROM excluded.access_hash`);
}

/** What one page stores of its memberships, the same for each member of it. */
export interface MembershipPage {
  readonly chatId: number;
  readonly source: MemberSource;
  readonly via: MemberVia;
  readonly now: number;
}

/** The columns of a page's membership rows; the rest is the same for the whole page (MembershipPage). */
const MEMBERSHIP_COLUMNS: readonly RowColumn<MemberInput>[] = [
  { name: 'user_id', type: 'bigint', value: (u) => u.id },
  { name: 'role', type: 'text', value: (u) => u.role ?? null },
  { name: 'joined_at', type: 'bigint', value: (u) => u.joinedAt ?? null },
];

/** Bound values per membership row. */
export const MEMBERSHIP_PARAMS = MEMBERSHIP_COLUMNS.length;

const membershipRows = (dialect: Dialect, users: readonly MemberInput[]): SQL =>
  sql`page (${rowSourceColumns(MEMBERSHIP_COLUMNS)}) AS (${rowSource(dialect, MEMBERSHIP_COLUMNS, users)})`;

/** Inserts the memberships not stored yet; returns (as rows of `user_id`) those it inserted. */
export function insertMemberships(dialect: Dialect, page: MembershipPage, users: readonly MemberInput[]): SQL {
  const { chatId, source, via, now } = page;
  return prepared(sql`
    WITH ${membershipRows(dialect, users)}
    INSERT INTO chat_members (chat_id, user_id, source, via, role, joined_at, first_seen_at, last_seen_at)
    SELECT CAST(${chatId} AS bigint), user_id, CAST(${source} AS text), CAST(${via} AS text), role, joined_at,
           CAST(${now} AS bigint), CAST(${now} AS bigint)
    FROM page WHERE true
    ON CONFLICT DO NOTHING
    RETURNING user_id`);
}

/**
 * Updates stored memberships as member-writer.ts does: `last_seen_at` moves forward, a membership found through the
 * member list keeps `participants`, `via` keeps the first way found except that a list or search replaces
 * `messages`, and role and join date are what the latest member list says (message authors, without a role, leave
 * them alone). With `since`, only those last seen before it. Returns (as rows of `user_id`) those it updated.
 */
export function touchMemberships(dialect: Dialect, page: MembershipPage, users: readonly MemberInput[], since?: number): SQL {
  const { chatId, source, via, now } = page;
  const viaReplaced = via === 'messages' ? sql`chat_members.via IS NULL` : sql`(chat_members.via IS NULL OR chat_members.via = 'messages')`;
  return prepared(sql`
    WITH ${membershipRows(dialect, users)}
    UPDATE chat_members SET
      last_seen_at = CASE WHEN chat_members.last_seen_at >= ${now} THEN chat_members.last_seen_at ELSE ${now} END,
      source = CASE WHEN chat_members.source = 'participants' THEN chat_members.source ELSE ${source} END,
      via = CASE WHEN ${viaReplaced} THEN ${via} ELSE chat_members.via END,
      role = CASE WHEN page.role IS NOT NULL THEN page.role ELSE chat_members.role END,
      joined_at = CASE WHEN page.role IS NOT NULL THEN page.joined_at ELSE chat_members.joined_at END
    FROM page
    WHERE chat_members.chat_id = ${chatId} AND chat_members.user_id = page.user_id
      ${since === undefined ? sql`` : sql`AND chat_members.last_seen_at < ${since}`}
    RETURNING chat_members.user_id`);
}
