import type { DatabaseHandle } from '../client.js';
import { budgetsCodec, budgetsOfAccountSql, saveBudgetSql, type BudgetRow } from './budgets-sql.js';

export type { BudgetRow } from './budgets-sql.js';

/** The per-account action counters (README: Budgets): one row per account and action. */
export interface BudgetsRepository {
  /** Every counter of the account, by action. */
  forAccount(accountId: number): BudgetRow[];
  /** Writes the counter as it is now (the window it counts in, what was used, the halving). */
  save(row: BudgetRow): void;
}

/**
 * The counters for the one-process engine, synchronous: the statements of budgets-sql.ts (which the port's repository,
 * budgets-port.ts, runs as well), run at once on the handle's `sql.sync`.
 */
export function createBudgetsRepository(db: DatabaseHandle): BudgetsRepository {
  const exec = db.sql.sync;
  return {
    forAccount: (accountId) => exec.all(budgetsOfAccountSql({ accountId })).map(budgetsCodec.decode),
    save(row) {
      exec.run(saveBudgetSql(row));
    },
  };
}
