import { sql, type SQL } from 'drizzle-orm';
import { accountBudgets } from '../schema.js';
import { tableCodec } from '../sql/table-codec.js';
import { accountIdSql } from './accounts-sql.js';

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

/** Every counter of the account, by action. */
export const budgetsOfAccountSql = (accountId: number): SQL => budgetsWhereSql(sql`WHERE account_id = ${accountIdSql(accountId)}`);

/** Every counter of the accounts of one id list (accounts-sql.ts's idChunks). */
export const budgetsOfAccountsSql = (chunk: SQL): SQL => budgetsWhereSql(sql`WHERE account_id IN (${chunk})`);

/** Writes the counter as it is now (the window it counts in, what was used, the halving), adding it when new. */
export const saveBudgetSql = (row: BudgetRow): SQL => sql`
  INSERT INTO account_budgets ${budgetsCodec.insertion(row)}
  ON CONFLICT (account_id, action) DO UPDATE SET
    window_start = excluded.window_start, used = excluded.used, halved_until = excluded.halved_until`;
