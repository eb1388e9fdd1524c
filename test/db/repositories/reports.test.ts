import { describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../../src/db/client.js';
import { createMembersRepository } from '../../../src/db/repositories/members.js';
import { createReportsRepository } from '../../../src/db/repositories/reports.js';
import { floodEvents, operations } from '../../../src/db/schema.js';
import { useMemoryDatabase } from '../helpers.js';

const openDatabase = useMemoryDatabase();
const H = 3_600_000;
const T0 = 1_700_000_000_000 - (1_700_000_000_000 % H); // an hour boundary

function seed(db: DatabaseHandle) {
  const op = (kind: string, status: string, finishedAt: number | null) =>
    db.orm.insert(operations).values({ kind, status, params: {}, priority: 5, finishedAt }).run();
  op('scrape', 'succeeded', T0 + 10);
  op('scrape', 'succeeded', T0 + H + 10);
  op('scrape', 'failed', T0 + H + 20);
  op('join', 'succeeded', T0 + 2 * H + 5);
  op('send', 'cancelled', T0 + 30);
  op('send', 'succeeded', T0 - 1); // before the window
  op('scrape', 'succeeded', T0 + 3 * H); // at the (exclusive) end
  op('scrape', 'running', null);
  op('scrape', 'queued', null);

  const flood = (at: number) => db.orm.insert(floodEvents).values({ seconds: 30, action: 'slept', at }).run();
  flood(T0 + 100);
  flood(T0 + H);
  flood(T0 - 5);

  const members = createMembersRepository(db);
  members.upsertChat({ id: 1001, kind: 'supergroup' });
  const users = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ id: from + i }));
  members.storeMembers(1001, users(1, 10), { source: 'participants', now: T0 - 1_000 }); // before the window
  members.storeMembers(1001, users(1, 30), { source: 'participants', now: T0 + 50 }); // 20 new
  members.storeMembers(1001, users(31, 5), { source: 'messages', now: T0 + 2 * H + 1 }); // 5 new
}

describe('ReportsRepository', () => {
  it('summarises operations, members and flood waits of a window', () => {
    const db = openDatabase();
    seed(db);
    const summary = createReportsRepository(db).summary(T0, T0 + 3 * H);
    expect(summary).toEqual({
      sinceMs: T0,
      untilMs: T0 + 3 * H,
      operationsSucceeded: 3,
      operationsFailed: 1,
      operationsCancelled: 1,
      membersScraped: 25,
      floodWaits: 2,
      byKind: {
        join: { succeeded: 1, failed: 0, cancelled: 0 },
        scrape: { succeeded: 2, failed: 1, cancelled: 0 },
        send: { succeeded: 0, failed: 0, cancelled: 1 },
      },
    });
  });

  it('leaves the kinds it is told to out of the counts and the series', () => {
    const db = openDatabase();
    seed(db);
    const reports = createReportsRepository(db);
    const summary = reports.summary(T0, T0 + 3 * H, ['send', 'join']);
    expect(summary).toMatchObject({ operationsSucceeded: 2, operationsFailed: 1, operationsCancelled: 0 });
    expect(Object.keys(summary.byKind)).toEqual(['scrape']);
    expect(reports.hourlySeries(T0, T0 + 3 * H, ['scrape']).map((b) => b.succeeded)).toEqual([0, 0, 1]);
  });

  it('summarises an empty window as zeros', () => {
    const db = openDatabase();
    expect(createReportsRepository(db).summary(0, 1)).toMatchObject({
      operationsSucceeded: 0,
      operationsFailed: 0,
      operationsCancelled: 0,
      membersScraped: 0,
      floodWaits: 0,
      byKind: {},
    });
  });

  it('builds an hourly series with empty hours filled in', () => {
    const db = openDatabase();
    seed(db);
    expect(createReportsRepository(db).hourlySeries(T0, T0 + 4 * H)).toEqual([
      { hour: T0, succeeded: 1, failed: 0, members: 20 },
      { hour: T0 + H, succeeded: 1, failed: 1, members: 0 },
      { hour: T0 + 2 * H, succeeded: 1, failed: 0, members: 5 },
      { hour: T0 + 3 * H, succeeded: 1, failed: 0, members: 0 },
    ]);
  });

  it('starts the series at the hour of a mid-hour start and counts only from it', () => {
    const db = openDatabase();
    seed(db);
    const series = createReportsRepository(db).hourlySeries(T0 + 20, T0 + H + 15);
    expect(series).toEqual([
      { hour: T0, succeeded: 0, failed: 0, members: 20 },
      { hour: T0 + H, succeeded: 1, failed: 0, members: 0 },
    ]);
  });
});
