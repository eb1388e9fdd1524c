import { getTableName, is, SQL, type Column } from 'drizzle-orm';
import { getTableConfig as pgConfig, PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import * as postgresSchema from '../../src/db/schema-postgres.js';
import * as sqliteSchema from '../../src/db/schema.js';

/**
 * What one repository relies on in a table, in terms both dialects share: the SQL names, nullability, which columns
 * have a default or are generated ids, the keys and the indexes. Types are left out on purpose: they differ
 * (integer/bigint, integer identity/autoincrement) in ways the SQL port hides.
 */
interface Shape {
  columns: string[];
  primaryKey: string[];
  indexes: string[];
  foreignKeys: string[];
}

type AnyConfig = ReturnType<typeof sqliteConfig> | ReturnType<typeof pgConfig>;

function columnShape(column: Column, generated: boolean): string {
  // drizzle marks every SQLite integer primary key as defaulted (it aliases the rowid, which SQLite fills in when left
  // out); Switchboard always writes those ids (Telegram's, a slot number, an account's), so only a generated id counts.
  const defaulted = column.hasDefault && !column.primary;
  const flags = [
    column.notNull ? 'not null' : 'null',
    generated ? 'generated id' : defaulted ? 'default' : 'no default',
  ];
  return `${column.name}: ${flags.join(', ')}`;
}

function indexColumn(column: unknown): string {
  if (is(column, SQL)) return 'sql';
  return (column as Column).name;
}

function shapeOf(config: AnyConfig, generated: (column: Column) => boolean): Shape {
  const single = config.columns.filter((column) => column.primary).map((column) => column.name);
  const composite = config.primaryKeys.flatMap((key) => key.columns.map((column) => column.name));
  return {
    columns: config.columns.map((column) => columnShape(column, generated(column))).sort(),
    primaryKey: [...single, ...composite],
    indexes: config.indexes
      .map(({ config: index }) => {
        const columns = (index.columns as unknown[]).map(indexColumn).join(', ');
        return `${index.name}${index.unique ? ' unique' : ''} (${columns})`;
      })
      .sort(),
    foreignKeys: config.foreignKeys
      .map((key) => {
        const reference = key.reference();
        const from = reference.columns.map((column) => column.name).join(', ');
        const to = reference.foreignColumns.map((column) => column.name).join(', ');
        return `(${from}) -> ${getTableName(reference.foreignTable)} (${to}) on delete ${key.onDelete ?? 'no action'}`;
      })
      .sort(),
  };
}

function sqliteShapes(): Map<string, Shape> {
  const shapes = new Map<string, Shape>();
  for (const value of Object.values(sqliteSchema)) {
    if (!is(value, SQLiteTable)) continue;
    const config = sqliteConfig(value);
    shapes.set(
      config.name,
      shapeOf(config, (column) => (column as Column & { autoIncrement?: boolean }).autoIncrement === true),
    );
  }
  return shapes;
}

function postgresShapes(): Map<string, Shape> {
  const shapes = new Map<string, Shape>();
  for (const value of Object.values(postgresSchema)) {
    if (!is(value, PgTable)) continue;
    const config = pgConfig(value);
    shapes.set(
      config.name,
      shapeOf(config, (column) => (column as Column & { generatedIdentity?: unknown }).generatedIdentity !== undefined),
    );
  }
  return shapes;
}

describe('Schema parity', () => {
  const sqlite = sqliteShapes();
  const postgres = postgresShapes();

  it('has the same tables on both dialects', () => {
    expect([...postgres.keys()].sort()).toEqual([...sqlite.keys()].sort());
    expect(sqlite.size).toBeGreaterThan(15);
  });

  it.each([...sqlite.keys()])('has the same columns, keys and indexes in %s', (table) => {
    expect(postgres.get(table)).toEqual(sqlite.get(table));
  });
});
