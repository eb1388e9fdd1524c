import { fillPlaceholders, SQL, sql, type Placeholder, type Query } from 'drizzle-orm';
import { bindable } from './sql-port.js';

/**
 * A statement written once with named values ({@link preparedSql}), with the values of one call. The executors render
 * its template once per dialect and bind the values each call, as a prepared statement does: the hot paths (the
 * engine's dispatch, a worker's finish) pay for neither building nor rendering the SQL again.
 */
export interface BoundSql {
  /** The statement, its values `sql.placeholder`s; one object for every call. */
  readonly template: SQL;
  /** A value for each placeholder of the template, by name. */
  readonly values: Readonly<Record<string, unknown>>;
}

/** What the SQL port runs: a drizzle `sql` template, or a prepared one with its values. */
export type SqlStatement = SQL | BoundSql;

/**
 * A statement whose SQL is built once: `build` marks each value with `value('name')`, and the statement given its
 * values is what the port runs. For the statements of the hot paths; one whose shape depends on its values (a list of
 * columns, a dialect's function) stays a plain `sql` template.
 */
export function preparedSql<Values extends Record<string, unknown>>(
  build: (value: (name: keyof Values & string) => Placeholder) => SQL,
): (values: Values) => BoundSql {
  const template = build((name) => sql.placeholder(name));
  return (values) => ({ template, values });
}

/** A statement as a driver takes it: the dialect's text and its bindable parameters. */
export interface RenderedStatement {
  readonly text: string;
  readonly params: unknown[];
}

/** Renders statements in one dialect (drizzle's SQLiteSyncDialect or PgDialect), each prepared template once. */
export function statementRenderer(dialect: { sqlToQuery(query: SQL): Query }): (statement: SqlStatement) => RenderedStatement {
  const templates = new WeakMap<SQL, Query>();
  return (statement) => {
    if (statement instanceof SQL) {
      const { sql: text, params } = dialect.sqlToQuery(statement);
      return { text, params: params.map(bindable) };
    }
    let query = templates.get(statement.template);
    if (query === undefined) {
      query = dialect.sqlToQuery(statement.template);
      templates.set(statement.template, query);
    }
    return { text: query.sql, params: fillPlaceholders(query.params, statement.values).map(bindable) };
  };
}
