import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { MEMBER_EXPORT_COLUMNS } from '../../db/repositories/members.js';
import { MAX_PART_BYTES, PartNotReadError, PartRows, track, type ExportPart, type ExportPartOptions, type MemberRows } from './export-part.js';
import { rowValues } from './member-columns.js';

/** Excel's rows per sheet (https://support.microsoft.com/office/excel-specifications-and-limits-1672b34d-7043-467e-8e27-269d656771c3), the header row included. */
export const EXCEL_MAX_ROWS = 1_048_576;

export interface XlsxPartOptions extends ExportPartOptions {
  /**
   * Member rows per file at most (the header row comes on top).
   * @default EXCEL_MAX_ROWS - 1
   */
  readonly maxRows?: number;
  /**
   * Room kept under `maxBytes` when deciding to add another row: what is still inside the compressor
   * and the streams' buffers when the bytes are counted (up to ~150 KB measured, whatever the file's
   * size, as every buffer on the way is bounded), and the zip's closing entries and central directory.
   * @default 1 MiB
   */
  readonly marginBytes?: number;
}

const SHEET_NAME = 'members';
/** Rows committed between two looks at the compressor's backlog. */
const BATCH_ROWS = 200;

interface BacklogStream {
  readonly _writableState?: { readonly needDrain?: boolean };
  once(event: 'drain', listener: () => void): unknown;
}

/**
 * The streams an exceljs sheet writes into. exceljs's StreamBuf (lib/utils/stream-buf.js) writes into
 * the zip without waiting for it to keep up, through the PassThrough archiver wraps it in
 * (archiver-utils normalizeInputSource): rows committed faster than they are compressed pile up there.
 */
function backlogOf(sheet: ExcelJS.Worksheet): readonly BacklogStream[] {
  const pipes = (sheet as unknown as { stream?: { pipes?: unknown } }).stream?.pipes;
  return Array.isArray(pipes) ? (pipes as BacklogStream[]) : [];
}

/**
 * Waits while rows pile up ahead of the compressor, or compressed bytes ahead of the upload (`out`, what it has not
 * read yet). Without the second, a stalled upload let 29,200 rows into the zip's buffers (measured; 1,000 with it),
 * and what was in them but not counted yet outgrew the margin: a slowly read part came out past `maxBytes`.
 */
async function drained(sheet: ExcelJS.Worksheet, out: PassThrough, stopped: Promise<void>): Promise<void> {
  const waiting = [...backlogOf(sheet), out as unknown as BacklogStream].filter((s) => s._writableState?.needDrain === true);
  if (waiting.length === 0) {
    // Let the compressor and the upload run between batches even when no backlog is visible.
    await new Promise<void>((resolve) => setImmediate(resolve));
    return;
  }
  await Promise.race([Promise.all(waiting.map((s) => once(s as unknown as PassThrough, 'drain'))), stopped]);
}

/**
 * Members as Excel workbooks, one sheet each: the header row, then one row per member (ids as
 * numbers, flags as booleans, times as ISO 8601 UTC strings equal to the CSV's, unknown as an empty
 * cell). Written with exceljs's streaming writer, rows committed as they go; a file ends before
 * `maxBytes` (counted as compressed bytes leave the writer) or `maxRows`. Read each part's chunks to
 * the end before taking the next part.
 */
export function* memberXlsxParts(rows: MemberRows, options: XlsxPartOptions = {}): Generator<ExportPart> {
  const columns = options.columns ?? MEMBER_EXPORT_COLUMNS;
  const maxBytes = options.maxBytes ?? MAX_PART_BYTES;
  const maxRows = options.maxRows ?? EXCEL_MAX_ROWS - 1;
  const marginBytes = options.marginBytes ?? 1024 * 1024;
  if (marginBytes >= maxBytes) throw new RangeError(`maxBytes ${maxBytes} leaves no room past the margin of ${marginBytes}`);
  if (maxRows < 1 || maxRows > EXCEL_MAX_ROWS - 1) throw new RangeError(`maxRows must be from 1 to ${EXCEL_MAX_ROWS - 1}`);
  const source = new PartRows(rows);

  for (let index = 1; ; index += 1) {
    const written = { rows: 0, bytes: 0 };
    async function* chunks(): AsyncGenerator<Uint8Array> {
      const out = new PassThrough();
      const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: false, useSharedStrings: false });
      const sheet = workbook.addWorksheet(SHEET_NAME);
      let stop: () => void = () => undefined;
      const stopped = new Promise<void>((resolve) => (stop = resolve));
      let cancelled = false;
      const produce = (async () => {
        sheet.addRow([...columns]).commit();
        while (!cancelled) {
          const row = await source.next();
          if (!row) break;
          // The margin covers what the compressor still holds and the zip's ending. A full sheet takes
          // its next row out first, so no empty file follows the last full one.
          if (written.rows >= maxRows || (written.rows > 0 && written.bytes + marginBytes >= maxBytes)) {
            source.putBack(row);
            break;
          }
          sheet.addRow(rowValues(row, columns)).commit();
          written.rows += 1;
          if (written.rows % BATCH_ROWS === 0) await drained(sheet, out, stopped);
        }
        sheet.commit();
        await workbook.commit();
      })();
      // A failure while writing ends the file with the error, which reaches the upload reading it.
      produce.catch((error: unknown) => out.destroy(error instanceof Error ? error : new Error(String(error))));
      try {
        for await (const chunk of out as AsyncIterable<Buffer>) {
          written.bytes += chunk.length;
          yield chunk;
        }
        await produce;
      } finally {
        cancelled = true;
        stop();
      }
    }
    let finished = false;
    yield { index, chunks: track(chunks(), () => (finished = true)), written };
    // Taking the next part before this one was read would start it at the wrong row, or never end.
    if (!finished) throw new PartNotReadError(index);
    if (source.done) return;
  }
}
