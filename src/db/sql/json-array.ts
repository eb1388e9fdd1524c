import { sql, type SQL } from 'drizzle-orm';
import type { Dialect } from './sql-port.js';

/** What the values of a {@link jsonArrayValues} list are compared as. */
export type JsonArrayValueType = 'text' | 'integer';

/**
 * A subquery yielding each value of `values`, bound as ONE parameter (a JSON array), for `x IN (…)` and
 * `x NOT IN (…)`: one statement serves a list of any length (an empty list too, which a literal `IN ()` list cannot
 * be on PostgreSQL), so the prepared-statement cache keeps one entry instead of one per length. The table function
 * is the one part that differs between the dialects: SQLite's `json_each`, PostgreSQL's `json_array_elements_text`
 * (both name their column `value`; the PostgreSQL one yields text, hence the cast for integers: to BIGINT, since
 * Telegram ids and ms times pass 32 bits).
 */
export function jsonArrayValues(dialect: Dialect, values: readonly (string | number)[], type: JsonArrayValueType): SQL {
  const list = JSON.stringify(values);
  const value = type === 'integer' ? sql`CAST(value AS BIGINT) AS value` : sql`value`;
  return dialect === 'postgres'
    ? sql`SELECT ${value} FROM json_array_elements_text(CAST(${list} AS json))`
    : sql`SELECT ${value} FROM json_each(${list})`;
}
