import {
  MEMBER_EXPORT_COLUMNS,
  MEMBER_EXTRA_COLUMNS,
  type MemberColumn,
  type MemberExportRow,
} from '../../db/repositories/members.js';

/**
 * How a member's fields become the cells of each format (README, Member data and export): times are
 * ISO 8601 UTC strings in every format; unknown is an empty cell in CSV and Excel, `null` in JSON.
 */

/** The columns of an export: the contract's, then with `--extra` the recorded flags and language. */
export function exportColumns(extra: boolean): readonly MemberColumn[] {
  return extra ? [...MEMBER_EXPORT_COLUMNS, ...MEMBER_EXTRA_COLUMNS] : MEMBER_EXPORT_COLUMNS;
}

/** A cell's value before a format writes it: what JSON gives, and what Excel writes as a typed cell. */
export type CellValue = string | number | boolean | null;

const TIME_COLUMNS: ReadonlySet<MemberColumn> = new Set(['first_seen_at', 'last_seen_at', 'was_online_at', 'joined_at']);

const iso = (ms: number): string => new Date(ms).toISOString();

/** One column of a row: ids as numbers, flags as booleans, times as ISO strings, unknown as null. */
export function cellValue(row: MemberExportRow, column: MemberColumn): CellValue {
  const value = row[column];
  if (value === null) return null;
  if (TIME_COLUMNS.has(column)) return iso(value as number);
  return value;
}

/** The row's values in the order of `columns`. */
export function rowValues(row: MemberExportRow, columns: readonly MemberColumn[]): CellValue[] {
  return columns.map((column) => cellValue(row, column));
}

/** The row as a JSON object keyed by the column names, in their order. */
export function rowObject(row: MemberExportRow, columns: readonly MemberColumn[]): Record<string, CellValue> {
  const out: Record<string, CellValue> = {};
  for (const column of columns) out[column] = cellValue(row, column);
  return out;
}
