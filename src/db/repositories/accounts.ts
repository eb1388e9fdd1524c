import { sql, type SQL } from 'drizzle-orm';
import type { AccountHealth, NewAccount, StoredIdentity } from '../../engine/account-store.js';
import { storedDeviceProfile, type DeviceProfile } from '../../engine/clients/device-profile.js';
import type { AccountState } from '../../engine/types.js';
import { accounts, type AccountRow } from '../schema.js';
import type { SqlExecutor, SqlHandle } from '../sql/sql-port.js';
import { tableCodec } from '../sql/table-codec.js';

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
 * The account registry over the SQL port, for either dialect: the async twin of engine/account-store.ts, method for
 * method, with the same rows (flags as booleans, the device and legacy proxy JSON parsed). Every call takes the
 * executor to run on, a transaction's or by default the database's: on SQLite a call on the database waits while a
 * transaction is open, so a transaction's body must pass its own.
 */
export interface AccountsRepository {
  insert(account: NewAccount, now: number, tx?: SqlExecutor): Promise<AccountRow>;
  get(id: number, tx?: SqlExecutor): Promise<AccountRow | undefined>;
  byPhone(phone: string, tx?: SqlExecutor): Promise<AccountRow | undefined>;
  /** Every account, by id. */
  list(tx?: SqlExecutor): Promise<AccountRow[]>;
  /** The accounts of these ids that exist, by id (each once, however often it is asked for). */
  listByIds(ids: readonly number[], tx?: SqlExecutor): Promise<AccountRow[]>;
  /** Each account's api id and device profile, as far as it has them, by id. */
  identities(tx?: SqlExecutor): Promise<AccountIdentity[]>;
  /** Accounts whose proxy is still in the legacy plaintext column, by id. */
  withLegacyProxy(tx?: SqlExecutor): Promise<AccountRow[]>;
  /**
   * Writes the fields given (undefined ones are left as they are) and `updatedAt = now`, which wins over a given
   * `updatedAt`; `id` is never written, it names the row. False when there is no account with that id.
   */
  patch(id: number, fields: Partial<AccountRow>, now: number, tx?: SqlExecutor): Promise<boolean>;
  setState(id: number, state: AccountState, now: number, tx?: SqlExecutor): Promise<void>;
  setPaused(id: number, paused: boolean, now: number, tx?: SqlExecutor): Promise<void>;
  setHealth(id: number, health: AccountHealth, reason: string | null, now: number, tx?: SqlExecutor): Promise<void>;
  setCooldown(id: number, until: number | null, now: number, tx?: SqlExecutor): Promise<void>;
  setSession(id: number, sessionEnc: string | null, now: number, tx?: SqlExecutor): Promise<void>;
  /** Stores an account's proxy (its URL's envelope and `host:port`), or none; the legacy plaintext column is cleared with it. */
  setProxy(id: number, proxy: { readonly enc: string; readonly host: string } | null, now: number, tx?: SqlExecutor): Promise<void>;
  setProfile(id: number, profile: AccountProfile, now: number, tx?: SqlExecutor): Promise<void>;
  /** Stores the credential of an account that has none yet (assigned once: nothing else writes it). */
  setCredentials(id: number, credentials: StoredIdentity, now: number, tx?: SqlExecutor): Promise<void>;
  /** Stores the device profile of an account that has none yet (assigned once: nothing else writes it). */
  setDevice(id: number, device: DeviceProfile, now: number, tx?: SqlExecutor): Promise<void>;
  /** A check's verdict; `nextCheckAt` is when the daily round checks again. */
  setCheck(id: number, check: AccountCheck, nextCheckAt: number | null, now: number, tx?: SqlExecutor): Promise<void>;
  setNextCheck(id: number, nextCheckAt: number | null, now: number, tx?: SqlExecutor): Promise<void>;
  setLastError(id: number, lastError: string | null, now: number, tx?: SqlExecutor): Promise<void>;
  /** Deletes the account; its budgets and leases go with it, operations and monitors keep no account (foreign keys). */
  delete(id: number, tx?: SqlExecutor): Promise<void>;
}

const codec = tableCodec(accounts);

/**
 * An account id as bound. accounts.id is a 32-bit integer on PostgreSQL, where a larger parameter compared with it is
 * an error, not a miss; a typed-in id past 2^31 must find nothing, as it does on SQLite.
 */
const accountId = (id: number): SQL => sql`CAST(${id} AS BIGINT)`;

