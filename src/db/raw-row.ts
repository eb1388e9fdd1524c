import type { SQLiteTable } from 'drizzle-orm/sqlite-core';

interface ColumnInfo {
  readonly _: { readonly name: string; readonly dataType: string; readonly notNull: boolean; readonly data: unknown };
}

type Nullable<C extends ColumnInfo, T> = C['_']['notNull'] extends true ? T : T | null;

/**
 * A row of `Table` as a raw SQL statement returns it (better-sqlite3's `.get()` / `.all()`): the columns'
 * SQL names, JSON columns still as text. Derived from the drizzle schema, so the hot paths that use
 * prepared statements cannot drift from it.
 */
export type RawRow<Table extends SQLiteTable> = {
  -readonly [K in keyof Table['_']['columns'] as Table['_']['columns'][K] extends ColumnInfo ? Table['_']['columns'][K]['_']['name'] : never]: Table['_']['columns'][K] extends ColumnInfo
    ? Table['_']['columns'][K]['_']['dataType'] extends 'json'
      ? Nullable<Table['_']['columns'][K], string>
      : Nullable<Table['_']['columns'][K], Table['_']['columns'][K]['_']['data']>
    : never;
};
