import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { chunksFor, rowSource, rowSourceColumns, type RowColumn } from '../../../src/db/sql/row-source.js';
import { describeEachDialect } from '../dialects.js';

interface Row {
  readonly id: number;
  readonly name: string | null;
  readonly flag: number;
}

const columns: readonly RowColumn<Row>[] = [
  { name: 'id', type: 'bigint', value: (r) => r.id },
  { name: 'name', type: 'text', value: (r) => r.name },
  { name: 'flag', type: 'integer', value: (r) => r.flag },
];

describeEachDialect('rowSource', (open) => {
  it('yields every row with its values as given: nulls, quotes, backslashes, braces, commas and ids past 32 bits', async () => {
    const { sql: db } = await open();
    const rows: Row[] = [
      { id: 1, name: 'plain', flag: 0 },
      { id: -1_001_234_567_890, name: `it's "quoted", {braced} \\ back`, flag: 1 },
      { id: 7_000_000_001, name: null, flag: 1 },
      { id: 3, name: 'NULL', flag: 0 },
      { id: 4, name: '', flag: 0 },
      { id: 5, name: 'юникод 🎉', flag: 1 },
    ];
    const read = await db.all<Row>(sql`WITH page (${rowSourceColumns(columns)}) AS (${rowSource(db.dialect, columns, rows)})
      SELECT id, name, flag FROM page`);
    expect(read.map((r) => ({ id: Number(r.id), name: r.name, flag: Number(r.flag) }))).toEqual(rows);
  });
});

describe('chunksFor', () => {
  const rows = Array.from({ length: 5000 }, (_, i) => i);

  it('does keep every row in one statement on PostgreSQL, whose rows are arrays', () => {
    expect(chunksFor('postgres', rows, 17)).toEqual([rows]);
  });

  it('does cut the rows under SQLite’s limit of bound values, in order', () => {
    const chunks = chunksFor('sqlite', rows, 17);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(chunk.length * 17).toBeLessThanOrEqual(32_766);
    expect(chunks.flat()).toEqual(rows);
  });

  it('does give no statement for no rows', () => {
    expect(chunksFor('postgres', [], 3)).toEqual([]);
    expect(chunksFor('sqlite', [], 3)).toEqual([]);
  });
});
