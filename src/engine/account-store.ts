import type { DatabaseHandle } from '../db/client.js';
import {
  accountByIdSql,
  accountByPhoneSql,
  accountIdentitiesSql,
  accountSetters,
  accountsCodec,
  allAccountsSql,
  decodeAccountIdentity,
  deleteAccountSql,
  insertAccountSql,
  legacyProxyAccountsSql,
  type AccountIdentity,
  type NewAccount,
} from '../db/repositories/accounts-sql.js';
import type { AccountRow } from '../db/schema.js';
import type { SqlStatement } from '../db/sql/sql-statement.js';

export type { AccountHealth, NewAccount, StoredIdentity } from '../db/repositories/accounts-sql.js';

/**
 * Persistence of the account registry, synchronous for the one-process engine: the statements of
 * db/repositories/accounts-sql.ts (which the port's repository runs as well), run at once on the handle's `sql.sync`.
 */
export function createAccountStore(db: DatabaseHandle) {
  const exec = db.sql.sync;
  const select = (query: SqlStatement): AccountRow[] => exec.all(query).map(accountsCodec.decode);
  const one = (query: SqlStatement): AccountRow | undefined => {
    const row = exec.get(query);
    return row === undefined ? undefined : accountsCodec.decode(row);
  };
  const setters = accountSetters((statement): void => {
    exec.run(statement);
  });

  return {
    // decode refuses undefined: INSERT … RETURNING gives a row or throws.
    insert: (account: NewAccount, now: number): AccountRow => accountsCodec.decode(exec.get(insertAccountSql(account, now))),
    get: (id: number): AccountRow | undefined => one(accountByIdSql({ id })),
    byPhone: (phone: string): AccountRow | undefined => one(accountByPhoneSql({ phone })),
    list: (): AccountRow[] => select(allAccountsSql({})),
    /** Each account's api id and device profile, as far as it has them. */
    identities: (): AccountIdentity[] =>
      exec.all<Parameters<typeof decodeAccountIdentity>[0]>(accountIdentitiesSql({})).map(decodeAccountIdentity),
    /** Accounts whose proxy is still in the legacy plaintext column. */
    withLegacyProxy: (): AccountRow[] => select(legacyProxyAccountsSql({})),
    ...setters,
    delete(id: number): void {
      exec.run(deleteAccountSql(id));
    },
  };
}

export type AccountStore = ReturnType<typeof createAccountStore>;
