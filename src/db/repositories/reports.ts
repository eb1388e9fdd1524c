import type { DatabaseHandle } from '../client.js';

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
  summary(sinceMs: number, untilMs: number, excludeKinds?: readonly string[]): ReportSummary;
  /** One bucket per hour from the hour of `sinceMs` to before `untilMs`, empty hours included. */
  hourlySeries(sinceMs: number, untilMs: number, excludeKinds?: readonly string[]): HourlyBucket[];
}

interface KindRow {
  kind: string;
  succeeded: number;
  failed: number;
  cancelled: number;
}

export function createReportsRepository(db: DatabaseHandle): ReportsRepository {
  const { sqlite } = db;
  const byKindStmt = sqlite.prepare<[number, number, string], KindRow>(`
    SELECT kind,
           sum(status = 'succeeded') AS succeeded,
           sum(status = 'failed') AS failed,
           sum(status = 'cancelled') AS cancelled
    FROM operations
    WHERE finished_at >= ? AND finished_at < ? AND status IN ('succeeded', 'failed', 'cancelled')
      AND kind NOT IN (SELECT value FROM json_each(?))
    GROUP BY kind ORDER BY kind`);
  const membersStmt = sqlite
    .prepare<[number, number], number>(
      'SELECT count(*) FROM chat_members WHERE first_seen_at >= ? AND first_seen_at < ?',
    )
    .pluck();
  const floodStmt = sqlite
    .prepare<[number, number], number>('SELECT count(*) FROM flood_events WHERE at >= ? AND at < ?')
    .pluck();
  const opsHourly = sqlite.prepare<[number, number, string], { hour: number; succeeded: number; failed: number }>(`
    SELECT (finished_at / ${HOUR_MS}) * ${HOUR_MS} AS hour,
           sum(status = 'succeeded') AS succeeded,
           sum(status = 'failed') AS failed
    FROM operations
    WHERE finished_at >= ? AND finished_at < ? AND kind NOT IN (SELECT value FROM json_each(?))
    GROUP BY hour`);
  const membersHourly = sqlite.prepare<[number, number], { hour: number; members: number }>(`
    SELECT (first_seen_at / ${HOUR_MS}) * ${HOUR_MS} AS hour, count(*) AS members
    FROM chat_members
    WHERE first_seen_at >= ? AND first_seen_at < ?
    GROUP BY hour`);

  return {
    summary(sinceMs, untilMs, excludeKinds = []) {
      const byKind: Record<string, KindCounts> = {};
      let succeeded = 0;
      let failed = 0;
      let cancelled = 0;
      for (const row of byKindStmt.all(sinceMs, untilMs, JSON.stringify(excludeKinds))) {
        byKind[row.kind] = { succeeded: row.succeeded, failed: row.failed, cancelled: row.cancelled };
        succeeded += row.succeeded;
        failed += row.failed;
        cancelled += row.cancelled;
      }
      return {
        sinceMs,
        untilMs,
        operationsSucceeded: succeeded,
        operationsFailed: failed,
        operationsCancelled: cancelled,
        membersScraped: membersStmt.get(sinceMs, untilMs) ?? 0,
        floodWaits: floodStmt.get(sinceMs, untilMs) ?? 0,
        byKind,
      };
    },

    hourlySeries(sinceMs, untilMs, excludeKinds = []) {
      const buckets = new Map<number, { hour: number; succeeded: number; failed: number; members: number }>();
      for (let hour = Math.floor(sinceMs / HOUR_MS) * HOUR_MS; hour < untilMs; hour += HOUR_MS) {
        buckets.set(hour, { hour, succeeded: 0, failed: 0, members: 0 });
      }
      for (const row of opsHourly.all(sinceMs, untilMs, JSON.stringify(excludeKinds))) {
        const bucket = buckets.get(row.hour);
        if (bucket) {
          bucket.succeeded = row.succeeded;
          bucket.failed = row.failed;
        }
      }
      for (const row of membersHourly.all(sinceMs, untilMs)) {
        const bucket = buckets.get(row.hour);
        if (bucket) bucket.members = row.members;
      }
      return [...buckets.values()];
    },
  };
}
