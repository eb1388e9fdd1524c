import { describe, expect, it } from 'vitest';
import { memberCsvParts } from '../../../src/bot/export/csv.js';
import { exportColumns } from '../../../src/bot/export/member-columns.js';
import { MEMBER_EXPORT_COLUMNS, MEMBER_EXTRA_COLUMNS } from '../../../src/db/repositories/members.js';
import { PartNotReadError } from '../../../src/bot/export/export-part.js';
import { expectedCells, memberRow, memberRows, parseCsv, readChunks, readParts } from './fixtures.js';

describe('CSV export writer', () => {
  it('writes the fourteen contract columns, one row per member, every cell as the contract says', async () => {
    const parts = await readParts(memberCsvParts(memberRows(300)));
    expect(parts).toHaveLength(1);
    const rows = parseCsv(parts[0]!.bytes.toString('utf8'));
    expect(rows[0]).toEqual([...MEMBER_EXPORT_COLUMNS]);
    expect(rows[0]).toHaveLength(14);
    expect(rows.slice(1)).toEqual([...memberRows(300)].map((r) => expectedCells(r, MEMBER_EXPORT_COLUMNS)));
    expect(parts[0]!.rows).toBe(300);
  });

  it('adds the extra columns after the contract ones with --extra', async () => {
    const columns = exportColumns(true);
    const [part] = await readParts(memberCsvParts(memberRows(40), { columns }));
    const rows = parseCsv(part!.bytes.toString('utf8'));
    expect(rows[0]).toEqual([...MEMBER_EXPORT_COLUMNS, ...MEMBER_EXTRA_COLUMNS]);
    expect(rows.slice(1)).toEqual([...memberRows(40)].map((r) => expectedCells(r, columns)));
  });

  it('writes unknown as empty and times as ISO 8601 UTC', async () => {
    const row = { ...memberRow(1), username: null, phone: null, was_online_at: null, role: null, joined_at: null, status: 'unknown' as const };
    const [part] = await readParts(memberCsvParts([row][Symbol.iterator]()));
    const [, line] = parseCsv(part!.bytes.toString('utf8'));
    expect(line).toEqual([
      '10000001', '', 'First1', 'Last1 ✓', 'false', 'false', 'participants',
      '2023-11-14T22:13:20.001Z', '2023-11-14T22:21:40.001Z', '', 'unknown', '', '', '',
    ]);
  });

  it('splits into parts under the size limit, each with the header, nothing lost or repeated', async () => {
    const seen: string[] = [];
    let parts = 0;
    for (const part of memberCsvParts(memberRows(1000), { maxBytes: 8_000 })) {
      const bytes = await readChunks(part.chunks);
      parts += 1;
      expect(part.index).toBe(parts);
      expect(bytes.length).toBeLessThanOrEqual(8_000);
      expect(bytes.length).toBe(part.written.bytes);
      const rows = parseCsv(bytes.toString('utf8'));
      expect(rows[0]).toEqual([...MEMBER_EXPORT_COLUMNS]);
      expect(rows.length - 1).toBe(part.written.rows);
      seen.push(...rows.slice(1).map((r) => r[0] as string));
    }
    expect(parts).toBeGreaterThan(10);
    expect(seen).toEqual(Array.from({ length: 1000 }, (_, i) => String(10_000_001 + i)));
  });

  it('sends one file for an export that ends exactly at a part boundary', async () => {
    const [probe] = await readParts(memberCsvParts(memberRows(10)));
    const parts = await readParts(memberCsvParts(memberRows(10), { maxBytes: probe!.bytes.length }));
    expect(parts).toHaveLength(1);
  });

  it('refuses to start a part before the previous one was read', () => {
    const parts = memberCsvParts(memberRows(10));
    parts.next();
    expect(() => parts.next()).toThrow(PartNotReadError);
  });
});

describe('CSV fields', () => {
  it('quote exactly what RFC 4180 asks, as csv-stringify does', async () => {
    const { stringify } = await import('csv-stringify/sync');
    const { memberCsvLine } = await import('../../../src/bot/export/csv.js');
    for (const first of ['plain', 'a,b', 'say "hi"', 'line\nbreak', 'cr\rx', ' spaced ', '', 'ünï ✓', '"']) {
      const row = { ...memberRow(2), first_name: first };
      const cells = expectedCells(row, MEMBER_EXPORT_COLUMNS);
      expect(memberCsvLine(row)).toBe(stringify([cells]));
    }
  });
});
