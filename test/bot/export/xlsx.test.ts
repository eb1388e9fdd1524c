import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { exportColumns } from '../../../src/bot/export/member-columns.js';
import { EXCEL_MAX_ROWS, memberXlsxParts } from '../../../src/bot/export/xlsx.js';
import { MEMBER_EXPORT_COLUMNS, type MemberExportRow } from '../../../src/db/repositories/members.js';
import { memberRow, memberRows, readChunks, readParts } from './fixtures.js';

/** The sheet's rows as exceljs reads them back: each row's values by column, empty cells as null. */
async function readSheet(bytes: Buffer): Promise<{ names: string[]; rows: unknown[][] }> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  expect(workbook.worksheets).toHaveLength(1);
  const sheet = workbook.worksheets[0]!;
  const width = sheet.getRow(1).cellCount;
  const rows: unknown[][] = [];
  sheet.eachRow({ includeEmpty: true }, (row) => {
    rows.push(Array.from({ length: width }, (_, i) => row.getCell(i + 1).value ?? null));
  });
  return { names: workbook.worksheets.map((w) => w.name), rows };
}

/** Up to ~150 KB are still in the compressor's and the streams' buffers when bytes are counted (measured). */
const MARGIN = 200_000;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const expectedCells = (r: MemberExportRow): unknown[] => [
  r.user_id, r.username, r.first_name, r.last_name, r.is_bot, r.is_premium, r.source,
  iso(r.first_seen_at), iso(r.last_seen_at), r.phone, r.status, iso(r.was_online_at), r.role, iso(r.joined_at),
];

describe('Excel export writer', () => {
  it('writes one sheet: the header row, then one typed row per member', async () => {
    const parts = await readParts(memberXlsxParts(memberRows(500)));
    expect(parts).toHaveLength(1);
    const bytes = parts[0]!.bytes;
    expect(bytes.length).toBe(parts[0]!.counted);
    expect(parts[0]!.rows).toBe(500);
    const { names, rows } = await readSheet(bytes);
    expect(names).toEqual(['members']);
    expect(rows).toHaveLength(501);
    expect(rows[0]).toEqual([...MEMBER_EXPORT_COLUMNS]);
    expect(rows.slice(1)).toEqual([...memberRows(500)].map(expectedCells));
  });

  it('adds the extra columns with --extra', async () => {
    const [part] = await readParts(memberXlsxParts([memberRow(29)][Symbol.iterator](), { columns: exportColumns(true) }));
    const { rows } = await readSheet(part!.bytes);
    expect(rows[0]?.slice(14)).toEqual(['is_verified', 'is_scam', 'is_fake', 'is_deleted', 'lang_code']);
    expect(rows[1]?.slice(14)).toEqual([false, true, false, false, 'en']);
  });

  it('splits into workbooks under the size limit, each one opening, nothing lost or repeated', async () => {
    const maxBytes = 320_000;
    const ids: unknown[] = [];
    let parts = 0;
    for (const part of memberXlsxParts(memberRows(6_000), { maxBytes, marginBytes: MARGIN })) {
      parts += 1;
      expect(part.index).toBe(parts);
      const bytes = await readChunks(part.chunks);
      expect(bytes.length).toBeLessThanOrEqual(maxBytes);
      expect(bytes.length).toBe(part.written.bytes);
      const { rows } = await readSheet(bytes);
      expect(rows[0]).toEqual([...MEMBER_EXPORT_COLUMNS]);
      expect(rows.length - 1).toBe(part.written.rows);
      ids.push(...rows.slice(1).map((r) => r[0]));
    }
    expect(parts).toBeGreaterThan(1);
    expect(ids).toEqual(Array.from({ length: 6_000 }, (_, i) => 10_000_001 + i));
  });

  it('stays under the size limit when the upload reads slowly', async () => {
    const maxBytes = 320_000;
    let total = 0;
    let parts = 0;
    for (const part of memberXlsxParts(memberRows(5_000), { maxBytes, marginBytes: MARGIN })) {
      parts += 1;
      const chunks: Buffer[] = [];
      for await (const chunk of part.chunks as AsyncIterable<Uint8Array>) {
        chunks.push(Buffer.from(chunk));
        // A slow reader: the writer runs on while each chunk waits.
        for (let i = 0; i < 20; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
      }
      const bytes = Buffer.concat(chunks);
      expect(bytes.length).toBeLessThanOrEqual(maxBytes);
      total += (await readSheet(bytes)).rows.length - 1;
    }
    expect(parts).toBeGreaterThan(1);
    expect(total).toBe(5_000);
  });

  it('starts a new workbook after the rows a sheet may hold, and none after a full last one', async () => {
    const counts: number[] = [];
    for (const part of memberXlsxParts(memberRows(250), { maxRows: 100 })) {
      const { rows } = await readSheet(await readChunks(part.chunks));
      counts.push(rows.length - 1);
    }
    expect(counts).toEqual([100, 100, 50]);
    const full: number[] = [];
    for (const part of memberXlsxParts(memberRows(200), { maxRows: 100 })) {
      await readChunks(part.chunks);
      full.push(part.written.rows);
    }
    expect(full).toEqual([100, 100]);
    expect(() => memberXlsxParts(memberRows(1), { maxRows: EXCEL_MAX_ROWS }).next()).toThrow(RangeError);
  });

  it('ends the file with the error when reading the members fails', async () => {
    function* failing(): Generator<MemberExportRow> {
      yield memberRow(1);
      throw new Error('disk gone');
    }
    const part = memberXlsxParts(failing()).next().value;
    await expect(readChunks(part!.chunks)).rejects.toThrow('disk gone');
  });
});
