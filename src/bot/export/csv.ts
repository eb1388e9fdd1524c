import { stringify } from 'csv-stringify/sync';
import { MEMBER_EXPORT_COLUMNS, type MemberColumn, type MemberExportRow } from '../../db/repositories/members.js';
import { MAX_PART_BYTES, type ExportPart, type ExportPartOptions } from './export-part.js';
import { rowValues } from './member-columns.js';
import { textParts } from './text-parts.js';

/** One member as a CSV line (RFC 4180): booleans as true/false, times as ISO 8601 UTC, unknown empty. */
export function memberCsvLine(row: MemberExportRow, columns: readonly MemberColumn[] = MEMBER_EXPORT_COLUMNS): string {
  return stringify([rowValues(row, columns).map((v) => (v === null ? '' : String(v)))]);
}

/**
 * Members as CSV parts, each with the header row. Read each part's chunks to the end before taking
 * the next part.
 */
export function memberCsvParts(rows: Iterator<MemberExportRow>, options: ExportPartOptions = {}): Generator<ExportPart> {
  const columns = options.columns ?? MEMBER_EXPORT_COLUMNS;
  const header = stringify([[...columns]]);
  return textParts(rows, { header, footer: '', line: (row) => memberCsvLine(row, columns) }, options.maxBytes ?? MAX_PART_BYTES);
}
