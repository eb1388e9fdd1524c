import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { callbackData } from '../../src/bot/callback-data.js';
import { createPanelApp, type PanelApp } from '../../src/panel-app.js';
import type { BotApiServer, BotChatMessage } from '../../src/sandbox/bot-api/index.js';
import type { WorldInput } from '../../src/sandbox/index.js';
import { silentLogger } from '../engine/harness.js';
import { guardConformance } from '../sandbox/bot-api/conformance-guard.js';
import { until } from '../until.js';
import { Fleet } from './fleet-harness.js';
import { worldAccounts } from './telegram-harness.js';

const ADMIN = { id: 1, first_name: 'Admin' };
const PASSWORD = 'hunter2-fleet-proxy';
const PROXY = `socks5://bob:${PASSWORD}@127.0.0.1:1080`;
const ACCOUNTS = worldAccounts(4);
const WORLD: WorldInput = {
  latencyMs: 10,
  participantsCap: 10_000,
  // @SpamBot limits the second account, with no end date; the others are free.
  accounts: ACCOUNTS.map((a, i) => (i === 1 ? { ...a, spamBot: 'limited' } : { ...a, spamBot: 'free' })),
  chats: [{ id: 3001, kind: 'supergroup', username: 'fleetbig', title: 'Fleet big', members: { from: 500_000, count: 9000 } }],
  proxies: [{ url: PROXY, works: true, latencyMs: 5 }],
};
/** Long enough for worker processes to start and connect; every wait ends as soon as its condition holds. */
const SLOW = { intervalMs: 50, tries: Number(process.env.FLEET_TRIES ?? 2400) };

let fleet: Fleet | undefined;
let panel: PanelApp | undefined;
afterEach(async () => {
  await panel?.stop();
  panel = undefined;
  await fleet?.stop();
  fleet = undefined;
});

function chatOf(app: PanelApp): BotApiServer {
  if (!app.botApi) throw new Error('no embedded Bot API server');
  return app.botApi;
}

/** Sends `text` and resolves with the first bot message (sent or edited) from then on that matches. */
function ask(chat: BotApiServer, text: string, match: (m: BotChatMessage) => boolean): Promise<BotChatMessage> {
  const reply = chat.waitFor((m) => m.sender === 'bot' && match(m), 60_000);
  chat.userSends(ADMIN, text);
  return reply;
}

