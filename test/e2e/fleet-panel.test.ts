import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createPanelApp, type PanelApp } from '../../src/panel-app.js';
import type { BotApiServer, BotChatMessage } from '../../src/sandbox/bot-api/index.js';
import type { WorldInput } from '../../src/sandbox/index.js';
import { silentLogger } from '../engine/harness.js';
import { guardConformance } from '../sandbox/bot-api/conformance-guard.js';
import { startServer, TOKEN } from '../sandbox/bot-api/helpers.js';
import { until } from '../until.js';
import { Fleet } from './fleet-harness.js';
import { worldAccounts } from './telegram-harness.js';
import { expectBulkComplete } from './fleet-checks.js';

const ADMIN = { id: 1, first_name: 'Admin' };
const CHATS = 8;
const MEMBERS = 1000;
const ACCOUNTS = worldAccounts(4);
const CHAT_LIST = Array.from({ length: CHATS }, (_, i) => ({
  id: 3001 + i,
  kind: 'supergroup' as const,
  username: `panelfleet${i + 1}`,
  title: `Panel fleet ${i + 1}`,
  members: { from: 200_000 + i * MEMBERS, count: MEMBERS },
}));
const WORLD: WorldInput = { latencyMs: 20, participantsCap: 10_000, accounts: ACCOUNTS, chats: CHAT_LIST };

/** Long enough for worker processes to start, scrape and take over; every wait ends as soon as its condition holds. */
const SLOW = { intervalMs: 50, tries: Number(process.env.FLEET_TRIES ?? 2400) };

let fleet: Fleet | undefined;
let panel: PanelApp | undefined;
afterEach(async () => {
  await panel?.stop();
  panel = undefined;
  await fleet?.stop();
  fleet = undefined;
});

async function startPanel(f: Fleet, env: Record<string, string> = {}): Promise<PanelApp> {
  const config = loadConfig({ ROLE: 'panel', DATABASE_URL: f.url, SANDBOX_CONNECT: f.address, SCRAPE_CONCURRENCY: '2', LEASE_SECONDS: '3', ...env });
  const app = await createPanelApp({ config, logger: silentLogger(), botOptions: { progressIntervalMs: 100 } });
  guardConformance(app.botApi);
  await app.start();
  return app;
}

function chatOf(app: PanelApp): BotApiServer {
  if (!app.botApi) throw new Error('no embedded Bot API server');
  return app.botApi;
}

const botTexts = (server: BotApiServer): BotChatMessage[] => server.history(ADMIN.id).filter((m) => m.sender === 'bot');

