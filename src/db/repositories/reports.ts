import { sql, type SQL } from 'drizzle-orm';
import type { SqlHandle } from '../sql/sql-port.js';

const HOUR_MS = 3_600_000;

export interface KindCounts {
  readonly succeeded: number;
  readonly failed: number;
  readonly cancelled: number;
}

/** Activity of a time window `[sinceMs, untilMs)`. */
export interface ReportSummary {
  readonly sinceMs: number;
  readonly untilMs: number;
  /** Operations that ended in the window, by how they ended. */
  readonly operationsSucceeded: number;
  readonly operationsFailed: number;
  readonly operationsCancelled: number;
  /** Memberships stored for the first time in the window. */
  readonly membersScraped: number;
  /** FLOOD_WAITs met in the window, slept through or cooled down. */
  readonly floodWaits: number;
  /** Ended operations per kind; kinds with none are absent. */
  readonly byKind: Readonly<Record<string, KindCounts>>;
}

export interface HourlyBucket {
  /** Start of the hour, epoch ms. */
  readonly hour: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Memberships first seen in the hour. */
  readonly members: number;
}

export interface ReportsRepository {
  /** `excludeKinds`: operation kinds left out (the engine's internal bookkeeping). */
  summary(sinceMs: number, untilMs: number, excludeKinds?: readonly string[]): Promise<ReportSummary>;
  /** One bucket per hour from the hour of `sinceMs` to before `untilMs`, empty hours included. */
  hourlySeries(sinceMs: number, untilMs: number, excludeKinds?: readonly string[]): Promise<HourlyBucket[]>;
}

interface KindRow {
  kind: string;
  succeeded: number;
  failed: number;
  cancelled: number;
}

/** 1 for each row with that status: a sum both dialects take (PostgreSQL sums no booleans). */
const countOf = (status: string): SQL => sql`sum(CASE WHEN status = ${status} THEN 1 ELSE 0 END)`;

/** `AND kind NOT IN (…)`, or nothing for no kinds (PostgreSQL refuses an empty list). */
function kindsLeftOut(kinds: readonly string[]): SQL {
  if (kinds.length === 0) return sql``;
  return sql`AND kind NOT IN (${sql.join(
    kinds.map((kind) => sql`${kind}`),
    sql`, `,
  )})`;
}

/** The start of the hour of an epoch-ms column: integer division on both dialects. */
const hourOf = (column: SQL): SQL => sql`(${column} / ${sql.raw(String(HOUR_MS))}) * ${sql.raw(String(HOUR_MS))}`;

export function createReportsRepository(db: SqlHandle): ReportsRepository {
  const port = db.sql;

  const count = async (query: SQL): Promise<number> => (await port.get<{ n: number }>(query))?.n ?? 0;

  return {
    async summary(sinceMs, untilMs, excludeKinds = []) {
      const rows = await port.all<KindRow>(sql`
        SELECT kind,
               ${countOf('succeeded')} AS succeeded,
               ${countOf('failed')} AS failed,
               ${countOf('cancelled')} AS cancelled
        FROM operations
        WHERE finished_at >= ${sinceMs} AND finished_at < ${untilMs}
          AND status IN ('succeeded', 'failed', 'cancelled') ${kindsLeftOut(excludeKinds)}
        GROUP BY kind ORDER BY kind`);
      const byKind: Record<string, KindCounts> = {};
      let succeeded = 0;
      let failed = 0;
      let cancelled = 0;
      for (const row of rows) {
        byKind[row.kind] = { succeeded: row.succeeded, failed: row.failed, cancelled: row.cancelled };
        succeeded += row.succeeded;
        failed += row.failed;
        cancelled += row.cancelled;
      }
      const membersScraped = await count(
        sql`SELECT count(*) AS n FROM chat_members WHERE first_seen_at >= ${sinceMs} AND first_seen_at < ${untilMs}`,
      );
      const floodWaits = await count(
        sql`SELECT count(*) AS n FROM flood_events WHERE at >= ${sinceMs} AND at < ${untilMs}`,
      );
      return {
        sinceMs,
        untilMs,
        operationsSucceeded: succeeded,
        operationsFailed: failed,
        operationsCancelled: cancelled,
        membersScraped,
        floodWaits,
        byKind,
      };
    },

    async hourlySeries(sinceMs, untilMs, excludeKinds = []) {
      const buckets = new Map<number, { hour: number; succeeded: number; failed: number; members: number }>();
      for (let hour = Math.floor(sinceMs / HOUR_MS) * HOUR_MS; hour < untilMs; hour += HOUR_MS) {
        buckets.set(hour, { hour, succeeded: 0, failed: 0, members: 0 });
      }
      const operations = await port.all<{ hour: number; succeeded: number; failed: number }>(sql`
        SELECT ${hourOf(sql`finished_at`)} AS hour, ${countOf('succeeded')} AS succeeded, ${countOf('failed')} AS failed
        FROM operations
        WHERE finished_at >= ${sinceMs} AND finished_at < ${untilMs} ${kindsLeftOut(excludeKinds)}
        GROUP BY hour`);
      for (const row of operations) {
        const bucket = buckets.get(row.hour);
        if (bucket) {
          bucket.succeeded = row.succeeded;
          bucket.failed = row.failed;
        }
      }
      const members = await port.all<{ hour: number; members: number }>(sql`
        SELECT ${hourOf(sql`first_seen_at`)} AS hour, count(*) AS members
        FROM chat_members
        WHERE first_seen_at >= ${sinceMs} AND first_seen_at < ${untilMs}
        GROUP BY hour`);
      for (const row of members) {
        const bucket = buckets.get(row.hour);
        if (bucket) bucket.members = row.members;
      }
      return [...buckets.values()];
    },
  };
}
