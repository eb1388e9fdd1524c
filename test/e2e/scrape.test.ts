import { afterEach, describe, expect, it } from 'vitest';
import type { ScrapeResult } from '../../src/engine/operations/index.js';
import type { WorldInput } from '../../src/sandbox/index.js';
import { createTelegramHarness, poolId, submitOk, worldAccounts, type TelegramHarness } from './telegram-harness.js';


const memberIds = (h: TelegramHarness, chatId: number) =>
  (h.db.sqlite.prepare('select user_id from chat_members where chat_id = ? order by user_id').all(chatId) as Array<{ user_id: number }>).map((r) => r.user_id);

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => poolId(from + i));

let h: TelegramHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('Scrape (end to end through GramJS and the sandbox)', () => {
  it('scrapes a 25,000-member chat behind a 10,000 cap completely with deep mode', async () => {
    const world: WorldInput = {
      latencyMs: 0,
      participantsCap: 10_000,
      accounts: worldAccounts(1),
      chats: [{ id: 1001, kind: 'supergroup', username: 'bigchat', title: 'Big chat', members: { from: 1, count: 25_000 } }],
    };
    h = await createTelegramHarness(world);
    const op = submitOk(h.engine, { kind: 'scrape', params: { target: '@bigchat' } });
    const done = await h.engine.waitFor(op.id);
    expect(done.error).toBeNull();
    const result = done.result as ScrapeResult;
    expect(result).toMatchObject({ found: 25_000, new: 25_000, known: 0, total: 25_000, mode: 'deep', source: 'participants' });
    expect(memberIds(h, 1001)).toEqual(range(1, 25_000));
    expect(done.progress).toEqual({ done: 25_000, total: 25_000 });
  }, 120_000);

  it('falls back to exactly the message authors when the member list is hidden', async () => {
    h = await createTelegramHarness({
      latencyMs: 0,
      accounts: worldAccounts(1),
      chats: [
        {
          id: 2001,
          kind: 'supergroup',
          username: 'hiddenchat',
          title: 'Hidden',
          members: { from: 500, count: 3000 },
          membersHidden: true,
          messages: { count: 900, days: 10, authors: { from: 600, count: 250 } },
        },
      ],
    });
    const op = submitOk(h.engine, { kind: 'scrape', params: { target: 't.me/hiddenchat', days: 30 } });
    const done = await h.engine.waitFor(op.id);
    expect(done.result).toMatchObject({ source: 'messages', mode: 'messages', found: 250 });
    expect((done.result as ScrapeResult).note).toMatch(/hidden/);
    expect(memberIds(h, 2001)).toEqual(range(600, 250));
    const sources = h.db.sqlite.prepare('select distinct source from chat_members').all();
    expect(sources).toEqual([{ source: 'messages' }]);
  });

  it('joins an invite-only chat with --join and refuses without it in plain words', async () => {
    h = await createTelegramHarness({
      latencyMs: 0,
      accounts: worldAccounts(1),
      chats: [{ id: 3001, kind: 'supergroup', invite: 'SecretClub1', title: 'Secret club', members: { from: 100, count: 150 }, joinRequired: true }],
    });
    const refused = await h.engine.waitFor(submitOk(h.engine, { kind: 'scrape', params: { target: 'https://t.me/+SecretClub1' } }).id);
    expect(refused).toMatchObject({ status: 'failed', error: { kind: 'private' } });
    expect(refused.error?.message).toMatch(/--join/);
    const joined = await h.engine.waitFor(submitOk(h.engine, { kind: 'scrape', params: { target: 't.me/+SecretClub1', join: true } }).id);
    // The joining account is a member now too.
    expect(joined.result).toMatchObject({ found: 151, title: 'Secret club' });
    expect(memberIds(h, 3001)).toEqual([...range(100, 150), 7_000_001].sort((a, b) => a - b));
    const expired = await h.engine.waitFor(submitOk(h.engine, { kind: 'scrape', params: { target: 't.me/+NoSuchHash9', join: true } }).id);
    expect(expired).toMatchObject({ status: 'failed', error: { kind: 'invite_expired' } });
  });

  it('scrapes a basic group from its full chat in one request', async () => {
    h = await createTelegramHarness({
      latencyMs: 0,
      accounts: worldAccounts(1),
      chats: [{ id: 3101, kind: 'group', invite: 'BasicGroup7', title: 'Basic group', members: { from: 200, count: 80 }, joinRequired: true }],
    });
    const done = await h.engine.waitFor(submitOk(h.engine, { kind: 'scrape', params: { target: 't.me/+BasicGroup7', join: true } }).id);
    expect(done.result).toMatchObject({ chatKind: 'group', found: 81, new: 81 });
    expect(memberIds(h, 3101)).toEqual([7_000_001, ...range(200, 80)]);
    expect(h.trace.filter((t) => t.method === 'messages.GetFullChat')).toHaveLength(1);
  });

  it('moves a scrape hit by a long flood wait to another account and finishes without loss or duplicates', async () => {
    h = await createTelegramHarness(
      {
        latencyMs: 0,
        participantsCap: 10_000,
        accounts: worldAccounts(2),
        chats: [{ id: 4001, kind: 'supergroup', username: 'floodchat', title: 'Flood', members: { from: 1, count: 3000 } }],
        faults: [{ account: '+15550000001', method: 'channels.GetParticipants', afterCalls: 5, error: 'FLOOD_WAIT_600', times: 1 }],
      },
      { engine: { random: () => 0 } },
    );
    const done = await h.engine.waitFor(submitOk(h.engine, { kind: 'scrape', params: { target: '@floodchat' } }).id);
    expect(done.error).toBeNull();
    expect(done.status).toBe('succeeded');
    expect(done.accountId).toBe(2);
    expect(done.result).toMatchObject({ found: 3000, new: 3000 });
    expect(memberIds(h, 4001)).toEqual(range(1, 3000));
    expect(h.engine.getAccount(1)?.state).toBe('cooling');
    // The second account resumed at the checkpoint: it never re-read the first pages.
    const pagesOfSecond = h.trace.filter((t) => t.account === '+15550000002' && t.method === 'channels.GetParticipants').length;
    expect(pagesOfSecond).toBeLessThan(15);
    expect(h.db.sqlite.prepare(`select action, seconds from flood_events`).all()).toEqual([{ action: 'cooled', seconds: 600 }]);
  });

  it('marks an account dead mid-scrape and finishes on another', async () => {
    h = await createTelegramHarness(
      {
        latencyMs: 0,
        accounts: worldAccounts(2),
        chats: [{ id: 5001, kind: 'supergroup', username: 'deadchat', title: 'Dead', members: { from: 1, count: 2000 } }],
        faults: [{ account: '+15550000001', method: '*', afterCalls: 6, error: 'AUTH_KEY_UNREGISTERED', times: 100 }],
      },
      { engine: { random: () => 0 } },
    );
    const states: string[] = [];
    h.engine.events.on('account:state', (a) => states.push(`${a.id}:${a.state}`));
    const done = await h.engine.waitFor(submitOk(h.engine, { kind: 'scrape', params: { target: '@deadchat' } }).id);
    expect(done).toMatchObject({ status: 'succeeded', accountId: 2, result: { found: 2000 } });
    expect(states).toContain('1:dead');
    expect(h.engine.getAccount(1)).toMatchObject({ state: 'dead', stateReason: expect.stringMatching(/AUTH_KEY_UNREGISTERED/) });
    expect(memberIds(h, 5001)).toHaveLength(2000);
  });

  it('notes that a broadcast channel shows only 200 subscribers, and honours --limit', async () => {
    h = await createTelegramHarness({
      latencyMs: 0,
      accounts: worldAccounts(1),
      chats: [
        { id: 6001, kind: 'channel', username: 'newsfeed', title: 'News', members: { from: 1, count: 5000 } },
        { id: 6002, kind: 'supergroup', username: 'limited_chat', title: 'Limited', members: { from: 1, count: 5000 } },
      ],
    });
    const news = await h.engine.waitFor(submitOk(h.engine, { kind: 'scrape', params: { target: '@newsfeed' } }).id);
    expect(news.result).toMatchObject({ found: 200, total: 5000, chatKind: 'channel' });
    expect((news.result as ScrapeResult).note).toMatch(/only 200 subscribers/);
    const limited = await h.engine.waitFor(submitOk(h.engine, { kind: 'scrape', params: { target: '@limited_chat', limit: 450 } }).id);
    expect(limited.result).toMatchObject({ found: 450 });
    expect(memberIds(h, 6002)).toHaveLength(450);
    // A second scrape finds the same members again: all already known.
    const again = await h.engine.waitFor(submitOk(h.engine, { kind: 'scrape', params: { target: '@newsfeed' } }).id);
    expect(again.result).toMatchObject({ found: 200, new: 0, known: 200 });
  });

  it('answers unknown chats and users-as-targets in plain words', async () => {
    h = await createTelegramHarness({ latencyMs: 0, accounts: worldAccounts(1), chats: [] });
    const unknown = await h.engine.waitFor(submitOk(h.engine, { kind: 'scrape', params: { target: '@nosuchchat' } }).id);
    expect(unknown).toMatchObject({ status: 'failed', error: { kind: 'not_found' } });
    expect(h.engine.submit({ kind: 'scrape', params: { target: 'hello world' } })).toMatchObject({ kind: 'refused', reason: 'invalid' });
    expect(h.engine.submit({ kind: 'scrape', params: { target: '@bigchat', limit: -5 } })).toMatchObject({ kind: 'refused' });
  });
});
