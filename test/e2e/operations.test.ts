import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { MonitorHit } from '../../src/engine/index.js';
import type { ScrapeResult } from '../../src/engine/operations/index.js';
import { createWorld, parseWorld, type TraceEntry, type WorldInput } from '../../src/sandbox/index.js';
import { until } from '../until.js';
import { createTelegramHarness, poolId, submitOk, worldAccounts, type TelegramHarness } from './telegram-harness.js';
import { overlappingRequests, peakScrapingAccounts } from './trace-checks.js';


let h: TelegramHarness | undefined;
let dir: string | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('Telegram operations (end to end)', () => {
  it('runs a bulk of 12 chats on 8 accounts with at most 5 accounts scraping and one request per account at a time', async () => {
    const chats = Array.from({ length: 12 }, (_, i) => ({
      id: 8000 + i,
      kind: 'supergroup' as const,
      username: `bulkchat${i}`,
      title: `Bulk ${i}`,
      members: { from: 1 + i * 300, count: 700 },
    }));
    h = await createTelegramHarness({ latencyMs: 3, accounts: worldAccounts(8), chats });
    const results = h.engine.submitMany(chats.map((c) => ({ kind: 'scrape', params: { target: `@${c.username}` } })));
    const done = await Promise.all(results.map((r) => (r.kind === 'queued' ? h!.engine.waitFor(r.operation.id) : Promise.reject(new Error(r.message)))));
    expect(done.every((op) => op.status === 'succeeded')).toBe(true);
    expect(done.map((op) => (op.result as ScrapeResult).found)).toEqual(Array(12).fill(700));
    expect(overlappingRequests(h.trace)).toEqual([]);
    const peak = peakScrapingAccounts(h.trace);
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(5);
    // Overlapping member ranges are stored once each.
    expect(h.db.sqlite.prepare('select count(*) as n from users where id >= ?').get(poolId(1))).toEqual({ n: 11 * 300 + 700 });
  });

  it('resumes a scrape after a restart mid-run, from its checkpoint', async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-e2e-'));
    const path = join(dir, 'restart.db');
    const input: WorldInput = {
      latencyMs: 2,
      accounts: worldAccounts(1),
      chats: [{ id: 9001, kind: 'supergroup', username: 'resumechat', title: 'Resume', members: { from: 1, count: 6000 } }],
    };
    const world = createWorld(parseWorld(input));
    const trace: TraceEntry[] = [];
    const first = await createTelegramHarness(input, { path, world, trace });
    const op = submitOk(first.engine, { kind: 'scrape', params: { target: '@resumechat' } });
    await until(() => (first.engine.getOperation(op.id)?.progress.done ?? 0) >= 1000, 'a fifth of the members');
    await first.stop();
    const pagesBefore = trace.filter((t) => t.method === 'channels.GetParticipants').length;

    h = await createTelegramHarness(input, { path, world, trace });
    const done = await h.engine.waitFor(op.id);
    expect(done).toMatchObject({ status: 'succeeded', result: { found: 6000, new: 6000 } });
    const pagesAfter = trace.filter((t) => t.method === 'channels.GetParticipants').length - pagesBefore;
    // 6000 members are 30 pages (plus one empty): the resumed run read only what was left.
    expect(pagesBefore + pagesAfter).toBeLessThanOrEqual(32);
    expect(h.db.sqlite.prepare('select count(*) as n from chat_members where chat_id = 9001').get()).toEqual({ n: 6000 });
    await world.stop();
  });

  it('fires a monitor on a keyword and stores the hit once', async () => {
    const input: WorldInput = {
      latencyMs: 0,
      accounts: worldAccounts(2),
      chats: [{ id: 7001, kind: 'supergroup', username: 'bikemarket', title: 'Bike market', members: { from: 1, count: 50 } }],
      timeline: [
        { atSeconds: 0, chat: 7001, from: 42, text: 'anyone selling a used BIKE?' },
        { atSeconds: 0.01, chat: 7001, from: 43, text: 'just chatting about motorbikes' },
        // A later hit in the same ordered stream: once it is in, the message before it was seen and did not match.
        { atSeconds: 0.02, chat: 7001, from: 44, text: 'selling my old helmet' },
      ],
    };
    // The timeline starts once the monitor listens: a message posted before that is not delivered to it.
    const world = createWorld(parseWorld(input), { startTimeline: false });
    h = await createTelegramHarness(input, { world });
    const hits: MonitorHit[] = [];
    h.engine.events.on('monitor:hit', (hit) => hits.push(hit));
    const started = await h.engine.waitFor(submitOk(h.engine, { kind: 'monitor', params: { target: '@bikemarket', keywords: ['bike', '/sell(ing)?/'] } }).id);
    expect(started.status).toBe('succeeded');
    const monitorAccount = started.accountId!;
    expect(h.engine.getAccount(monitorAccount)?.state).toBe('monitoring');
    // R1 monitoring: scrapes go to the other account.
    const scrape = await h.engine.waitFor(submitOk(h.engine, { kind: 'scrape', params: { target: '@bikemarket' } }).id);
    expect(scrape.accountId).not.toBe(monitorAccount);
    world.startTimeline();
    await until(() => hits.length >= 2, 'the hit of the last timeline message');
    expect(hits.map((hit) => hit.senderId)).toEqual([poolId(42), poolId(44)]);
    expect(hits[0]).toMatchObject({ chatId: 7001, chatTitle: 'Bike market', senderId: poolId(42), keyword: 'bike', text: 'anyone selling a used BIKE?' });
    expect(hits[1]).toMatchObject({ keyword: '/sell(ing)?/' });
    expect(h.db.sqlite.prepare('select count(*) as n from monitor_hits').get()).toEqual({ n: 2 });
    const monitorId = (started.result as { monitorId: number }).monitorId;
    expect(await h.operations.stopMonitor(monitorId)).toBe(true);
    const engine = h.engine;
    await until(() => engine.getAccount(monitorAccount)?.state === 'idle', 'the monitoring account to be idle again');
    await world.stop();
  });

  it('re-arms an active monitor after a restart', async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-e2e-'));
    const path = join(dir, 'monitor.db');
    const input: WorldInput = {
      latencyMs: 0,
      accounts: worldAccounts(1),
      chats: [{ id: 7301, kind: 'supergroup', username: 'rearmchat', title: 'Re-arm', members: { from: 1, count: 20 } }],
    };
    const world = createWorld(parseWorld(input));
    const first = await createTelegramHarness(input, { path, world });
    const started = await first.engine.waitFor(submitOk(first.engine, { kind: 'monitor', params: { target: '@rearmchat', keywords: ['ticket'] } }).id);
    const monitorId = (started.result as { monitorId: number }).monitorId;
    await first.stop();

    h = await createTelegramHarness(input, { path, world });
    const hits: MonitorHit[] = [];
    h.engine.events.on('monitor:hit', (hit) => hits.push(hit));
    const engine = h.engine;
    await until(() => engine.getAccount(1)?.state === 'monitoring', 'the monitor to be re-armed');
    const chat = world.chat(7301)!;
    world.postChatMessage(chat, { kind: 'pool', n: 5 }, 'two tickets for tonight, anyone?');
    world.postChatMessage(chat, { kind: 'pool', n: 6 }, 'a single ticket left');
    await until(() => hits.length > 0, 'a hit');
    expect(hits[0]).toMatchObject({ monitorId, chatId: 7301, keyword: 'ticket', text: 'a single ticket left' });
    expect(await h.operations.stopMonitor(monitorId)).toBe(true);
    await world.stop();
  });

  it('takes an account out of rotation when its health check finds the session revoked', async () => {
    h = await createTelegramHarness({
      latencyMs: 0,
      accounts: worldAccounts(2),
      chats: [],
      faults: [{ account: '+15550000002', method: 'users.GetUsers', afterCalls: 0, error: 'SESSION_REVOKED', times: 100 }],
    });
    const ok = await h.engine.waitFor(submitOk(h.engine, { kind: 'health', accountId: 1 }).id);
    expect(ok).toMatchObject({ status: 'succeeded', result: { userId: 7_000_001 } });
    expect(h.engine.getAccount(1)?.telegramUserId).toBe(7_000_001);
    expect(h.db.sqlite.prepare('select last_health_at from accounts where id = 1').get()).toEqual({ last_health_at: expect.any(Number) });
    const revoked = await h.engine.waitFor(submitOk(h.engine, { kind: 'health', accountId: 2 }).id);
    expect(revoked).toMatchObject({ status: 'failed', error: { kind: 'dead' } });
    expect(h.engine.getAccount(2)).toMatchObject({ state: 'dead', stateReason: expect.stringMatching(/SESSION_REVOKED/) });
    expect(h.engine.submit({ kind: 'join', params: { target: '@anything' }, accountId: 2 })).toMatchObject({ kind: 'refused', reason: 'dead' });
  });

  it('marks an account limited on PEER_FLOOD while sending', async () => {
    h = await createTelegramHarness({
      latencyMs: 0,
      accounts: worldAccounts(1),
      chats: [{ id: 7101, kind: 'supergroup', username: 'sendchat', title: 'Send', members: { from: 1, count: 10 } }],
      faults: [{ account: '+15550000001', method: 'messages.SendMessage', afterCalls: 1, error: 'PEER_FLOOD', times: 1 }],
    });
    await h.engine.waitFor(submitOk(h.engine, { kind: 'join', params: { target: '@sendchat' } }).id);
    const first = await h.engine.waitFor(submitOk(h.engine, { kind: 'send', params: { target: '@user1', text: 'hello' } }).id);
    expect(first.status).toBe('succeeded');
    const second = await h.engine.waitFor(submitOk(h.engine, { kind: 'send', params: { target: '@user2', text: 'hello again' } }).id);
    expect(second).toMatchObject({ status: 'failed' });
    expect(h.engine.getAccount(1)).toMatchObject({ state: 'limited' });
    expect(h.world.sentMessages()).toHaveLength(1);
  });

  it('joins public chats and invites, and answers each refusal in its own words', async () => {
    h = await createTelegramHarness({
      latencyMs: 0,
      accounts: worldAccounts(1),
      chats: [
        { id: 7201, kind: 'supergroup', username: 'publicchat', title: 'Public', members: { from: 1, count: 10 } },
        { id: 7202, kind: 'supergroup', invite: 'OldInvite99', inviteExpired: true, title: 'Old', members: { from: 1, count: 10 } },
      ],
    });
    const joined = await h.engine.waitFor(submitOk(h.engine, { kind: 'join', params: { target: 'https://t.me/publicchat' } }).id);
    expect(joined.result).toMatchObject({ chatId: 7201, alreadyMember: false });
    const again = await h.engine.waitFor(submitOk(h.engine, { kind: 'join', params: { target: '@publicchat' } }).id);
    expect(again).toMatchObject({ status: 'succeeded', result: { alreadyMember: true } });
    const expired = await h.engine.waitFor(submitOk(h.engine, { kind: 'join', params: { target: 't.me/+OldInvite99' } }).id);
    expect(expired.error).toEqual({ kind: 'invite_expired', message: 'The invite link has expired or was revoked.' });
  });

  it('logs in with a code, and with a code and a 2FA password, storing the session encrypted', async () => {
    h = await createTelegramHarness({
      latencyMs: 0,
      accounts: [
        ...worldAccounts(1),
        { phone: '+15550000008', userId: 7_000_008, firstName: 'Plain', code: '54321', authorized: false },
        { phone: '+15550000009', userId: 7_000_009, firstName: 'Guarded', code: '12345', password: 'hunter2-sandbox', authorized: false },
      ],
      chats: [],
    });
    const plain = await h.login.start('+1 555 000 0008');
    expect(plain.kind).toBe('code_sent');
    if (plain.kind !== 'code_sent') return;
    expect(await h.login.code(plain.loginId, '11111')).toMatchObject({ kind: 'failed', retry: true, message: 'The login code is wrong.' });
    const done = await h.login.code(plain.loginId, '54321');
    expect(done).toMatchObject({ kind: 'done', account: { phone: '+15550000008' } });

    const guarded = await h.login.start('+15550000009');
    if (guarded.kind !== 'code_sent') throw new Error(JSON.stringify(guarded));
    const needs = await h.login.code(guarded.loginId, '12345');
    expect(needs).toMatchObject({ kind: 'password_needed' });
    expect(await h.login.password(guarded.loginId, 'wrong')).toMatchObject({ kind: 'failed', retry: true });
    const ok = await h.login.password(guarded.loginId, 'hunter2-sandbox');
    expect(ok).toMatchObject({ kind: 'done', account: { phone: '+15550000009' } });

    // Sessions are stored encrypted, and the new accounts work.
    const rows = h.db.sqlite.prepare('select phone, session_enc from accounts where phone in (?, ?)').all('+15550000008', '+15550000009') as Array<{ session_enc: string }>;
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row.session_enc).toMatch(/^v1:/);
    const account = h.engine.listAccounts().find((a) => a.phone === '+15550000009')!;
    const health = await h.engine.waitFor(submitOk(h.engine, { kind: 'health', accountId: account.id }).id);
    expect(health).toMatchObject({ status: 'succeeded', result: { userId: 7_000_009 } });
  });
});