/** Ids per statement of listByIds: far below what either database binds in one statement. */
const IDS_PER_QUERY = 500;

export function createAccountsRepository(db: SqlHandle): AccountsRepository {
  const port = db.sql;

  const select = async (where: SQL, tx: SqlExecutor): Promise<AccountRow[]> =>
    (await tx.all(sql`SELECT ${codec.columns} FROM accounts ${where} ORDER BY id`)).map(codec.decode);

  const repo: AccountsRepository = {
    async insert(account, now, tx = port) {
      const values = codec.insertion({
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
      // decode refuses undefined: INSERT … RETURNING gives a row or throws.
      return codec.decode(await tx.get(sql`INSERT INTO accounts ${values} RETURNING ${codec.columns}`));
    },

    async get(id, tx = port) {
      const row = await tx.get(sql`SELECT ${codec.columns} FROM accounts WHERE id = ${accountId(id)}`);
      return row === undefined ? undefined : codec.decode(row);
    },

    async byPhone(phone, tx = port) {
      const row = await tx.get(sql`SELECT ${codec.columns} FROM accounts WHERE phone = ${phone}`);
      return row === undefined ? undefined : codec.decode(row);
    },

    list(tx = port) {
      return select(sql``, tx);
    },

    async listByIds(ids, tx = port) {
      const unique = [...new Set(ids)];
      const rows: AccountRow[] = [];
      for (let start = 0; start < unique.length; start += IDS_PER_QUERY) {
        const chunk = unique.slice(start, start + IDS_PER_QUERY).map(accountId);
        rows.push(...(await select(sql`WHERE id IN (${sql.join(chunk, sql`, `)})`, tx)));
      }
      return rows.sort((a, b) => a.id - b.id);
    },

    async identities(tx = port) {
      const rows = await tx.all<{ id: number; api_id: number | null; device: unknown }>(
        sql`SELECT id, api_id, device FROM accounts ORDER BY id`,
      );
      return rows.map((row) => ({
        id: row.id,
        apiId: row.api_id,
        device: storedDeviceProfile(codec.value('device', row.device)),
      }));
    },

    withLegacyProxy(tx = port) {
      return select(sql`WHERE proxy IS NOT NULL`, tx);
    },

    async patch(id, fields, now, tx = port) {
      const { id: _id, ...rest } = fields;
      // Never undefined (updatedAt is always written); `sql``` only for the type.
      const set = codec.assignments({ ...rest, updatedAt: now }) ?? sql``;
      return (await tx.run(sql`UPDATE accounts SET ${set} WHERE id = ${accountId(id)}`)).changes > 0;
    },

    async setState(id, state, now, tx) {
      await repo.patch(id, { state }, now, tx);
    },
    async setPaused(id, paused, now, tx) {
      await repo.patch(id, { paused }, now, tx);
    },
    async setHealth(id, health, reason, now, tx) {
      await repo.patch(id, { health, stateReason: reason }, now, tx);
    },
    async setCooldown(id, until, now, tx) {
      await repo.patch(id, { cooldownUntil: until }, now, tx);
    },
    async setSession(id, sessionEnc, now, tx) {
      await repo.patch(id, { sessionEnc }, now, tx);
    },
    async setProxy(id, proxy, now, tx) {
      await repo.patch(id, { proxyEnc: proxy?.enc ?? null, proxyHost: proxy?.host ?? null, proxy: null }, now, tx);
    },
    async setProfile(id, profile, now, tx) {
      await repo.patch(id, profile, now, tx);
    },
    async setCredentials(id, credentials, now, tx) {
      await repo.patch(id, { apiId: credentials.apiId, apiHashEnc: credentials.apiHashEnc }, now, tx);
    },
    async setDevice(id, device, now, tx) {
      await repo.patch(id, { device: { ...device } }, now, tx);
    },
    async setCheck(id, check, nextCheckAt, now, tx) {
      await repo.patch(id, { spamVerdict: check.verdict, spamUntil: check.until, checkedAt: check.checkedAt, nextCheckAt }, now, tx);
    },
    async setNextCheck(id, nextCheckAt, now, tx) {
      await repo.patch(id, { nextCheckAt }, now, tx);
    },
    async setLastError(id, lastError, now, tx) {
      await repo.patch(id, { lastError }, now, tx);
    },

    async delete(id, tx = port) {
      await tx.run(sql`DELETE FROM accounts WHERE id = ${accountId(id)}`);
    },
  };
  return repo;
}
