import { eq } from 'drizzle-orm';
import type { DatabaseHandle } from '../client.js';
import { accountBudgets } from '../schema.js';

export type BudgetRow = typeof accountBudgets.$inferSelect;

/** The per-account action counters (README: Budgets): one row per account and action. */
export interface BudgetsRepository {
  /** Every counter of the account. */
  forAccount(accountId: number): BudgetRow[];
  /** Writes the counter as it is now (the window it counts in, what was used, the halving). */
  save(row: BudgetRow): void;
}

export function createBudgetsRepository(db: DatabaseHandle): BudgetsRepository {
  const { orm } = db;
  return {
    forAccount(accountId) {
      return orm.select().from(accountBudgets).where(eq(accountBudgets.accountId, accountId)).all();
    },
    save(row) {
      orm
        .insert(accountBudgets)
        .values(row)
        .onConflictDoUpdate({
          target: [accountBudgets.accountId, accountBudgets.action],
          set: { windowStart: row.windowStart, used: row.used, halvedUntil: row.halvedUntil },
        })
        .run();
    },
  };
}
