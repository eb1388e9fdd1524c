import { afterEach, describe, expect, it } from 'vitest';
import type { ScrapeResult } from '../../src/engine/operations/index.js';
import type { MonitorHit } from '../../src/engine/types.js';
import { createWorld, parseWorld, type WorldInput } from '../../src/sandbox/index.js';
import { until } from '../until.js';
import { createTelegramHarness, poolId, submitOk, worldAccounts, type TelegramHarness } from './telegram-harness.js';
import { overlappingRequests, peakScrapingAccounts } from './trace-checks.js';

/**
 * The accounts thread, as `npm start` runs it: GramJS clients and runners in a thread of their own, the engine
 * here deciding everything. Each scenario is one the engine rules (R1–R10) must survive across that seam.
 */

let h: TelegramHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const memberCount = (harness: TelegramHarness, chatId: number) =>
  (harness.db.sqlite.prepare('select count(*) as n from chat_members where chat_id = ?').get(chatId) as { n: number }).n;

describe('The accounts thread (end to end)', () => {
  it('does run a bulk with one request per account at a time and the scrape limit, storing every member once', async () => {
    const chats = Array.from({ length: 8 }, (_, i) => ({
      id: 8100 + i,
      kind: 'supergroup' as const,
      username: `threadchat${i}`,
      title: `Thread ${i}`,
      members: { from: 1 + i * 200, count: 500 },
    }));
    h = await createTelegramHarness({ latencyMs: 2, accounts: worldAccounts(6), chats }, { threaded: true, engine: { scrapeConcurrency: 3 } });
    const progress: number[] = [];
    h.engine.events.on('operation:progress', (op) => progress.push(op.progress.done));
    const results = h.engine.submitMany(chats.map((c) => ({ kind: 'scrape', params: { target: `@${c.username}` } })));
    const done = await Promise.all(results.map((r) => (r.kind === 'queued' ? h!.engine.waitFor(r.operation.id) : Promise.reject(new Error(r.message)))));
    expect(done.map((op) => op.error?.message ?? op.status)).toEqual(Array(8).fill('succeeded'));
    expect(done.map((op) => (op.result as ScrapeResult).found)).toEqual(Array(8).fill(500));
    expect(progress.length).toBeGreaterThan(8);
    expect(overlappingRequests(h.trace)).toEqual([]);
    expect(peakScrapingAccounts(h.trace)).toBeGreaterThan(1);
    expect(peakScrapingAccounts(h.trace)).toBeLessThanOrEqual(3);
    expect(h.db.sqlite.prepare('select count(*) as n from users where id >= ?').get(poolId(1))).toEqual({ n: 7 * 200 + 500 });
    expect(h.engine.metrics()).toMatchObject({ activeScrapes: 0, queued: 0 });
  });

  it('does move a scrape hit by a long flood wait to another account, resuming from the checkpoint the thread wrote', async () => {
    h = await createTelegramHarness(
      {
        latencyMs: 0,
        accounts: worldAccounts(2),
        chats: [{ id: 4101, kind: 'supergroup', username: 'threadflood', title: 'Flood', members: { from: 1, count: 3000 } }],
        faults: [{ account: '+15550000001', method: 'channels.GetParticipants', afterCalls: 5, error: 'FLOOD_WAIT_600', times: 1 }],
      },
      { threaded: true, engine: { random: () => 0 } },
    );
    const done = await h.engine.waitFor(submitOk(h.engine, { kind: 'scrape', params: { target: '@threadflood' } }).id);
    expect(done).toMatchObject({ status: 'succeeded', accountId: 2, result: { found: 3000, new: 3000 } });
    expect(h.engine.getAccount(1)?.state).toBe('cooling');
    expect(memberCount(h, 4101)).toBe(3000);
    const pagesOfSecond = h.trace.filter((t) => t.account === '+15550000002' && t.method === 'channels.GetParticipants').length;
    expect(pagesOfSecond).toBeLessThan(15);
    // The checkpoint the thread wrote is the one in the row: the scrape's last page.
    const row = h.db.sqlite.prepare('select checkpoint from operations where id = ?').get(done.id) as { checkpoint: string };
    expect(JSON.parse(row.checkpoint)).toMatchObject({ inserted: 3000 });
  });

  it('does mark an account dead when its session stops working, and finish the work on another', async () => {
    h = await createTelegramHarness(
      {
        latencyMs: 0,
        accounts: worldAccounts(2),
        chats: [{ id: 5101, kind: 'supergroup', username: 'threaddead', title: 'Dead', members: { from: 1, count: 2000 } }],
        faults: [{ account: '+15550000001', method: '*', afterCalls: 6, error: 'AUTH_KEY_UNREGISTERED', times: 100 }],
      },
      { threaded: true, engine: { random: () => 0 } },
    );
    const done = await h.engine.waitFor(submitOk(h.engine, { kind: 'scrape', params: { target: '@threaddead' } }).id);
    expect(done).toMatchObject({ status: 'succeeded', accountId: 2, result: { found: 2000 } });
    expect(h.engine.getAccount(1)).toMatchObject({ state: 'dead', stateReason: expect.stringMatching(/AUTH_KEY_UNREGISTERED/) });
  });

  it('does cancel a running scrape across the thread and free the account at once', async () => {
    h = await createTelegramHarness(
      { latencyMs: 5, accounts: worldAccounts(1), chats: [{ id: 5201, kind: 'supergroup', username: 'threadslow', title: 'Slow', members: { from: 1, count: 9000 } }] },
      { threaded: true },
    );
    const engine = h.engine;
    const op = submitOk(engine, { kind: 'scrape', params: { target: '@threadslow' } });
    await until(() => (engine.getOperation(op.id)?.progress.done ?? 0) >= 400, 'two pages of the scrape');
    expect(engine.cancel(op.id)).toMatchObject({ kind: 'cancelling' });
    const done = await engine.waitFor(op.id);
    expect(done.status).toBe('cancelled');
    await until(() => engine.getAccount(1)?.state === 'idle', 'the account to be idle');
    // The account works again right away: R1's lock was released with the cancel.
    const next = await engine.waitFor(submitOk(engine, { kind: 'join', params: { target: '@threadslow' } }).id);
    expect(next.status).toBe('succeeded');
  });

  it('does keep a monitor watching in the thread, report its hits here, and stop it', async () => {
    const input: WorldInput = {
      latencyMs: 0,
      accounts: worldAccounts(1),
      chats: [{ id: 7101, kind: 'supergroup', username: 'threadbikes', title: 'Bikes', members: { from: 1, count: 50 } }],
      timeline: [
        { atSeconds: 0, chat: 7101, from: 42, text: 'anyone selling a used BIKE?' },
        { atSeconds: 0.01, chat: 7101, from: 43, text: 'bike for sale' },
      ],
    };
    const world = createWorld(parseWorld(input), { startTimeline: false });
    h = await createTelegramHarness(input, { world, threaded: true });
    const engine = h.engine;
    const hits: MonitorHit[] = [];
    engine.events.on('monitor:hit', (hit) => hits.push(hit));
    const started = await engine.waitFor(submitOk(engine, { kind: 'monitor', params: { target: '@threadbikes', keywords: ['bike'] } }).id);
    expect(started.status).toBe('succeeded');
    expect(engine.getAccount(1)?.state).toBe('monitoring');
    expect(engine.metrics().active.monitoring).toBe(1);
    world.startTimeline();
    await until(() => hits.length >= 2, 'both hits');
    expect(hits.map((hit) => hit.senderId)).toEqual([poolId(42), poolId(43)]);
    expect(hits[0]).toMatchObject({ chatId: 7101, keyword: 'bike', accountId: 1 });
    const monitorId = (started.result as { monitorId: number }).monitorId;
    expect(await h.operations.stopMonitor(monitorId)).toBe(true);
    await until(() => engine.getAccount(1)?.state === 'idle', 'the watch to end in the thread');
    expect(engine.metrics().active.monitoring).toBe(0);
    await world.stop();
  });

  it('does record a health check the thread ran', async () => {
    h = await createTelegramHarness({ latencyMs: 0, accounts: worldAccounts(1), chats: [] }, { threaded: true });
    const done = await h.engine.waitFor(submitOk(h.engine, { kind: 'health', accountId: 1 }).id);
    expect(done).toMatchObject({ status: 'succeeded', result: { userId: 7_000_001, firstName: 'Ops1' } });
    expect(h.engine.getAccount(1)).toMatchObject({ telegramUserId: 7_000_001, firstName: 'Ops1' });
    const row = h.db.sqlite.prepare('select last_health_at from accounts where id = 1').get() as { last_health_at: number | null };
    expect(row.last_health_at).not.toBeNull();
  });
});
