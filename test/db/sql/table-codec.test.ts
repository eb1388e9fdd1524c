import { PgDialect } from 'drizzle-orm/pg-core';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import { accountBudgets, accounts } from '../../../src/db/schema.js';
import { RowShapeError, tableCodec } from '../../../src/db/sql/table-codec.js';

const sqlite = new SQLiteSyncDialect();
const postgres = new PgDialect();

describe('tableCodec', () => {
  const codec = tableCodec(accounts);

  it('does assignments of the given fields only, mapped as the SQLite schema maps them', () => {
    const set = codec.assignments({ paused: true, device: { deviceModel: 'Desktop' }, label: undefined, proxy: null });
    expect(sqlite.sqlToQuery(set!)).toMatchObject({
      sql: '"paused" = ?, "device" = ?, "proxy" = ?',
      params: [1, '{"deviceModel":"Desktop"}', null],
    });
    expect(postgres.sqlToQuery(set!).sql).toBe('"paused" = $1, "device" = $2, "proxy" = $3');
    expect(codec.assignments({ label: undefined })).toBeUndefined();
  });

  it('does insertions of the given fields, or DEFAULT VALUES for none', () => {
    expect(sqlite.sqlToQuery(tableCodec(accountBudgets).insertion({ accountId: 1, action: 'join', halvedUntil: undefined }))).toMatchObject({
      sql: '("account_id", "action") VALUES (?, ?)',
      params: [1, 'join'],
    });
    expect(sqlite.sqlToQuery(codec.insertion({})).sql).toBe('DEFAULT VALUES');
  });

  it('decodes a row by SQL name: flags to booleans, JSON parsed, nulls kept', () => {
    const budgets = tableCodec(accountBudgets);
    expect(budgets.decode({ account_id: 1, action: 'join', window_start: 5, used: 2, halved_until: null })).toStrictEqual({
      accountId: 1,
      action: 'join',
      windowStart: 5,
      used: 2,
      halvedUntil: null,
    });
    expect(codec.value('paused', 0)).toBe(false);
    expect(codec.value('device', '{"deviceModel":"Desktop"}')).toEqual({ deviceModel: 'Desktop' });
    expect(codec.value('device', null)).toBeNull();
  });

  it('throws RowShapeError for a missing row, a missing column or an unknown property', () => {
    const budgets = tableCodec(accountBudgets);
    expect(() => budgets.decode(undefined)).toThrow(RowShapeError);
    expect(() => budgets.decode({ account_id: 1 })).toThrow(expect.objectContaining({ table: 'account_budgets', column: 'action' }));
    expect(() => budgets.assignments({ nope: 1 } as never)).toThrow(expect.objectContaining({ column: 'nope' }));
  });
});
