import { Placeholder, SQL, sql, type Query } from 'drizzle-orm';

/**
 * A statement written once with named values ({@link preparedSql}), with the values of one call. The executors render
 * its template once per dialect (and SQLite's prepares it once per connection) and bind the values each call, as a
 * prepared statement does: the hot paths (the engine's dispatch, a worker's finish) pay for neither building nor
 * rendering the SQL again.
 */
export interface BoundSql {
  /** The statement, its values `sql.placeholder`s; one object for every call. */
  readonly template: SQL;
  /** A value for each placeholder of the template, by name. */
  readonly values: Readonly<Record<string, unknown>>;
}

/** A value both drivers bind the same way: booleans become 0/1 (the flag columns are integers on both). */
export function bindable(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

/** What the SQL port runs: a drizzle `sql` template, or a prepared one with its values. */
export type SqlStatement = SQL | BoundSql;

/**
 * A statement whose SQL is built once: `build` marks each value with `value('name')`, and the statement given its
 * values is what the port runs. Made once, where the module is loaded (each one made is rendered and prepared anew),
 * for the statements of the hot paths; one whose shape depends on its values (a list of columns, a dialect's
 * function) stays a plain `sql` template.
 */
export function preparedSql<Values extends Record<string, unknown>>(
  build: (value: (name: keyof Values & string) => Placeholder) => SQL,
): (values: Values) => BoundSql {
  const template = build((name) => sql.placeholder(name));
  return (values) => ({ template, values });
}

/** A prepared statement's values lacked one its template names: a bug in the code that bound it. */
export class StatementValueError extends Error {
  override readonly name = 'StatementValueError';
  constructor(
    /** The placeholder without a value. */
    readonly placeholder: string,
  ) {
    super(`no value for the statement's placeholder "${placeholder}"`);
  }
}

/** A statement as a driver takes it: the dialect's text and its bindable parameters. */
export interface RenderedStatement {
  readonly text: string;
  readonly params: unknown[];
}

/** A prepared template in one dialect: its text, and how a call's values become its parameters. */
export interface RenderedTemplate {
  readonly text: string;
  bind(values: Readonly<Record<string, unknown>>): unknown[];
}

/** How statements render in one dialect (drizzle's SQLiteSyncDialect or PgDialect). */
export interface StatementRenderer {
  /** A plain template, anew; a prepared one with its values, its template rendered once. */
  (statement: SqlStatement): RenderedStatement;
  /** A prepared template, rendered once (for an executor that keeps its own driver statement per template). */
  template(template: SQL): RenderedTemplate;
}

/** Renders statements in one dialect, each prepared template once. */
export function statementRenderer(dialect: { sqlToQuery(query: SQL): Query }): StatementRenderer {
  const templates = new WeakMap<SQL, RenderedTemplate>();
  const template = (query: SQL): RenderedTemplate => {
    let rendered = templates.get(query);
    if (rendered === undefined) {
      rendered = renderTemplate(dialect.sqlToQuery(query));
      templates.set(query, rendered);
    }
    return rendered;
  };
  const render = (statement: SqlStatement): RenderedStatement => {
    if (statement instanceof SQL) {
      const { sql: text, params } = dialect.sqlToQuery(statement);
      return { text, params: params.map(bindable) };
    }
    const rendered = template(statement.template);
    return { text: rendered.text, params: rendered.bind(statement.values) };
  };
  return Object.assign(render, { template });
}

function renderTemplate({ sql: text, params }: Query): RenderedTemplate {
  // Each parameter is a placeholder's name, or (undefined name) a value the template fixed, bound the same each call.
  const names = params.map((param) => (param instanceof Placeholder ? (param.name as string) : undefined));
  const fixed = params.map((param) => (param instanceof Placeholder ? undefined : bindable(param)));
  return {
    text,
    bind(values) {
      const bound = new Array<unknown>(names.length);
      for (let i = 0; i < names.length; i++) {
        const name = names[i];
        if (name === undefined) bound[i] = fixed[i];
        else if (name in values) bound[i] = bindable(values[name]);
        else throw new StatementValueError(name);
      }
      return bound;
    },
  };
}
