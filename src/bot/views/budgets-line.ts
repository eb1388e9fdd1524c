import type { AccountBudget } from '../../engine/budget-ledger.js';
import type { BudgetAction } from '../../engine/budget.js';

const LABELS: Readonly<Record<BudgetAction, string>> = { join: 'joins', send: 'sends', resolve: 'look-ups' };

/**
 * The account screen's budgets (README: Budgets), e.g.
 * `Today: joins 3/20 · sends 12/50 · look-ups 40/100 (this hour)`; a halved cap shows as `joins 3/10 (halved)`.
 * Days and hours are UTC, as the engine counts them.
 */
export function budgetsLine(budgets: readonly AccountBudget[]): string {
  const part = (b: AccountBudget) => `${LABELS[b.action]} ${b.used}/${b.cap}${b.halvedUntil !== null ? ' (halved)' : ''}`;
  const daily = budgets.filter((b) => b.action !== 'resolve').map(part);
  const hourly = budgets.filter((b) => b.action === 'resolve').map((b) => `${part(b)} (this hour)`);
  return `Today: ${[...daily, ...hourly].join(' · ')}`;
}
