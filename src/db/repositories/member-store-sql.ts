import { sql, type SQL } from 'drizzle-orm';
import type { MemberInput, MemberSource, MemberVia } from './member-data.js';

/*
 * The multi-row statements that store one page of members on either dialect (member-store.ts): the same rules as the
 * per-member statements of member-writer.ts, written in SQL both SQLite and PostgreSQL accept (CASE for iif and the
 * scalar max, IS DISTINCT FROM for IS NOT, columns of the stored row named by table since PostgreSQL finds a bare
 * name ambiguous next to `excluded`). Each statement must hold each key once: PostgreSQL refuses to upsert one row
 * twice in one statement, so the caller splits a page with repeats into rounds.
 */

/**
 * The most bound values a statement may hold: SQLite's limit (PostgreSQL allows 65535), less room for the few values
 * bound once per statement.
 */
const MAX_PARAMS = 32_766 - 16;

/** The rows of one statement: as many as fit under the limit of bound values. */
export function chunksOf<T>(rows: readonly T[], paramsPerRow: number): T[][] {
  const size = Math.max(1, Math.floor(MAX_PARAMS / paramsPerRow));
  const chunks: T[][] = [];
  for (let i = 0; i < rows.length; i += size) chunks.push(rows.slice(i, i + size));
  return chunks;
}

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

/** Bound values per user row. */
export const USER_PARAMS = 17;

/**
 * Which fields of the user are known, as a key: users of one shape share one upsert, whose SET overwrites just those
 * fields. A participants page is all of one shape (everything known); message authors mostly of one other.
 */
export function userShape(user: MemberInput): number {
  let shape = user.lastSeen === undefined ? 0 : 1;
  for (const [field] of KNOWN_FIELDS) shape = shape * 2 + (user[field] === undefined ? 0 : 1);
  return shape;
}

const flag = (value: boolean | undefined): number => (value === true ? 1 : 0);

/**
 * Upserts users of one shape (userShape), each once. As member-writer.ts: fields left unknown keep their stored
 * value (and a new row gets null or 0), phone and language code are kept when the new look shows none, status fields
 * move only forward in time, and a user whose row would not change is not rewritten.
 */
export function upsertUsers(users: readonly MemberInput[], now: number): SQL {
  const [first] = users;
  if (first === undefined) throw new RangeError('upsertUsers needs at least one user');
  const known = KNOWN_FIELDS.filter(([field]) => first[field] !== undefined).map(([, column]) => column);
  const withStatus = first.lastSeen !== undefined;

  const values = users.map(
    (u) => sql`(${u.id}, ${u.username ?? null}, ${u.firstName ?? null}, ${u.lastName ?? null}, ${flag(u.isBot)},
      ${flag(u.isPremium)}, ${flag(u.isVerified)}, ${flag(u.isScam)}, ${flag(u.isFake)}, ${flag(u.isDeleted)},
      ${u.phone ?? null}, ${u.langCode ?? null}, ${u.lastSeen?.status ?? null}, ${u.lastSeen?.wasOnlineAt ?? null},
      ${u.lastSeen === undefined ? null : now}, ${now}, ${now})`,
  );

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

  return sql`
    INSERT INTO users (id, username, first_name, last_name, is_bot, is_premium, is_verified, is_scam, is_fake, is_deleted,
                       phone, lang_code, status, was_online_at, status_at, created_at, updated_at)
    VALUES ${sql.join(values, sql`, `)}
    ON CONFLICT (id) DO UPDATE SET ${sql.raw(set.join(',\n      '))}
    WHERE ${sql.raw(changed.join('\n       OR '))}`;
}

/** Bound values per access hash row. */
export const HASH_PARAMS = 4;

/** Saves the access hashes `accountId` was given, one per user. */
export function upsertAccessHashes(accountId: number, users: readonly (MemberInput & { accessHash: string })[], now: number): SQL {
  const values = users.map((u) => sql`(${accountId}, ${u.id}, ${u.accessHash}, ${now})`);
  return sql`
    INSERT INTO user_access_hashes (account_id, user_id, access_hash, updated_at) VALUES ${sql.join(values, sql`, `)}
    ON CONFLICT (account_id, user_id) DO UPDATE SET access_hash = excluded.access_hash, updated_at = excluded.updated_at
    WHERE user_access_hashes.access_hash IS DISTINCT FROM excluded.access_hash`;
}

/** What one page stores of its memberships, the same for each member of it. */
export interface MembershipPage {
  readonly chatId: number;
  readonly source: MemberSource;
  readonly via: MemberVia;
  readonly now: number;
}

/** Bound values per new membership row. */
export const INSERT_MEMBERSHIP_PARAMS = 8;

/** Inserts the memberships not stored yet; returns (as rows of `user_id`) those it inserted. */
export function insertMemberships(page: MembershipPage, users: readonly MemberInput[]): SQL {
  const { chatId, source, via, now } = page;
  const values = users.map(
    (u) => sql`(${chatId}, ${u.id}, ${source}, ${via}, ${u.role ?? null}, ${u.joinedAt ?? null}, ${now}, ${now})`,
  );
  return sql`
    INSERT INTO chat_members (chat_id, user_id, source, via, role, joined_at, first_seen_at, last_seen_at)
    VALUES ${sql.join(values, sql`, `)}
    ON CONFLICT DO NOTHING
    RETURNING user_id`;
}

/** Bound values per touched membership row. */
export const TOUCH_MEMBERSHIP_PARAMS = 3;

/**
 * Updates stored memberships as member-writer.ts does: `last_seen_at` moves forward, a membership found through the
 * member list keeps `participants`, `via` keeps the first way found except that a list or search replaces
 * `messages`, and role and join date are what the latest member list says (message authors, without a role, leave
 * them alone). With `since`, only those last seen before it. Returns (as rows of `user_id`) those it updated.
 */
export function touchMemberships(page: MembershipPage, users: readonly MemberInput[], since?: number): SQL {
  const { chatId, source, via, now } = page;
  // Casts: PostgreSQL types the columns of a VALUES list from its values, and an unknown bound value would be text.
  const values = users.map(
    (u) => sql`(cast(${u.id} as bigint), cast(${u.role ?? null} as text), cast(${u.joinedAt ?? null} as bigint))`,
  );
  const viaReplaced = via === 'messages' ? sql`chat_members.via IS NULL` : sql`(chat_members.via IS NULL OR chat_members.via = 'messages')`;
  return sql`
    WITH page (user_id, role, joined_at) AS (VALUES ${sql.join(values, sql`, `)})
    UPDATE chat_members SET
      last_seen_at = CASE WHEN chat_members.last_seen_at >= ${now} THEN chat_members.last_seen_at ELSE ${now} END,
      source = CASE WHEN chat_members.source = 'participants' THEN chat_members.source ELSE ${source} END,
      via = CASE WHEN ${viaReplaced} THEN ${via} ELSE chat_members.via END,
      role = CASE WHEN page.role IS NOT NULL THEN page.role ELSE chat_members.role END,
      joined_at = CASE WHEN page.role IS NOT NULL THEN page.joined_at ELSE chat_members.joined_at END
    FROM page
    WHERE chat_members.chat_id = ${chatId} AND chat_members.user_id = page.user_id
      ${since === undefined ? sql`` : sql`AND chat_members.last_seen_at < ${since}`}
    RETURNING chat_members.user_id`;
}
