import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { jsonArrayValues } from '../../../src/db/sql/json-array.js';
import { describeEachDialect } from '../dialects.js';

describeEachDialect('jsonArrayValues', (open) => {
  it('yields each text of the list, quotes and all, for IN and NOT IN', async () => {
    const { sql: db } = await open();
    const texts = ['plain', `it's "quoted"`, 'юникод', ''];
    const rows = await db.all<{ value: string }>(jsonArrayValues(db.dialect, texts, 'text'));
    expect(rows.map((row) => row.value)).toEqual(texts);
    const inList = await db.get<{ hit: number }>(
      sql`SELECT count(*) AS hit FROM (SELECT 'plain' AS k) t WHERE k IN (${jsonArrayValues(db.dialect, texts, 'text')})`,
    );
    expect(Number(inList?.hit)).toBe(1);
  });

  it('yields integers that compare with integer columns, negative and past 32 bits too', async () => {
    const { sql: db } = await open();
    const ids = [3, -1_001_234_567_890, 0];
    const rows = await db.all<{ value: number }>(jsonArrayValues(db.dialect, ids, 'integer'));
    expect(rows.map((row) => Number(row.value))).toEqual(ids);
    await db.run(sql`INSERT INTO accounts (phone) VALUES ('+1')`);
    const hit = await db.all<{ id: number }>(sql`SELECT id FROM accounts WHERE id IN (${jsonArrayValues(db.dialect, [5, 1], 'integer')})`);
    expect(hit).toEqual([{ id: 1 }]);
  });

  it('yields nothing for an empty list, so NOT IN keeps every row', async () => {
    const { sql: db } = await open();
    expect(await db.all(jsonArrayValues(db.dialect, [], 'text'))).toEqual([]);
    const kept = await db.all<{ k: string }>(
      sql`SELECT k FROM (SELECT 'x' AS k) t WHERE k NOT IN (${jsonArrayValues(db.dialect, [], 'text')})`,
    );
    expect(kept).toEqual([{ k: 'x' }]);
  });
});
