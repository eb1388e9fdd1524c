import { afterEach, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../../../src/db/client.js';
import { createAccountsRepository } from '../../../src/db/repositories/accounts.js';
import { createBudgetsRepository, type BudgetRow } from '../../../src/db/repositories/budgets.js';
import { createPortBudgetsRepository } from '../../../src/db/repositories/budgets-port.js';
import { createAccountStore } from '../../../src/engine/account-store.js';
import { describeEachDialect, type OpenDialectDatabase } from '../dialects.js';

const references: DatabaseHandle[] = [];
afterEach(() => {
  for (const reference of references.splice(0)) reference.close();
});

/** The repository under test and budgets.ts on an in-memory SQLite, each with accounts 1, 2 and 3. */
async function pair(open: OpenDialectDatabase) {
  const db = await open();
  const reference = createDatabase(':memory:');
  references.push(reference);
  const accounts = createAccountsRepository(db);
  const store = createAccountStore(reference);
  for (const phone of ['+1', '+2', '+3']) {
    await accounts.insert({ phone }, 1);
    store.insert({ phone }, 1);
  }
  return { db, port: createPortBudgetsRepository(db), sync: createBudgetsRepository(reference) };
}

const rows: BudgetRow[] = [
  { accountId: 1, action: 'send', windowStart: 1_790_000_000_000, used: 4, halvedUntil: null },
  { accountId: 1, action: 'join', windowStart: 1_790_000_000_000, used: 1, halvedUntil: 1_790_086_400_000 },
  { accountId: 2, action: 'resolve', windowStart: 1_790_003_600_000, used: 0, halvedUntil: null },
  { accountId: 1, action: 'resolve', windowStart: 1_790_003_600_000, used: 17, halvedUntil: null },
  // Saved again: the window moved on, the count restarted, the halving ended.
  { accountId: 1, action: 'join', windowStart: 1_790_086_400_000, used: 0, halvedUntil: null },
  { accountId: 2, action: 'resolve', windowStart: 1_790_003_600_000, used: 9, halvedUntil: 1_790_010_000_000 },
];

describeEachDialect('PortBudgetsRepository', (open) => {
  it('saves and reads what budgets.ts saves and reads, upserts included', async () => {
    const { port, sync } = await pair(open);
    for (const row of rows) {
      sync.save(row);
      await port.save(row);
      for (const accountId of [1, 2, 3, 7_000_000_001]) {
        expect(await port.forAccount(accountId)).toStrictEqual(sync.forAccount(accountId));
      }
    }
    expect(await port.forAccount(1)).toStrictEqual([
      { accountId: 1, action: 'join', windowStart: 1_790_086_400_000, used: 0, halvedUntil: null },
      { accountId: 1, action: 'resolve', windowStart: 1_790_003_600_000, used: 17, halvedUntil: null },
      { accountId: 1, action: 'send', windowStart: 1_790_000_000_000, used: 4, halvedUntil: null },
    ]);
  });

  it('reads the counters of many accounts at once, each as forAccount would', async () => {
    const { port, sync } = await pair(open);
    for (const row of rows) {
      sync.save(row);
      await port.save(row);
    }
    const ids = [3, 2, 1, 2, 7_000_000_001, ...Array.from({ length: 1_200 }, (_, i) => 100 + i)];
    const byAccount = await port.forAccounts(ids);
    expect([...byAccount.keys()]).toEqual([...new Set(ids)]);
    for (const id of byAccount.keys()) expect(byAccount.get(id)).toStrictEqual(sync.forAccount(id));
    expect(await port.forAccounts([])).toEqual(new Map());
  });

  it('refuses a counter of an account that does not exist, as budgets.ts does', async () => {
    const { port, sync } = await pair(open);
    const orphan: BudgetRow = { accountId: 4, action: 'join', windowStart: 1, used: 1, halvedUntil: null };
    expect(() => sync.save(orphan)).toThrow();
    await expect(port.save(orphan)).rejects.toThrow();
  });

  it('saves inside a transaction, which rolls back as one', async () => {
    const { db, port } = await pair(open);
    const failed = db.sql.transaction(async (tx) => {
      await port.save({ accountId: 1, action: 'join', windowStart: 1, used: 1, halvedUntil: null }, tx);
      expect(await port.forAccount(1, tx)).toHaveLength(1);
      throw new Error('rolled back');
    });
    await expect(failed).rejects.toThrow('rolled back');
    expect(await port.forAccount(1)).toEqual([]);
  });
});
