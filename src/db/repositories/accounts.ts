import type { DeviceProfile } from '../../engine/clients/device-profile.js';
import type { AccountState } from '../../engine/types.js';
import type { AccountRow } from '../schema.js';
import type { SqlExecutor, SqlHandle } from '../sql/sql-port.js';
import type { SqlStatement } from '../sql/sql-statement.js';
import {
  accountByIdSql,
  accountByPhoneSql,
  accountIdentitiesSql,
  accountSetters,
  accountsCodec,
  accountsInSql,
  allAccountsSql,
  decodeAccountIdentity,
  deleteAccountSql,
  idChunks,
  insertAccountSql,
  legacyProxyAccountsSql,
  patchAccountSql,
  type AccountCheck,
  type AccountHealth,
  type AccountIdentity,
  type AccountProfile,
  type NewAccount,
  type StoredIdentity,
} from './accounts-sql.js';

export type { AccountCheck, AccountIdentity, AccountProfile } from './accounts-sql.js';

/**
 * The account registry over the SQL port, for either dialect: the statements of accounts-sql.ts, which
 * engine/account-store.ts runs synchronously, method for method, with the same rows (flags as booleans, the device and
 * legacy proxy JSON parsed). Every call takes the executor to run on, a transaction's or by default the database's: on
 * SQLite a call on the database waits while a transaction is open, so a transaction's body must pass its own.
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

export function createAccountsRepository(db: SqlHandle): AccountsRepository {
  const port = db.sql;

  const select = async (query: SqlStatement, tx: SqlExecutor): Promise<AccountRow[]> => (await tx.all(query)).map(accountsCodec.decode);
  const one = async (query: SqlStatement, tx: SqlExecutor): Promise<AccountRow | undefined> => {
    const row = await tx.get(query);
    return row === undefined ? undefined : accountsCodec.decode(row);
  };
  const patch = async (id: number, fields: Partial<AccountRow>, now: number, tx: SqlExecutor = port): Promise<boolean> =>
    (await tx.run(patchAccountSql(id, fields, now))).changes > 0;
  const setters = accountSetters(async (statement, tx: SqlExecutor = port): Promise<void> => {
    await tx.run(statement);
  });

  return {
    // decode refuses undefined: INSERT … RETURNING gives a row or throws.
    insert: async (account, now, tx = port) => accountsCodec.decode(await tx.get(insertAccountSql(account, now))),
    get: (id, tx = port) => one(accountByIdSql({ id }), tx),
    byPhone: (phone, tx = port) => one(accountByPhoneSql({ phone }), tx),
    list: (tx = port) => select(allAccountsSql({}), tx),
    async listByIds(ids, tx = port) {
      const rows: AccountRow[] = [];
      for (const chunk of idChunks(ids)) rows.push(...(await select(accountsInSql(chunk), tx)));
      return rows.sort((a, b) => a.id - b.id);
    },
    identities: async (tx = port) =>
      (await tx.all<Parameters<typeof decodeAccountIdentity>[0]>(accountIdentitiesSql({}))).map(decodeAccountIdentity),
    withLegacyProxy: (tx = port) => select(legacyProxyAccountsSql({}), tx),
    patch,
    ...setters,
    async delete(id, tx = port) {
      await tx.run(deleteAccountSql(id));
    },
  };
}
