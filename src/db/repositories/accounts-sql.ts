import { sql, type SQL } from 'drizzle-orm';
import { storedDeviceProfile, type DeviceProfile } from '../../engine/clients/device-profile.js';
import type { AccountState } from '../../engine/types.js';
import { accounts, type AccountRow } from '../schema.js';
import { preparedSql, type SqlStatement } from '../sql/sql-statement.js';
import { tableCodec } from '../sql/table-codec.js';

/*
 * The statements of the account registry, one set for both of its stores: the one-process engine's synchronous
 * store (engine/account-store.ts, on `sql.sync`) and the repository of the SQL port (accounts.ts, SQLite and
 * PostgreSQL). Rows come back through the schema's codec: flags as booleans, the device and legacy proxy JSON parsed.
 */

export type AccountHealth = 'ok' | 'limited' | 'dead';

export interface NewAccount {
  phone: string;
  label?: string | null;
  sessionEnc?: string | null;
  /** The proxy URL's envelope (SessionCipher) and its `host:port` for show. */
  proxyEnc?: string | null;
  proxyHost?: string | null;
  apiId?: number | null;
  /** The API hash, already encrypted (SessionCipher). */
  apiHashEnc?: string | null;
  device?: DeviceProfile | null;
}

/** An account's app credential and device, as stored (the hash encrypted). */
export interface StoredIdentity {
  readonly apiId: number;
  readonly apiHashEnc: string;
}

/** How an accounts row travels through the port. */
export const accountsCodec = tableCodec(accounts);

/** An account's api id and device profile, as far as it has them. */
export interface AccountIdentity {
  readonly id: number;
  readonly apiId: number | null;
  readonly device: DeviceProfile | null;
}

/** What an account check found: @SpamBot's verdict, when a limit ends, when it was checked. */
export interface AccountCheck {
  readonly verdict: 'free' | 'limited';
  readonly until: number | null;
  readonly checkedAt: number;
}

/** The profile Telegram gave an account; fields left out are left as they are. */
export interface AccountProfile {
  readonly telegramUserId?: number | null;
  readonly username?: string | null;
  readonly firstName?: string | null;
  readonly lastHealthAt?: number | null;
}

/**
 * An account id as bound. accounts.id is a 32-bit integer on PostgreSQL, where a larger parameter compared with it is
 * an error, not a miss; a typed-in id past 2^31 must find nothing, as it does on SQLite.
 */
export const accountIdSql = (id: number): SQL => sql`CAST(${id} AS BIGINT)`;

/** Ids per statement of a list by ids: far below what either database binds in one statement. */
export const IDS_PER_QUERY = 500;

/** Each run of at most {@link IDS_PER_QUERY} of `ids` (each once), as a list for `IN (…)`. */
export function idChunks(ids: readonly number[]): SQL[] {
  const unique = [...new Set(ids)];
  const chunks: SQL[] = [];
  for (let start = 0; start < unique.length; start += IDS_PER_QUERY) {
    chunks.push(sql.join(unique.slice(start, start + IDS_PER_QUERY).map(accountIdSql), sql`, `));
  }
  return chunks;
}

/** Adds an account; returns its row. */
export function insertAccountSql(account: NewAccount, now: number): SQL {
  const values = accountsCodec.insertion({
    phone: account.phone,
    label: account.label ?? null,
    sessionEnc: account.sessionEnc ?? null,
    proxyEnc: account.proxyEnc ?? null,
    proxyHost: account.proxyHost ?? null,
    apiId: account.apiId ?? null,
    apiHashEnc: account.apiHashEnc ?? null,
    device: account.device ? { ...account.device } : null,
    createdAt: now,
    updatedAt: now,
  });
  return sql`INSERT INTO accounts ${values} RETURNING ${accountsCodec.columns}`;
}

/** The accounts `where` picks, by id. */
const accountsWhereSql = (where: SQL): SQL => sql`SELECT ${accountsCodec.columns} FROM accounts ${where} ORDER BY id`;

// The reads of a fixed shape are prepared (sql-statement.ts): the column list alone is some forty identifiers to
// render each call otherwise. Their ids are cast as accountIdSql's are.

/** Every account, by id. */
export const allAccountsSql = preparedSql<Record<string, never>>(() => accountsWhereSql(sql``));

export const accountByIdSql = preparedSql<{ id: number }>(
  (v) => sql`SELECT ${accountsCodec.columns} FROM accounts WHERE id = CAST(${v('id')} AS BIGINT)`,
);

export const accountByPhoneSql = preparedSql<{ phone: string }>(
  (v) => sql`SELECT ${accountsCodec.columns} FROM accounts WHERE phone = ${v('phone')}`,
);

