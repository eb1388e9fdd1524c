import type { SqlExecutor, SqlHandle } from '../sql/sql-port.js';
import { idChunks } from './accounts-sql.js';
import { budgetsCodec, budgetsOfAccountSql, budgetsOfAccountsSql, saveBudgetSql, type BudgetRow } from './budgets-sql.js';

/**
 * The per-account action counters (README: Budgets) over the SQL port, for either dialect: the statements of
 * budgets-sql.ts, which budgets.ts runs synchronously, with the same rows. Every call takes the executor to run on, a
 * transaction's or by default the database's.
 */
export interface PortBudgetsRepository {
  /** Every counter of the account, by action. */
  forAccount(accountId: number, tx?: SqlExecutor): Promise<BudgetRow[]>;
  /** Every counter of each account asked for, by action; an account with none (or no such account) has an empty list. */
  forAccounts(accountIds: readonly number[], tx?: SqlExecutor): Promise<Map<number, BudgetRow[]>>;
  /** Writes the counter as it is now (the window it counts in, what was used, the halving), adding it when new. */
  save(row: BudgetRow, tx?: SqlExecutor): Promise<void>;
}

export function createPortBudgetsRepository(db: SqlHandle): PortBudgetsRepository {
  const port = db.sql;
  return {
    forAccount: async (id, tx = port) => (await tx.all(budgetsOfAccountSql({ accountId: id }))).map(budgetsCodec.decode),

    async forAccounts(ids, tx = port) {
      const byAccount = new Map<number, BudgetRow[]>([...new Set(ids)].map((id) => [id, []]));
      for (const chunk of idChunks(ids)) {
        for (const raw of await tx.all(budgetsOfAccountsSql(chunk))) {
          const row = budgetsCodec.decode(raw);
          byAccount.get(row.accountId)?.push(row);
        }
      }
      return byAccount;
    },

    async save(row, tx = port) {
      await tx.run(saveBudgetSql(row));
    },
  };
}