describe('Account checks and changes from a panel, carried out by the workers', () => {
  it('does /check, /proxy set, /proxy check and remove accounts that workers hold', { timeout: 240_000 }, async () => {
    fleet = new Fleet({ world: WORLD, scrapeConcurrency: 2, leaseSeconds: 3 });
    await fleet.start();
    const f = fleet;
    const config = loadConfig({ ROLE: 'panel', DATABASE_URL: f.url, SANDBOX_CONNECT: f.address, SCRAPE_CONCURRENCY: '2', LEASE_SECONDS: '3' });
    panel = await createPanelApp({ config, logger: silentLogger(), botOptions: { progressIntervalMs: 100 } });
    guardConformance(panel.botApi);
    await panel.start();
    const chat = chatOf(panel);
    const workers = [f.spawnWorker('worker-a'), f.spawnWorker('worker-b')];
    const app = panel;
    await until(async () => {
      const holders = await f.holders();
      // Their fair shares: no hand-off is under way any more.
      return holders.get('worker-a') === ACCOUNTS.length / 2 && holders.get('worker-b') === ACCOUNTS.length / 2;
    }, 'both workers to hold their shares of the accounts', SLOW);
    await until(async () => (await app.engine.listAccounts()).every((a) => a.state === 'idle'), 'every account to connect', SLOW);
    const rows = await f.db.sql.all<{ id: number; phone: string }>(sql`select id, phone from accounts order by id`);
    const idOf = (i: number) => Number(rows.find((r) => r.phone === ACCOUNTS[i]?.phone)?.id);
    const holderOf = async (id: number) =>
      (await f.db.sql.get<{ name: string }>(sql`select w.name from account_leases l join workers w on w.id = l.worker_id where l.account_id = ${id} and l.expires_at > ${Date.now()}`))?.name;

    // /check on the panel: the worker holding the account asks @SpamBot, and its verdict reaches the shared row.
    const limited = idOf(1);
    const checked = await ask(chat, `/check ${limited}`, (m) => (m.text ?? '').includes(`#${limited}`) && (m.text ?? '').includes('alive'));
    expect(checked.text).toContain(': alive, limited with no end date');
    // The verdict, then the account leaving rotation for it: written behind, in that order.
    await until(async () => (await f.db.sql.get<{ h: string }>(sql`select health as h from accounts where id = ${limited}`))?.h === 'limited', 'the verdict in the row', SLOW);
    expect(await f.db.sql.get(sql`select spam_verdict, telegram_user_id from accounts where id = ${limited}`)).toEqual({ spam_verdict: 'limited', telegram_user_id: ACCOUNTS[1]?.userId });
    expect(await f.db.sql.get(sql`select status, assigned_account_id from operations where kind = 'check'`)).toEqual({ status: 'succeeded', assigned_account_id: limited });
    // The admins are told, as in one process: the verdict crossed the bus from the worker that found it.
    const alerts = () => chat.history(ADMIN.id).filter((m) => m.sender === 'bot' && (m.text ?? '').startsWith('🔎'));
    await until(() => alerts().length > 0, 'the verdict alert', SLOW);
    expect(alerts().map((m) => m.text)).toEqual([expect.stringMatching(new RegExp(`^🔎 Account #${limited} .*: @SpamBot says: limited with no end date\\. It has left rotation until a check finds it free\\.$`))]);
    const all = await ask(chat, '/check all', (m) => (m.text ?? '').split('\n').length === ACCOUNTS.length);
    expect((all.text ?? '').split('\n').filter((line) => line.endsWith(': alive, free'))).toHaveLength(ACCOUNTS.length - 1);

    // /proxy set on a held account: the holder reconnects it through the proxy, which the simulated Telegram sees.
    const proxied = idOf(0);
    const phone = ACCOUNTS[0]?.phone;
    const since = Date.now();
    const set = await ask(chat, `/proxy set ${proxied} ${PROXY}`, (m) => (m.text ?? '').startsWith(`✅ Account #${proxied}`));
    expect(set.text).toMatch(/now uses socks5:\/\/bob:•+@127\.0\.0\.1:1080; it is idle\.$/);
    const inits = () => f.trace().filter((t) => t.method === 'InitConnection' && t.account === phone && t.t0 >= since && 'ok' in t);
    await until(() => inits().length > 0, 'the account to connect through the proxy', SLOW);
    expect(inits().at(-1)?.proxy).toBe('socks5://127.0.0.1:1080');
    await until(async () => (await f.db.sql.get<{ h: string | null }>(sql`select proxy_host as h from accounts where id = ${proxied}`))?.h === '127.0.0.1:1080', 'the holder to store the proxy', SLOW);
    const proxyCheck = await ask(chat, `/proxy check ${proxied}`, (m) => (m.text ?? '').includes('127.0.0.1:1080 (socks5)'));
    expect(proxyCheck.text).toMatch(/127\.0\.0\.1:1080 \(socks5\): answers, round trip \d+ ms/);
    const cleared = await ask(chat, `/proxy clear ${proxied}`, (m) => (m.text ?? '').startsWith(`✅ Account #${proxied}`) && (m.text ?? '').includes('no longer'));
    expect(cleared.text).toMatch(/no longer uses a proxy; it is idle\.$/);
    await until(() => inits().at(-1)?.proxy === null, 'the account to connect without the proxy', SLOW);
    // The password left the chat (the bot deleted the message) and never reached the bus or a log of the workers.
    expect(chat.history(ADMIN.id).some((m) => (m.text ?? '').includes(PASSWORD))).toBe(false);
    for (const w of workers) expect(w.output()).not.toContain(PASSWORD);

    // Remove an account a worker holds while a scrape pinned to it runs and another waits behind it.
    const removed = idOf(3);
    const holder = await holderOf(removed);
    const running = await f.submitter.submit({ kind: 'scrape', params: { target: '@fleetbig' }, accountId: removed });
    const behind = await f.submitter.submit({ kind: 'scrape', params: { target: '@fleetbig' }, accountId: removed });
    if (running.kind !== 'queued' || behind.kind !== 'queued') throw new Error('not queued');
    await until(async () => Number((await f.db.sql.get<{ n: number }>(sql`select progress_done as n from operations where id = ${running.operation.id}`))?.n ?? 0) > 0, 'the scrape to store a page', SLOW);
    const confirm = await ask(chat, `/removeaccount ${removed}`, (m) => (m.text ?? '').startsWith(`Remove account #${removed}`));
    expect(await chat.userPresses(ADMIN, confirm.messageId, callbackData.account(removed, 'confirmRemove'))).toBe(`Account #${removed} removed.`);
    const answeredAt = Date.now();
    expect(await f.db.sql.get(sql`select id from accounts where id = ${removed}`)).toBeUndefined();
    // Its work as in one process: work pinned to it failed, since no other account may run it.
    const ended = await f.db.sql.all(sql`select status, error_kind from operations where id in (${running.operation.id}, ${behind.operation.id}) order by id`);
    expect(ended).toEqual([
      { status: 'failed', error_kind: 'no_account' },
      { status: 'failed', error_kind: 'no_account' },
    ]);
    await until(async () => [...(await f.holders()).values()].reduce((a, b) => a + b, 0) === ACCOUNTS.length - 1, 'the other accounts to stay held', SLOW);
    expect(f.trace().filter((t) => t.account === ACCOUNTS[3]?.phone && t.t0 > answeredAt)).toEqual([]);
    expect(holder).toMatch(/^worker-[ab]$/);
    for (const w of workers) expect(w.child.exitCode).toBeNull();
    const list = await ask(chat, '/accounts', (m) => (m.text ?? '').startsWith('👤 Accounts ('));
    expect(list.text).toMatch(/^👤 Accounts \(3\)/);
  });
});
