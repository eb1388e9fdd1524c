import { MEMBER_EXPORT_COLUMNS, type MemberColumn, type MemberExportRow } from '../../db/repositories/members.js';
import { MAX_PART_BYTES, type ExportPart, type ExportPartOptions, type MemberRows } from './export-part.js';
import { rowValues, type CellValue } from './member-columns.js';
import { textParts } from './text-parts.js';

/** RFC 4180 (https://www.rfc-editor.org/rfc/rfc4180#section-2): a field with a comma, quote or line break is quoted, its quotes doubled. */
function csvField(value: CellValue): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const csvLine = (cells: readonly CellValue[]): string => `${cells.map(csvField).join(',')}\n`;

/** One member as a CSV line: booleans as true/false, times as ISO 8601 UTC, unknown empty. */
export function memberCsvLine(row: MemberExportRow, columns: readonly MemberColumn[] = MEMBER_EXPORT_COLUMNS): string {
  return csvLine(rowValues(row, columns));
}

/**
 * Members as CSV parts, each with the header row. Read each part's chunks to the end before taking
 * the next part.
 */
export function memberCsvParts(rows: MemberRows, options: ExportPartOptions = {}): Generator<ExportPart> {
  const columns = options.columns ?? MEMBER_EXPORT_COLUMNS;
  return textParts(rows, { header: csvLine(columns), footer: '', line: (row) => memberCsvLine(row, columns) }, options.maxBytes ?? MAX_PART_BYTES);
}
