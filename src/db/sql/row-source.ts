import { sql, type SQL } from 'drizzle-orm';
import type { Dialect } from './sql-port.js';

/** The type a column of a {@link rowSource} is bound as on PostgreSQL (SQLite binds every value as it comes). */
export type RowColumnType = 'bigint' | 'integer' | 'text';

/** One column of a {@link rowSource}: its name in the statement, its type, and its value in each row. */
export interface RowColumn<R> {
  readonly name: string;
  readonly type: RowColumnType;
  readonly value: (row: R) => string | number | null;
}

/**
 * The most bound values a SQLite statement may hold (SQLITE_MAX_VARIABLE_NUMBER), less room for the few values bound
 * once per statement.
 */
const SQLITE_MAX_PARAMS = 32_766 - 16;

/** A text element of an array literal: quoted, with `"` and `\` escaped (https://www.postgresql.org/docs/15/arrays.html#ARRAYS-IO). */
function element(value: string): string {
  return `"${/["\\]/.test(value) ? value.replace(/["\\]/g, '\\$&') : value}"`;
}

/**
 * A column's values as a PostgreSQL array literal, e.g. `{1,NULL,3}` or `{"a","b \"c\""}`. Built here rather than by
 * node-postgres from a JavaScript array: its serializer quotes and escapes every element with two regular expressions,
 * a measurable part of a worker's CPU for every page of members, where most values need no escaping at all.
 */
export function arrayLiteral(values: readonly (string | number | null)[]): string {
  let literal = '{';
  for (let i = 0; i < values.length; i += 1) {
    const value = values[i];
    if (i > 0) literal += ',';
    literal += value === null || value === undefined ? 'NULL' : typeof value === 'number' ? String(value) : element(value);
  }
  return `${literal}}`;
}

/**
 * The rows of `rows` as the body of a common table expression, one column per entry of `columns`: the one part of a
 * multi-row statement that differs between the dialects.
 *
 * - PostgreSQL: `SELECT * FROM unnest($1::bigint[], $2::text[], …)`, one array per column. The statement has as many
 *   bound values as columns whatever the number of rows, so its text is the same for every page (it can be prepared
 *   once, db/sql/prepared.ts) and the server parses and plans a few parameters rather than a VALUES list of thousands.
 * - SQLite: a VALUES list, one bound value per cell (SQLite's limit: {@link chunksFor}).
 */
export function rowSource<R>(dialect: Dialect, columns: readonly RowColumn<R>[], rows: readonly R[]): SQL {
  if (rows.length === 0) throw new RangeError('a row source needs at least one row');
  if (dialect === 'postgres') {
    const arrays = columns.map((column) => sql`CAST(${arrayLiteral(rows.map(column.value))} AS ${sql.raw(column.type)}[])`);
    return sql`SELECT * FROM unnest(${sql.join(arrays, sql`, `)})`;
  }
  const values = rows.map((row) => sql`(${sql.join(columns.map((column) => sql`${column.value(row)}`), sql`, `)})`);
  return sql`VALUES ${sql.join(values, sql`, `)}`;
}

/** The column list of a {@link rowSource}'s table expression: `page (id, username, …)`. */
export function rowSourceColumns<R>(columns: readonly RowColumn<R>[]): SQL {
  return sql.raw(columns.map((column) => column.name).join(', '));
}

/**
 * Rows cut into statements of a {@link rowSource} each: on PostgreSQL one statement holds any number of rows (a few
 * arrays); on SQLite as many rows as fit under its limit of bound values.
 */
export function chunksFor<T>(dialect: Dialect, rows: readonly T[], paramsPerRow: number): T[][] {
  if (rows.length === 0) return [];
  if (dialect === 'postgres') return [[...rows]];
  const size = Math.max(1, Math.floor(SQLITE_MAX_PARAMS / paramsPerRow));
  const chunks: T[][] = [];
  for (let i = 0; i < rows.length; i += size) chunks.push(rows.slice(i, i + size));
  return chunks;
}
