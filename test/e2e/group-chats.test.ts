import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { BotApiServer } from '../../src/sandbox/bot-api/index.js';
import { createWorld, parseWorld, type SandboxWorld, type WorldInput } from '../../src/sandbox/index.js';
import { silentLogger } from '../engine/harness.js';
import { BOT, TOKEN, startServer } from '../sandbox/bot-api/helpers.js';
import { until } from '../until.js';

const ADMIN = { id: 1, first_name: 'Admin' };
const COLLEAGUE = { id: 77, first_name: 'Colleague' };
const STRANGER = { id: 666, first_name: 'Eve' };
const DAY_MS = 86_400_000;

const WORLD: WorldInput = {
  latencyMs: 1,
  accounts: [
    { phone: '+15550000001', userId: 7_000_001, firstName: 'Ops', code: '11111', authorized: true },
    { phone: '+15550000002', userId: 7_000_002, firstName: 'Ops', code: '22222', authorized: true },
  ],
  chats: [{ id: 7001, kind: 'supergroup', username: 'bikemarket', title: 'Bike market', members: { from: 1, count: 50 } }],
  timeline: [{ atSeconds: 0, chat: 7001, from: 42, text: 'anyone selling a used BIKE?' }],
};

let dir: string | undefined;
const running: App[] = [];
const worlds: SandboxWorld[] = [];
afterEach(async () => {
  for (const app of running.splice(0)) await app.stop();
  for (const world of worlds.splice(0)) await world.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/**
 * The whole panel (createApp) against a local Bot API server the test holds (BOT_API_ROOT), so groups
 * can be made before the panel starts and the same "Telegram" outlives a restart of the panel.
 */
async function startPanel(server: BotApiServer, world: SandboxWorld, env: Record<string, string> = {}): Promise<App> {
  dir ??= mkdtempSync(join(tmpdir(), 'switchboard-groups-'));
  const config = loadConfig({ DATABASE_PATH: join(dir, 'panel.db'), BOT_API_ROOT: server.url ?? '', BOT_TOKEN: TOKEN, ADMIN_IDS: String(ADMIN.id), ...env });
  const app = await createApp({ config, logger: silentLogger(), world, botOptions: { progressIntervalMs: 50, alertWindowMs: 20 } });
  running.push(app);
  await app.start();
  return app;
}

async function setUp(env: Record<string, string> = {}, beforeStart: (server: BotApiServer) => void = () => {}) {
  const { server } = await startServer({ longPollSecondMs: 20, users: [ADMIN] });
  const world = createWorld(parseWorld(WORLD), { startTimeline: false });
  worlds.push(world);
  beforeStart(server);
  const app = await startPanel(server, world, env);
  return { server, world, app };
}

async function stop(app: App): Promise<void> {
  running.splice(running.indexOf(app), 1);
  await app.stop();
}

describe('The panel in group chats', () => {
  it('greets the group an admin adds it to with its chat id, and sends the group’s monitor alerts there', async () => {
    const { server, world } = await setUp();
    const hello = server.waitFor((m) => m.text?.startsWith('👋') ?? false);
    const group = server.createGroup(ADMIN, { title: 'Ops room', members: [COLLEAGUE] });
    expect((await hello).chatId).toBe(group.id);
    expect((await hello).text).toContain(`This chat's id is ${group.id}`);

    const watching = server.waitFor((m) => m.chatId === group.id && (m.text?.includes('is watching Bike market') ?? false), 20_000);
    server.userSends(ADMIN, `/monitor@${BOT.username} add @bikemarket bike`, { chatId: group.id });
    await watching;
    // A colleague's chatter in the group is not for the panel: privacy mode keeps it from the bot.
    server.userSends(COLLEAGUE, 'nice, a bot', { chatId: group.id });
    const alert = server.waitFor((m) => m.chatId === group.id && (m.text?.startsWith('🔔') ?? false), 20_000);
    world.startTimeline();
    expect((await alert).text).toMatch(/^🔔 Bike market · monitor #\d+\nFrom: .+\nKeyword: bike/);
    expect(server.history(ADMIN.id).filter((m) => m.text?.startsWith('🔔'))).toEqual([]);
  });

  it('delivers a scheduled report to a group named by /schedule add, after a restart that missed its time', async () => {
    const { server, world, app } = await setUp();
    const group = server.createGroup(ADMIN, { title: 'Reports' });
    await server.waitFor((m) => m.chatId === group.id && (m.text?.startsWith('👋') ?? false));
    const added = server.waitFor((m) => m.chatId === ADMIN.id && (m.text?.includes('Schedule #1') ?? false));
    server.userSends(ADMIN, `/schedule add "0 9 * * *" ${group.id}`);
    expect((await added).text).toMatch(new RegExp(`^✅ Schedule #1 added: "0 9 \\* \\* \\*" to chat ${group.id}\\.`));
    // The panel was down over a 09:00: made so by dating the schedule two days back.
    app.db.sqlite.prepare('update schedules set created_at = ?').run(Date.now() - 2 * DAY_MS);
    await stop(app);

    const text = server.waitFor((m) => m.chatId === group.id && (m.text?.startsWith('📊 Report') ?? false), 20_000);
    const chart = server.waitFor((m) => m.chatId === group.id && m.photo !== undefined, 20_000);
    await startPanel(server, world);
    expect((await text).text).toContain('Accounts: 2');
    const png = server.files.get((await chart).photo?.at(-1)?.file_id ?? '');
    expect(png?.bytes.subarray(0, 4).toString('hex')).toBe('89504e47');
  });

  it('takes REPORT_CHAT_ID as the group for schedules without a chat and for account alerts', async () => {
    const reports = -1002200000001;
    const { server, app } = await setUp({ REPORT_CHAT_ID: String(reports) }, (s) => {
      s.createGroup(ADMIN, { title: 'Reports', chatId: reports });
    });
    await server.waitFor((m) => m.chatId === reports && (m.text?.startsWith('👋') ?? false));
    const added = server.waitFor((m) => m.chatId === ADMIN.id && (m.text?.includes('Schedule #1') ?? false));
    server.userSends(ADMIN, '/schedule add "0 9 * * *"');
    expect((await added).text).toContain(`to chat ${reports}.`);
    const alert = server.waitFor((m) => m.chatId === reports && (m.text?.startsWith('🟠') ?? false));
    app.engine.setAccountHealth(2, 'limited', 'Telegram limited this account for now.');
    expect((await alert).text).toContain('is limited by Telegram');
  });

  it('leaves a group a stranger adds it to, and refuses a schedule for a group it is not in', async () => {
    const { server } = await setUp();
    const spam = server.createGroup(STRANGER, { title: 'Free crypto' });
    await until(() => server.chat(spam.id)?.botStatus === 'left', 'the bot to leave');
    expect(server.history(spam.id).filter((m) => m.sender === 'bot')).toEqual([]);
    const refused = server.waitFor((m) => m.chatId === ADMIN.id && (m.text?.includes('add the bot to it first') ?? false));
    server.userSends(ADMIN, `/schedule add "0 9 * * *" ${spam.id}`);
    expect((await refused).text).toContain(String(spam.id));
  });

  it('tells the admin privately when it is removed from a group a schedule sends to', async () => {
    const { server } = await setUp();
    const group = server.createGroup(ADMIN, { title: 'Ops room', type: 'group' });
    await server.waitFor((m) => m.chatId === group.id && (m.text?.startsWith('👋') ?? false));
    const added = server.waitFor((m) => m.chatId === group.id && (m.text?.includes('Schedule #1') ?? false));
    server.userSends(ADMIN, '/schedule add "0 9 * * *"', { chatId: group.id });
    expect((await added).text).toMatch(/^✅ Schedule #1 added: "0 9 \* \* \*" to this chat\./);
    const notice = server.waitFor((m) => m.chatId === ADMIN.id && (m.text?.startsWith('⚠️') ?? false));
    server.userRemovesBot(ADMIN, group.id);
    expect((await notice).text).toBe(`⚠️ I was removed from “Ops room” (chat ${group.id}). schedule #1 (/schedule remove 1) sends there and will fail until an admin adds me back.`);
  });
});
