import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { createReportsRepository } from '../../../src/db/repositories/reports.js';
import type { SqlHandle } from '../../../src/db/sql/sql-port.js';
import { describeEachDialect } from '../dialects.js';

const H = 3_600_000;
const T0 = 1_700_000_000_000 - (1_700_000_000_000 % H); // an hour boundary

async function seed(db: SqlHandle) {
  const op = (kind: string, status: string, finishedAt: number | null) =>
    db.sql.run(sql`INSERT INTO operations (kind, status, params, priority, finished_at)
                   VALUES (${kind}, ${status}, ${'{}'}, ${5}, ${finishedAt})`);
  await op('scrape', 'succeeded', T0 + 10);
  await op('scrape', 'succeeded', T0 + H + 10);
  await op('scrape', 'failed', T0 + H + 20);
  await op('join', 'succeeded', T0 + 2 * H + 5);
  await op('send', 'cancelled', T0 + 30);
  await op('send', 'succeeded', T0 - 1); // before the window
  await op('scrape', 'succeeded', T0 + 3 * H); // at the (exclusive) end
  await op('scrape', 'running', null);
  await op('scrape', 'queued', null);

  const flood = (at: number) =>
    db.sql.run(sql`INSERT INTO flood_events (seconds, action, at) VALUES (${30}, ${'slept'}, ${at})`);
  await flood(T0 + 100);
  await flood(T0 + H);
  await flood(T0 - 5);

  // A supergroup's bare id past 32 bits, as Telegram gives them.
  const chatId = 19_876_543_210;
  await db.sql.run(sql`INSERT INTO chats (id, kind) VALUES (${chatId}, ${'supergroup'})`);
  const members = async (from: number, count: number, source: string, firstSeenAt: number) => {
    for (let id = from; id < from + count; id++) {
      await db.sql.run(sql`INSERT INTO users (id) VALUES (${id})`);
      await db.sql.run(sql`INSERT INTO chat_members (chat_id, user_id, source, first_seen_at, last_seen_at)
                           VALUES (${chatId}, ${id}, ${source}, ${firstSeenAt}, ${firstSeenAt})`);
    }
  };
  await members(1, 10, 'participants', T0 - 1_000); // before the window
  await members(11, 20, 'participants', T0 + 50); // 20 new
  await members(31, 5, 'messages', T0 + 2 * H + 1); // 5 new
}

describeEachDialect('ReportsRepository', (open) => {
  it('summarises operations, members and flood waits of a window', async () => {
    const db = await open();
    await seed(db);
    const summary = await createReportsRepository(db).summary(T0, T0 + 3 * H);
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

  it('leaves the kinds it is told to out of the counts and the series', async () => {
    const db = await open();
    await seed(db);
    const reports = createReportsRepository(db);
    const summary = await reports.summary(T0, T0 + 3 * H, ['send', 'join']);
    expect(summary).toMatchObject({ operationsSucceeded: 2, operationsFailed: 1, operationsCancelled: 0 });
    expect(Object.keys(summary.byKind)).toEqual(['scrape']);
    expect((await reports.hourlySeries(T0, T0 + 3 * H, ['scrape'])).map((b) => b.succeeded)).toEqual([0, 0, 1]);
  });

  it('summarises an empty window as zeros', async () => {
    const db = await open();
    expect(await createReportsRepository(db).summary(0, 1)).toMatchObject({
      operationsSucceeded: 0,
      operationsFailed: 0,
      operationsCancelled: 0,
      membersScraped: 0,
      floodWaits: 0,
      byKind: {},
    });
  });

  it('builds an hourly series with empty hours filled in', async () => {
    const db = await open();
    await seed(db);
    expect(await createReportsRepository(db).hourlySeries(T0, T0 + 4 * H)).toEqual([
      { hour: T0, succeeded: 1, failed: 0, members: 20 },
      { hour: T0 + H, succeeded: 1, failed: 1, members: 0 },
      { hour: T0 + 2 * H, succeeded: 1, failed: 0, members: 5 },
      { hour: T0 + 3 * H, succeeded: 1, failed: 0, members: 0 },
    ]);
  });

  it('starts the series at the hour of a mid-hour start and counts only from it', async () => {
    const db = await open();
    await seed(db);
    const series = await createReportsRepository(db).hourlySeries(T0 + 20, T0 + H + 15);
    expect(series).toEqual([
      { hour: T0, succeeded: 0, failed: 0, members: 20 },
      { hour: T0 + H, succeeded: 1, failed: 0, members: 0 },
    ]);
  });
});