/** The accounts of one {@link idChunks} list. */
export const accountsInSql = (chunk: SQL): SQL => accountsWhereSql(sql`WHERE id IN (${chunk})`);

/** Accounts whose proxy is still in the legacy plaintext column. */
export const legacyProxyAccountsSql = preparedSql<Record<string, never>>(() => accountsWhereSql(sql`WHERE proxy IS NOT NULL`));

/** Each account's api id and device, by id (see {@link decodeAccountIdentity}). */
export const accountIdentitiesSql = preparedSql<Record<string, never>>(() => sql`SELECT id, api_id, device FROM accounts ORDER BY id`);

export const decodeAccountIdentity = (row: { id: number; api_id: number | null; device: unknown }): AccountIdentity => ({
  id: row.id,
  apiId: row.api_id,
  device: storedDeviceProfile(accountsCodec.value('device', row.device)),
});

/** Writes the fields given (undefined ones are left as they are) and `updatedAt = now`; never `id`. */
export function patchAccountSql(id: number, fields: Partial<AccountRow>, now: number): SQL {
  const { id: _id, ...rest } = fields;
  // Never undefined (updatedAt is always written); `sql``` only for the type.
  const set = accountsCodec.assignments({ ...rest, updatedAt: now }) ?? sql``;
  return sql`UPDATE accounts SET ${set} WHERE id = ${accountIdSql(id)}`;
}

export const deleteAccountSql = (id: number): SQL => sql`DELETE FROM accounts WHERE id = ${accountIdSql(id)}`;

/** The state an account's lane is in (prepared: written on every change of state but busy and idle). */
const setStateSql = preparedSql<{ id: number; state: AccountState; now: number }>(
  (v) => sql`UPDATE accounts SET state = ${v('state')}, updated_at = ${v('now')} WHERE id = CAST(${v('id')} AS BIGINT)`,
);

/**
 * The registry's setters, each the statement it runs, over a `run` of either store: the synchronous one's (no `extra`,
 * returns at once) or the port's (`extra` is its `tx`, returns a promise).
 */
export function accountSetters<Extra extends unknown[], R>(run: (statement: SqlStatement, ...extra: Extra) => R) {
  const patch = (id: number, fields: Partial<AccountRow>, now: number, extra: Extra): R => run(patchAccountSql(id, fields, now), ...extra);
  return {
    setState: (id: number, state: AccountState, now: number, ...extra: Extra): R => run(setStateSql({ id, state, now }), ...extra),
    setPaused: (id: number, paused: boolean, now: number, ...extra: Extra): R => patch(id, { paused }, now, extra),
    setHealth: (id: number, health: AccountHealth, reason: string | null, now: number, ...extra: Extra): R =>
      patch(id, { health, stateReason: reason }, now, extra),
    setCooldown: (id: number, until: number | null, now: number, ...extra: Extra): R =>
      patch(id, { cooldownUntil: until }, now, extra),
    setSession: (id: number, sessionEnc: string | null, now: number, ...extra: Extra): R => patch(id, { sessionEnc }, now, extra),
    /** Stores an account's proxy (its URL's envelope and `host:port`), or none; the legacy plaintext column is cleared with it. */
    setProxy: (id: number, proxy: { readonly enc: string; readonly host: string } | null, now: number, ...extra: Extra): R =>
      patch(id, { proxyEnc: proxy?.enc ?? null, proxyHost: proxy?.host ?? null, proxy: null }, now, extra),
    setProfile: (id: number, profile: AccountProfile, now: number, ...extra: Extra): R => patch(id, profile, now, extra),
    /** Stores the credential of an account that has none yet (assigned once: nothing else writes it). */
    setCredentials: (id: number, credentials: StoredIdentity, now: number, ...extra: Extra): R =>
      patch(id, { apiId: credentials.apiId, apiHashEnc: credentials.apiHashEnc }, now, extra),
    /** Stores the device profile of an account that has none yet (assigned once: nothing else writes it). */
    setDevice: (id: number, device: DeviceProfile, now: number, ...extra: Extra): R => patch(id, { device: { ...device } }, now, extra),
    /** A check's verdict; `nextCheckAt` is when the daily round checks again. */
    setCheck: (id: number, check: AccountCheck, nextCheckAt: number | null, now: number, ...extra: Extra): R =>
      patch(id, { spamVerdict: check.verdict, spamUntil: check.until, checkedAt: check.checkedAt, nextCheckAt }, now, extra),
    setNextCheck: (id: number, nextCheckAt: number | null, now: number, ...extra: Extra): R => patch(id, { nextCheckAt }, now, extra),
    setLastError: (id: number, lastError: string | null, now: number, ...extra: Extra): R => patch(id, { lastError }, now, extra),
  };
}
