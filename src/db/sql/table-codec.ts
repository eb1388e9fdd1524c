import { getTableColumns, getTableName, sql, type Column, type SQL } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';

/** A row or a property that does not fit the table: a bug in the repository that built the statement, not bad data. */
export class RowShapeError extends Error {
  override readonly name = 'RowShapeError';
  constructor(
    message: string,
    /** The table's SQL name. */
    readonly table: string,
    /** The property or SQL column name at fault, if one is. */
    readonly column?: string,
  ) {
    super(message);
  }
}

/**
 * How the rows of one table travel through the SQL port (db/sql/sql-port.ts) as drizzle's SQLite schema (db/schema.ts)
 * shapes them: property names, flags as booleans, JSON columns parsed. The column names and each column's mapping come
 * from that schema, so a repository on the port reads and writes the same values as one on drizzle's query builder,
 * on both dialects (the PostgreSQL twin has the same column names, and keeps flags as 0/1 and JSON as text).
 */
export interface TableCodec<Row> {
  /** Every column by its SQL name, in schema order: the list for SELECT and RETURNING. */
  readonly columns: SQL;
  /**
   * A row as the port returns it (keyed by SQL name) in the schema's shape; null stays null, as in drizzle.
   * RowShapeError when `raw` is undefined or lacks a column.
   */
  decode(raw: unknown): Row;
  /** One column's value as the port returns it, in the schema's shape (for a SELECT of a few columns). */
  value<K extends keyof Row & string>(key: K, raw: unknown): Row[K];
  /**
   * `"column" = value, …` for each property given; undefined ones are left out, as drizzle's update leaves them out.
   * Undefined when none is left.
   */
  assignments(fields: Partial<Row>): SQL | undefined;
  /**
   * `("column", …) VALUES (value, …)` for each property given; undefined ones are left out (their default applies).
   * `DEFAULT VALUES` when none is left.
   */
  insertion(fields: Partial<Row>): SQL;
}

/** The codec of a table of db/schema.ts. */
export function tableCodec<Table extends SQLiteTable>(table: Table): TableCodec<Table['$inferSelect']> {
  type Row = Table['$inferSelect'];
  const tableName = getTableName(table);
  const byKey = new Map<string, Column>(Object.entries(getTableColumns(table) as Record<string, Column>));

  const column = (key: string): Column => {
    const found = byKey.get(key);
    if (found === undefined) throw new RowShapeError(`${key} is not a property of ${tableName}`, tableName, key);
    return found;
  };
  /** A property's value as bound: JSON as text, booleans as 0/1 (the schema's mapping), null as null. */
  const encode = (key: string, value: unknown): unknown => (value === null ? null : column(key).mapToDriverValue(value));
  const given = (fields: Partial<Row>): [string, unknown][] =>
    Object.entries(fields).filter(([, value]) => value !== undefined);

  return {
    columns: sql.join(
      [...byKey.values()].map((c) => sql.identifier(c.name)),
      sql`, `,
    ),

    decode(raw) {
      if (raw === undefined) throw new RowShapeError(`no row of ${tableName} came back`, tableName);
      const values = raw as Record<string, unknown>;
      const row: Record<string, unknown> = {};
      for (const [key, c] of byKey) {
        const value = values[c.name];
        // The port gives every selected column; undefined would mean a SELECT that left it out.
        if (value === undefined) throw new RowShapeError(`a row of ${tableName} came without ${c.name}`, tableName, c.name);
        row[key] = value === null ? null : c.mapFromDriverValue(value);
      }
      return row as Row;
    },

    value: (key, raw) => (raw === null ? null : column(key).mapFromDriverValue(raw)) as Row[typeof key],

    assignments(fields) {
      const entries = given(fields);
      if (entries.length === 0) return undefined;
      return sql.join(
        entries.map(([key, value]) => sql`${sql.identifier(column(key).name)} = ${encode(key, value)}`),
        sql`, `,
      );
    },

    insertion(fields) {
      const entries = given(fields);
      if (entries.length === 0) return sql`DEFAULT VALUES`;
      const names = sql.join(
        entries.map(([key]) => sql.identifier(column(key).name)),
        sql`, `,
      );
      const values = sql.join(
        entries.map(([key, value]) => sql`${encode(key, value)}`),
        sql`, `,
      );
      return sql`(${names}) VALUES (${values})`;
    },
  };
}