describe('A panel and two workers on PostgreSQL', () => {
  it('does run a /bulk from the chat to its summary while one worker is killed with -9, nothing lost or doubled', { timeout: 240_000 }, async () => {
    fleet = new Fleet({ world: WORLD, scrapeConcurrency: 2, leaseSeconds: 3 });
    await fleet.start();
    panel = await startPanel(fleet, { METRICS_PORT: '0', WORKER_NAME: 'the-panel' });
    const chat = chatOf(panel);
    const first = fleet.spawnWorker('worker-a');
    const second = fleet.spawnWorker('worker-b');
    const f = fleet;
    await until(async () => {
      const holders = await f.holders();
      return (holders.get('worker-a') ?? 0) > 0 && (holders.get('worker-b') ?? 0) > 0;
    }, 'both workers to hold accounts', SLOW);

    // /status lists the workers with the accounts each holds.
    chat.userSends(ADMIN, '/status');
    const status = await chat.waitFor((m) => m.sender === 'bot' && (m.text ?? '').startsWith('📟'), 30_000);
    expect(status.text).toMatch(/Workers: 2 live/);
    expect(status.text).toMatch(/🟢 worker-a · \d accounts?: #\d/);
    expect(status.text).toMatch(/🟢 worker-b · \d accounts?: #\d/);

    chat.userSends(ADMIN, `/bulk ${CHAT_LIST.map((c) => `@${c.username}`).join(' ')}`);
    await until(() => botTexts(chat).some((m) => (m.text ?? '').startsWith('⏳ Bulk scrape of 8 chats')), 'the bulk message', SLOW);
    await until(async () => ((await f.statuses()).succeeded ?? 0) >= 2, 'two scrapes to finish', SLOW);
    expect((await f.statuses()).succeeded ?? 0).toBeLessThan(CHATS);

    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');

    // The one bulk message ends in its summary, edited in place from the workers' events.
    const summaryOf = () => botTexts(chat).find((m) => (m.text ?? '').startsWith('✅ Bulk scrape finished'));
    await until(() => summaryOf() !== undefined, 'the bulk summary', SLOW);
    const summary = summaryOf()?.text ?? '';
    expect(summary).toContain(`✅ Bulk scrape finished: ${CHATS} of ${CHATS} chats scraped.`);
    expect(summary).toContain(`Members found: ${(CHATS * MEMBERS).toLocaleString('en-US')}`);
    for (const c of CHAT_LIST) expect(summary).toContain(`✅ @${c.username}: `);

    expect(await fleet.statuses()).toEqual({ succeeded: CHATS });
    await expectBulkComplete(fleet, CHAT_LIST, 2);
    expect(second.child.exitCode).toBeNull();

    // The panel's own /healthz and /metrics: the fleet as the shared database and the workers' events tell it.
    const metricsUrl = panel.metrics?.url ?? '';
    const health = await fetch(`${metricsUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', role: 'panel', worker: 'the-panel', database: 'ok', engine: 'running' });
    const text = await (await fetch(`${metricsUrl}/metrics`)).text();
    const sample = (line: RegExp) => Number(text.split('\n').find((l) => line.test(l))?.split(' ').at(-1));
    expect(sample(/^switchboard_operations_total\{.*kind="scrape".*outcome="succeeded"/)).toBe(CHATS);
    expect(sample(/^switchboard_scrape_limit\{/)).toBe(2);
    expect(sample(/^switchboard_queue_depth\{/)).toBe(0);
    const byState = text.split('\n').filter((l) => l.startsWith('switchboard_accounts{'));
    expect(byState.reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0)).toBe(ACCOUNTS.length);

    // The members the workers stored are the panel's to export and count, from the same database.
    chat.userSends(ADMIN, `/export @${CHAT_LIST[0]?.username}`);
    const exported = await chat.waitFor((m) => m.sender === 'bot' && m.document?.file_name === `members-${CHAT_LIST[0]?.username}.csv`, 60_000);
    const file = exported.document ? chat.files.get(exported.document.file_id) : undefined;
    const lines = (file?.bytes.toString('utf8') ?? '').trim().split(/\r?\n/);
    expect(lines).toHaveLength(MEMBERS + 1);
    chat.userSends(ADMIN, `/stats @${CHAT_LIST[1]?.username}`);
    const stats = await chat.waitFor((m) => m.sender === 'bot' && (m.caption ?? m.text ?? '').includes(`${MEMBERS.toLocaleString('en-US')} stored members`), 60_000);
    expect(stats.photo ?? stats.text).toBeDefined();
    // Joins and sends run on the workers too, with the same pacing and budgets.
    chat.userSends(ADMIN, `/join @${CHAT_LIST[2]?.username}`);
    await chat.waitFor((m) => m.sender === 'bot' && /^✅/.test(m.text ?? '') && (m.text ?? '').includes(`Joined ${CHAT_LIST[2]?.title}.`), 60_000);
    chat.userSends(ADMIN, '/send @user1 hello from the fleet');
    await chat.waitFor((m) => m.sender === 'bot' && /^✅/.test(m.text ?? '') && (m.text ?? '').includes('@user1'), 60_000);
    // Monitors run on the workers too: test/e2e/fleet-monitor.test.ts.
    expect(await fleet.statuses()).toEqual({ succeeded: CHATS + 2 });

    // Pause from the panel: the worker holding the account pauses it, and its row says so.
    chat.userSends(ADMIN, '/accounts');
    const list = await chat.waitFor((m) => m.sender === 'bot' && (m.text ?? '').startsWith('👤 Accounts (4)'), 30_000);
    const buttonsOf = (messageId: number) => chat.history(ADMIN.id).find((m) => m.messageId === messageId)?.replyMarkup?.inline_keyboard.flat() ?? [];
    const dataOf = (messageId: number, label: RegExp) => (buttonsOf(messageId).find((b) => label.test(b.text)) as { callback_data: string } | undefined)?.callback_data ?? '';
    const [firstAccount] = await fleet.db.sql.all<{ id: number }>(sql`select id from accounts order by id limit 1`);
    await chat.userPresses(ADMIN, list.messageId, (buttonsOf(list.messageId)[0] as { callback_data: string }).callback_data);
    expect(await chat.userPresses(ADMIN, list.messageId, dataOf(list.messageId, /Pause/))).toBe('Paused: it takes no new work.');
    await until(async () => (await fleet!.db.sql.get<{ paused: number }>(sql`select paused from accounts where id = ${firstAccount?.id}`))?.paused === 1, 'the holder to store the pause', SLOW);
    expect(await chat.userPresses(ADMIN, list.messageId, dataOf(list.messageId, /Resume/))).toBe('Resumed.');
  });

  it('does go on editing the same bulk message after a panel restart, while the workers never stopped', { timeout: 240_000 }, async () => {
    // The chat outlives the panel: a Bot API server the test holds (BOT_API_ROOT).
    const { server, url } = await startServer({ longPollSecondMs: 20, users: [ADMIN] });
    const env = { BOT_API_ROOT: url, BOT_TOKEN: TOKEN, ADMIN_IDS: String(ADMIN.id) };
    fleet = new Fleet({ world: WORLD, scrapeConcurrency: 2, leaseSeconds: 3 });
    await fleet.start();
    panel = await startPanel(fleet, env);
    fleet.spawnWorker('worker-a');
    fleet.spawnWorker('worker-b');
    const f = fleet;

    server.userSends(ADMIN, `/bulk ${CHAT_LIST.map((c) => `@${c.username}`).join(' ')}`);
    const bulkMessage = await server.waitFor((m) => m.sender === 'bot' && (m.text ?? '').startsWith('⏳ Bulk scrape of 8 chats'), 60_000);
    await until(async () => ((await f.statuses()).succeeded ?? 0) >= 1, 'a scrape to finish', SLOW);
    await panel.stop();
    panel = undefined;
    // No panel: the workers go on, and what they tell meanwhile is heard by nobody.
    await until(async () => ((await f.statuses()).succeeded ?? 0) >= 4, 'more scrapes to finish with no panel', SLOW);
    expect((await f.statuses()).succeeded ?? 0).toBeLessThan(CHATS);
    panel = await startPanel(fleet, env);

    const current = () => server.history(ADMIN.id).find((m) => m.messageId === bulkMessage.messageId);
    await until(() => (current()?.text ?? '').startsWith('✅ Bulk scrape finished'), 'the same message to sum the bulk up', SLOW);
    expect(current()?.text).toContain(`✅ Bulk scrape finished: ${CHATS} of ${CHATS} chats scraped.`);
    // One bulk message from first to last: the restarted panel edited it, it did not send another.
    expect(botTexts(server).filter((m) => /Bulk scrape/.test(m.text ?? ''))).toHaveLength(1);
    expect(await fleet.statuses()).toEqual({ succeeded: CHATS });
    await expectBulkComplete(fleet, CHAT_LIST, 2);
  });

  it('does lose nothing when the panel process is killed with -9 mid-bulk: the next panel sums the same message up', { timeout: 240_000 }, async () => {
    const { server, url } = await startServer({ longPollSecondMs: 20, users: [ADMIN] });
    const env = { BOT_API_ROOT: url, BOT_TOKEN: TOKEN, ADMIN_IDS: String(ADMIN.id), LOG_LEVEL: process.env.FLEET_LOG_LEVEL ?? 'warn' };
    fleet = new Fleet({ world: WORLD, scrapeConcurrency: 2, leaseSeconds: 3 });
    await fleet.start();
    const f = fleet;
    const first = fleet.spawnPanel('panel-1', env);
    fleet.spawnWorker('worker-a');
    fleet.spawnWorker('worker-b');
    // The panel answers once it polls.
    await until(async () => {
      if (!server.history(ADMIN.id).some((m) => m.sender === 'user' && m.text === '/status')) server.userSends(ADMIN, '/status');
      return botTexts(server).some((m) => (m.text ?? '').startsWith('📟'));
    }, 'the panel process to answer', SLOW);

    server.userSends(ADMIN, `/bulk ${CHAT_LIST.map((c) => `@${c.username}`).join(' ')}`);
    const bulkMessage = await server.waitFor((m) => m.sender === 'bot' && (m.text ?? '').startsWith('⏳ Bulk scrape of 8 chats'), 60_000);
    await until(async () => ((await f.statuses()).succeeded ?? 0) >= 1, 'a scrape to finish', SLOW);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    await until(async () => ((await f.statuses()).succeeded ?? 0) >= 3, 'more scrapes to finish with no panel', SLOW);

    const second = fleet.spawnPanel('panel-2', env);
    const current = () => server.history(ADMIN.id).find((m) => m.messageId === bulkMessage.messageId);
    await until(() => (current()?.text ?? '').startsWith('✅ Bulk scrape finished'), `the same message to sum the bulk up\n${second.output()}`, SLOW);
    expect(current()?.text).toContain(`✅ Bulk scrape finished: ${CHATS} of ${CHATS} chats scraped.`);
    expect(botTexts(server).filter((m) => /Bulk scrape/.test(m.text ?? ''))).toHaveLength(1);
    // The /bulk was handled before the kill: nothing to tell as cut short, and it was not run twice.
    expect(botTexts(server).filter((m) => (m.text ?? '').startsWith('⚠️'))).toEqual([]);
    expect(await fleet.statuses()).toEqual({ succeeded: CHATS });
    await expectBulkComplete(fleet, CHAT_LIST, 2);
  });
});
