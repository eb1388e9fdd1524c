import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { memberCsvParts } from '../../../src/bot/export/csv.js';
import type { ExportPart, MemberRows } from '../../../src/bot/export/export-part.js';
import { memberJsonParts } from '../../../src/bot/export/json.js';
import { memberXlsxParts } from '../../../src/bot/export/xlsx.js';
import type { MemberExportRow } from '../../../src/db/repositories/members.js';
import { until } from '../../until.js';
import { memberRow, memberRows, readParts } from './fixtures.js';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Rows as the member reader gives them: a page at a time, each page after a turn of the event loop. */
function pagedRows(count: number, pageSize: number, pulled: { rows: number } = { rows: 0 }): AsyncGenerator<MemberExportRow, void, undefined> {
  return (async function* () {
    for (let from = 1; from <= count; from += pageSize) {
      await turn();
      for (let i = from; i < Math.min(from + pageSize, count + 1); i += 1) {
        pulled.rows += 1;
        yield memberRow(i);
      }
    }
  })();
}

async function sheetIds(bytes: Buffer): Promise<number[]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  const ids: number[] = [];
  workbook.worksheets[0]?.eachRow((row, n) => {
    if (n > 1) ids.push(Number(row.getCell(1).value));
  });
  return ids;
}

type Writer = (rows: MemberRows) => Generator<ExportPart>;

describe('Export parts of rows read page by page', () => {
  it.each<[string, Writer]>([
    ['CSV', (rows) => memberCsvParts(rows, { maxBytes: 9_000 })],
    ['JSON', (rows) => memberJsonParts(rows, { maxBytes: 9_000 })],
  ])('are the same %s files as of rows at hand', async (_format, write) => {
    const atHand = await readParts(write(memberRows(500)));
    const paged = await readParts(write(pagedRows(500, 37)));
    expect(atHand.length).toBeGreaterThan(3);
    expect(paged).toEqual(atHand);
  });

  it('are Excel workbooks of the same rows, split the same, each under the limit', async () => {
    const maxBytes = 320_000;
    const options = { maxBytes, marginBytes: 200_000 };
    const atHand = await readParts(memberXlsxParts(memberRows(5_000), options));
    const paged = await readParts(memberXlsxParts(pagedRows(5_000, 333), options));
    expect(paged.map((p) => p.rows)).toEqual(atHand.map((p) => p.rows));
    expect(paged.length).toBeGreaterThan(1);
    const ids: number[] = [];
    for (const part of paged) {
      expect(part.bytes.length).toBeLessThanOrEqual(maxBytes);
      ids.push(...(await sheetIds(part.bytes)));
    }
    expect(ids).toEqual(Array.from({ length: 5_000 }, (_, i) => 10_000_001 + i));
  });

  it('stay under the Excel limit when the upload reads slowly', async () => {
    const maxBytes = 320_000;
    let total = 0;
    for (const part of memberXlsxParts(pagedRows(5_000, 1000), { maxBytes, marginBytes: 200_000 })) {
      const chunks: Buffer[] = [];
      for await (const chunk of part.chunks as AsyncIterable<Uint8Array>) {
        chunks.push(Buffer.from(chunk));
        for (let i = 0; i < 20; i += 1) await turn();
      }
      const bytes = Buffer.concat(chunks);
      expect(bytes.length).toBeLessThanOrEqual(maxBytes);
      total += (await sheetIds(bytes)).length;
    }
    expect(total).toBe(5_000);
  });

  it.each<[string, Writer]>([
    ['CSV', (rows) => memberCsvParts(rows)],
    ['JSON', (rows) => memberJsonParts(rows)],
    ['Excel', (rows) => memberXlsxParts(rows)],
  ])('read %s rows only as fast as the upload takes the bytes', async (_format, write) => {
    const pulled = { rows: 0 };
    const total = 50_000;
    const [part] = write(pagedRows(total, 1000, pulled));
    if (!part) throw new Error('no part');
    const chunks = (part.chunks as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    expect((await chunks.next()).done).toBe(false);
    // The upload stalls: the writer goes on only as far as its buffers hold, then waits (no row taken for 20 looks).
    let seen = -1;
    let still = 0;
    await until(() => {
      still = pulled.rows === seen ? still + 1 : 0;
      seen = pulled.rows;
      return still >= 20;
    }, 'the writer to stop taking rows');
    // Hundreds of rows were measured (a 64 KB chunk of text; for Excel 1,000, 29,200 before it waited for the upload).
    expect(pulled.rows).toBeLessThan(total / 10);
    let bytes = 0;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) bytes += next.value.length;
    expect(bytes).toBeGreaterThan(0);
    expect(pulled.rows).toBe(total);
    expect(part.written.rows).toBe(total);
  });
});
