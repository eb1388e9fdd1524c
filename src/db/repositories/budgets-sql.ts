import { sql, type SQL } from 'drizzle-orm';
import { accountBudgets } from '../schema.js';
import { preparedSql, type BoundSql } from '../sql/sql-statement.js';
import { tableCodec } from '../sql/table-codec.js';

/*
 * The statements of the per-account action counters (README: Budgets), one set for both of their stores: the
 * one-process engine's synchronous one (budgets.ts, on `sql.sync`) and the port's (budgets-port.ts, SQLite and
 * PostgreSQL).
 */

export type BudgetRow = typeof accountBudgets.$inferSelect;

/** How an account_budgets row travels through the port. */
export const budgetsCodec = tableCodec(accountBudgets);

/** The counters `where` picks, by account and action. */
const budgetsWhereSql = (where: SQL): SQL =>
  sql`SELECT ${budgetsCodec.columns} FROM account_budgets ${where} ORDER BY account_id, action`;

// The statements of a fixed shape are prepared (sql-statement.ts): a join or a send reads and writes its counter.

/** Every counter of the account, by action (the id cast as accounts-sql.ts's accountIdSql says why). */
export const budgetsOfAccountSql = preparedSql<{ accountId: number }>((v) =>
  budgetsWhereSql(sql`WHERE account_id = CAST(${v('accountId')} AS BIGINT)`),
);

/** Every counter of the accounts of one id list (accounts-sql.ts's idChunks). */
export const budgetsOfAccountsSql = (chunk: SQL): SQL => budgetsWhereSql(sql`WHERE account_id IN (${chunk})`);

const saveTemplate = preparedSql<BudgetRow>(
  (v) => sql`
    INSERT INTO account_budgets (account_id, action, window_start, used, halved_until)
    VALUES (${v('accountId')}, ${v('action')}, ${v('windowStart')}, ${v('used')}, ${v('halvedUntil')})
    ON CONFLICT (account_id, action) DO UPDATE SET
      window_start = excluded.window_start, used = excluded.used, halved_until = excluded.halved_until`,
);

/** Writes the counter as it is now (the window it counts in, what was used, the halving), adding it when new. */
export const saveBudgetSql = (row: BudgetRow): BoundSql => saveTemplate(row);
