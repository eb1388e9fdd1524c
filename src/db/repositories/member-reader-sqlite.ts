import type Database from 'better-sqlite3';
import type { SQL } from 'drizzle-orm';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import { bindable } from '../sql/sql-port.js';
import type { MemberExportRow, MemberStats } from './member-data.js';
import { memberCountSql, memberPageSql, memberStatsSql, toMemberExportRow, toMemberStats, type MemberSqlRow } from './member-query-sql.js';
import type { IterateMembersOptions, MemberQuery } from './member-reader.js';

/** The member reads of the synchronous SQLite `MembersRepository` (members.ts); the panel reads through member-reader-port.ts. */
export interface SqliteMemberReader {
  /** The chat's members that pass the query, ordered by user id, read page by page. */
  iterate(chatId: number, options?: IterateMembersOptions): Generator<MemberExportRow, void, undefined>;
  count(chatId: number, query?: MemberQuery): number;
  stats(chatId: number): MemberStats;
}

const dialect = new SQLiteSyncDialect();

/** The statements of member-query-sql.ts on one better-sqlite3 connection, answered at once. */
export function createSqliteMemberReader(sqlite: Database.Database): SqliteMemberReader {
  // A query shape per filter combination, prepared once: an export reads thousands of pages.
  const prepared = new Map<string, Database.Statement>();
  const run = (query: SQL): { statement: Database.Statement; params: unknown[] } => {
    const { sql: text, params } = dialect.sqlToQuery(query);
    let statement = prepared.get(text);
    if (!statement) {
      statement = sqlite.prepare(text);
      prepared.set(text, statement);
    }
    return { statement, params: params.map(bindable) };
  };
  const all = <Row>(query: SQL): Row[] => {
    const { statement, params } = run(query);
    return statement.all(...params) as Row[];
  };
  const get = <Row>(query: SQL): Row | undefined => {
    const { statement, params } = run(query);
    return statement.get(...params) as Row | undefined;
  };

  return {
    *iterate(chatId, options = {}) {
      const { pageSize = 1000 } = options;
      let after = Number.MIN_SAFE_INTEGER;
      for (;;) {
        const rows = all<MemberSqlRow>(memberPageSql(chatId, after, options, pageSize));
        for (const row of rows) yield toMemberExportRow(row);
        const last = rows.at(-1);
        if (last === undefined || rows.length < pageSize) return;
        after = Number(last.user_id);
      }
    },

    count(chatId, query = {}) {
      return Number(get<{ n: number }>(memberCountSql(chatId, query))?.n ?? 0);
    },

    stats(chatId) {
      return toMemberStats(get<Record<string, unknown>>(memberStatsSql(chatId)));
    },
  };
}
