import { sql, type SQL } from 'drizzle-orm';
import { accountBudgets } from '../schema.js';
import type { SqlExecutor, SqlHandle } from '../sql/sql-port.js';
import { tableCodec } from '../sql/table-codec.js';
import type { BudgetRow } from './budgets.js';

/**
 * The per-account action counters (README: Budgets) over the SQL port, for either dialect: the async twin of
 * budgets.ts, with the same rows. Every call takes the executor to run on, a transaction's or by default the
 * database's.
 */
export interface PortBudgetsRepository {
  /** Every counter of the account, by action. */
  forAccount(accountId: number, tx?: SqlExecutor): Promise<BudgetRow[]>;
  /** Every counter of each account asked for, by action; an account with none (or no such account) has an empty list. */
  forAccounts(accountIds: readonly number[], tx?: SqlExecutor): Promise<Map<number, BudgetRow[]>>;
  /** Writes the counter as it is now (the window it counts in, what was used, the halving), adding it when new. */
  save(row: BudgetRow, tx?: SqlExecutor): Promise<void>;
}

const codec = tableCodec(accountBudgets);

/** An account id as bound: see accounts.ts (a 32-bit column on PostgreSQL, where a larger parameter is an error). */
const accountId = (id: number): SQL => sql`CAST(${id} AS BIGINT)`;

/** Accounts per statement of forAccounts: far below what either database binds in one statement. */
const IDS_PER_QUERY = 500;

export function createPortBudgetsRepository(db: SqlHandle): PortBudgetsRepository {
  const port = db.sql;

  const select = async (where: SQL, tx: SqlExecutor): Promise<BudgetRow[]> =>
    (await tx.all(sql`SELECT ${codec.columns} FROM account_budgets ${where} ORDER BY account_id, action`)).map(
      codec.decode,
    );

  return {
    forAccount(id, tx = port) {
      return select(sql`WHERE account_id = ${accountId(id)}`, tx);
    },

    async forAccounts(ids, tx = port) {
      const unique = [...new Set(ids)];
      const byAccount = new Map<number, BudgetRow[]>(unique.map((id) => [id, []]));
      for (let start = 0; start < unique.length; start += IDS_PER_QUERY) {
        const chunk = unique.slice(start, start + IDS_PER_QUERY).map(accountId);
        for (const row of await select(sql`WHERE account_id IN (${sql.join(chunk, sql`, `)})`, tx)) {
          byAccount.get(row.accountId)?.push(row);
        }
      }
      return byAccount;
    },

    async save(row, tx = port) {
      await tx.run(sql`
        INSERT INTO account_budgets ${codec.insertion(row)}
        ON CONFLICT (account_id, action) DO UPDATE SET
          window_start = excluded.window_start, used = excluded.used, halved_until = excluded.halved_until`);
    },
  };
}
