import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createDatabase } from '../../src/db/client.js';
import { createAuditRepository } from '../../src/db/repositories/audit.js';
import type { BotChatMessage } from '../../src/sandbox/bot-api/index.js';
import { createWorld, parseWorld, type TraceEntry, type WorldInput } from '../../src/sandbox/index.js';
import { silentLogger } from '../engine/harness.js';
import { guardConformance } from '../sandbox/bot-api/conformance-guard.js';
import { TOKEN, startServer } from '../sandbox/bot-api/helpers.js';
import { until } from '../until.js';
import { poolId } from './telegram-harness.js';

const ADMIN = { id: 1, first_name: 'Admin' };
const STRANGER = { id: 666, first_name: 'Eve' };

const WORLD: WorldInput = {
  latencyMs: 1,
  participantsCap: 10_000,
  accounts: [
    { phone: '+15550000001', userId: 7_000_001, firstName: 'Ops', code: '11111', authorized: true },
    { phone: '+15550000002', userId: 7_000_002, firstName: 'Ops', code: '22222', authorized: true },
  ],
  chats: [
    { id: 1001, kind: 'supergroup', username: 'panelchat', title: 'Panel chat', members: { from: 1, count: 1500 } },
    { id: 1002, kind: 'supergroup', username: 'slowchat', title: 'Slow chat', members: { from: 1, count: 9000 } },
  ],
};

let dir: string | undefined;
let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** The whole panel as `npm start` builds it: sandbox world, engine, GramJS, local Bot API server, bot. */
async function startPanel(world: WorldInput = WORLD): Promise<App> {
  dir = mkdtempSync(join(tmpdir(), 'switchboard-panel-'));
  const worldPath = join(dir, 'world.json');
  writeFileSync(worldPath, JSON.stringify(world));
  const config = loadConfig({ DATABASE_PATH: join(dir, 'panel.db'), SANDBOX_WORLD: worldPath, SANDBOX_TRACE: join(dir, 'trace.jsonl') });
  app = await createApp({ config, logger: silentLogger(), botOptions: { progressIntervalMs: 100 } });
  guardConformance(app.botApi);
  await app.start();
  return app;
}

const api = (a: App) => {
  if (!a.botApi) throw new Error('no embedded Bot API server');
  return a.botApi;
};

/** Requests any command could cause; GramJS's own keep-alive and update-state calls are not counted. */
const BACKGROUND = new Set(['PingDelayDisconnect', 'Ping', 'updates.GetState', 'updates.GetDifference', 'help.GetConfig', 'InvokeWithLayer', 'InitConnection']);
/** Periodic health checks (getMe as users.GetUsers) start on their own clock, 5 s after the engine, whoever writes. */
const HEALTH_CHECK = 'users.GetUsers';
/** The requests of the trace file that arrived from `since` on, but for the background ones; complete once the app has stopped. */
const requestsSince = (since: number) =>
  readFileSync(join(dir!, 'trace.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as TraceEntry)
    .filter((t) => t.t0 >= since && !BACKGROUND.has(t.method) && t.method !== HEALTH_CHECK);

describe('The panel, end to end', () => {
  it('scrapes with progress edits and a final ✅, and exports a CSV equal to the world', async () => {
    const a = await startPanel();
    const server = api(a);
    const final = server.waitFor((m) => m.text?.startsWith('✅ Scrape @panelchat') ?? false, 20_000);
    server.userSends(ADMIN, '/scrape @panelchat');
    const done = await final;
    expect(done.text).toContain('Found 1,500 of 1,500 members (100%).\nAll from the member list.');
    expect(done.editCount).toBeGreaterThanOrEqual(1);
    const exportButton = done.replyMarkup?.inline_keyboard.flat().find((b) => b.text.includes('Export'));
    expect(exportButton).toBeDefined();
    const csvMessage = server.waitFor((m) => m.document !== undefined, 10_000);
    await server.userPresses(ADMIN, done.messageId, (exportButton as { callback_data: string }).callback_data);
    const doc = await csvMessage;
    const file = server.files.get(doc.document!.file_id)!;
    const rows = file.bytes.toString('utf8').trim().split('\n');
    expect(rows[0]).toBe('user_id,username,first_name,last_name,is_bot,is_premium,source,first_seen_at,last_seen_at,phone,status,was_online_at,role,joined_at');
    const ids = rows.slice(1).map((r) => Number(r.split(',')[0]));
    expect(ids).toEqual(Array.from({ length: 1500 }, (_, i) => poolId(i + 1)));
    expect(rows[10]).toMatch(/^10000010,,First10,Last10,false,false,participants,/);
  });

  it('refuses a stranger without a single Telegram request', async () => {
    const a = await startPanel();
    const server = api(a);
    const since = Date.now();
    const refusal = server.waitFor((m) => m.chatId === STRANGER.id, 5000);
    server.userSends(STRANGER, '/scrape @panelchat');
    expect((await refusal).text).toMatch(/private/i);
    server.userSends(STRANGER, '/send @user1 hello');
    server.userSends(STRANGER, '/status');
    // The runner handles updates concurrently; each one writes its audit row when it is done, so three rows
    // (one per command) prove the stranger's updates can cause nothing more.
    const audit = createAuditRepository(a.db);
    await until(async () => (await audit.recent(20)).filter((row) => row.userId === STRANGER.id).length === 3, "the stranger's three updates to be handled");
    expect(a.engine.listOperations({ limit: 10 })).toEqual([]);
    // The trace file is written asynchronously: it is complete once the app (and its world) has stopped.
    await a.stop();
    expect(requestsSince(since)).toEqual([]);
  });

  it('answers bad input in plain words and keeps working', async () => {
    const a = await startPanel();
    const server = api(a);
    const audit = createAuditRepository(a.db);
    const since = Date.now();
    const SEND_USAGE = 'Write it like this: /send @username Hello there! (add --account 2 to pick the account).';
    const MONITOR_USAGE = ['Keyword watches:', '/monitor add TARGET KEYWORD... — e.g. /monitor add @market bike "used car" /sell(ing)?/i', '/monitor list', '/monitor stop ID'].join('\n');
    const SCHEDULE_USAGE = [
      'Reports on a schedule (cron, in UTC):',
      '/schedule add "CRON" [CHAT] — e.g. /schedule add "0 9 * * *" for every day at 09:00; CHAT is a chat id such as a group’s -1001234567890',
      '/schedule list',
      '/schedule remove ID',
    ].join('\n');
    // Each input with every answer it must get, in order. A bare /scrape asks its first question; the next
    // command leaves that conversation, then runs.
    const bad: Array<[input: string, answers: Array<string | RegExp>]> = [
      ['/scrape', ['Which chat should I scrape? Send @username, a t.me link or an invite link like t.me/+AbCdEf123. /cancel stops.']],
      ['/scrape not a chat!', ['Left /scrape; nothing was changed.', '/scrape takes one chat, but got 3. To scrape several at once use /bulk.']],
      ['/scrape @panelchat --limit -5', ['--limit must be from 1 to 10,000,000 (got -5).']],
      ['/scrape @panelchat --limit 99999999999', ['--limit must be from 1 to 10,000,000 (got 99999999999).']],
      ['/scrape @panelchat --account 42', ['There is no account #42. /accounts lists them.']],
      ['/scrape @panelchat --days 0', ['--days must be from 1 to 3,650 (got 0).']],
      ['/scrape @panelchat --bogus', ['Unknown option --bogus. This command takes --limit, --days, --account and --join.']],
      ['/join', ['Name a chat to join, like /join @somechat or /join https://t.me/+AbCdEf123.']],
      ['/join https://example.com/x', ['"https://example.com/x" is not a chat: use @username, https://t.me/name or an invite link like t.me/+AbCdEf123.']],
      ['/send @user1', [`The message text is missing. ${SEND_USAGE}`]],
      ['/send', [`Say who to send to and what. ${SEND_USAGE}`]],
      ['/cancel abc', ['The operation number must be a whole number (got "abc").']],
      ['/cancel 99999', ['There is no operation #99999. /ops lists the recent ones.']],
      ['/export', ['Name the chat to export, like /export @somechat.']],
      ['/export @nochatstored', ['Nothing is stored for @nochatstored yet: scrape it first with /scrape @nochatstored.']],
      ['/monitor add @panelchat', ['Give at least one keyword to watch for, like /monitor add @panelchat bike.']],
      ['/monitor stop x', ['The monitor number must be a whole number (got "x").']],
      ['/monitor stop 77', ['There is no monitor #77. /monitor list shows them.']],
      ['/monitor frobnicate', [`/monitor does not know "frobnicate".\n\n${MONITOR_USAGE}`]],
      // Why the pattern is wrong is croner's wording; the rest is the panel's.
      [
        '/schedule add "not a cron"',
        [/^"not a cron" is not a valid schedule \(.+\)\. Use five fields — minute hour day-of-month month day-of-week — in quotes, like "0 9 \* \* \*" for every day at 09:00\.$/],
      ],
      ['/schedule remove 99', ['There is no schedule #99. /schedule list shows them.']],
      ['/schedule', [SCHEDULE_USAGE]],
      ['/removeaccount 99', ['There is no account #99. /accounts lists them.']],
      ['/removeaccount abc', ['The account number must be a whole number (got "abc").']],
      [
        '/bulk',
        ['Name at least one chat. Scrape many chats at once: /bulk @one @two https://t.me/three — or send a .txt file with one chat a line (caption /bulk, options like --limit 1000 allowed).'],
      ],
      ['/nosuchcommand', ["I don't know /nosuchcommand. /help lists what I can do."]],
    ];
    const handled = async () => (await audit.recent(100)).filter((row) => row.userId === ADMIN.id).length;
    for (const [i, [text, answers]] of bad.entries()) {
      const sent = server.userSends(ADMIN, text);
      // Its audit row is written once the update is handled, every answer to it sent.
      await until(async () => (await handled()) === i + 1, `the answer to ${text}`);
      const replies = server.history(ADMIN.id).filter((m) => m.sender === 'bot' && m.messageId > sent.messageId);
      expect(
        replies.map((m) => m.text),
        text,
      ).toEqual(answers.map((answer) => (typeof answer === 'string' ? answer : expect.stringMatching(answer))));
      // Internal kinds count too; only the periodic health checks run on their own.
      expect(a.engine.listOperations({ limit: 50, includeInternal: true }).filter((op) => op.kind !== 'health'), `operations after ${text}`).toEqual([]);
    }
    // The panel still works.
    const working = Date.now();
    const final = server.waitFor((m) => m.text?.startsWith('✅ Scrape @panelchat') ?? false, 20_000);
    server.userSends(ADMIN, '/scrape @panelchat --limit 200');
    expect((await final).text).toContain('Found 200 of 1,500 members (13%).');
    // None of the bad input reached Telegram. The trace file is complete once the app has stopped.
    await a.stop();
    expect(
      requestsSince(since).filter((t) => t.t0 < working),
      'Telegram requests caused by the bad input',
    ).toEqual([]);
  });

  it('cancels a running scrape with its button: ⏹ and a resumable checkpoint', async () => {
    const a = await startPanel({ ...WORLD, latencyMs: 15 });
    const server = api(a);
    const progress = server.waitFor((m) => (m.text?.startsWith('⏳ Scrape @slowchat') ?? false) && /\d+ \/ 9,000/.test(m.text ?? ''), 20_000);
    server.userSends(ADMIN, '/scrape @slowchat');
    const running = await progress;
    const cancel = running.replyMarkup?.inline_keyboard.flat().find((b) => b.text.includes('Cancel')) as { callback_data: string };
    const stopped = server.waitFor((m: BotChatMessage) => m.text?.startsWith('⏹') ?? false, 10_000);
    await server.userPresses(ADMIN, running.messageId, cancel.callback_data);
    expect((await stopped).text).toContain('@slowchat');
    const row = a.db.sqlite.prepare(`select status, checkpoint from operations where kind = 'scrape'`).get() as { status: string; checkpoint: string };
    expect(row.status).toBe('cancelled');
    expect(JSON.parse(row.checkpoint)).toMatchObject({ phase: 'participants', chatId: 1002 });
    expect(JSON.parse(row.checkpoint).offset).toBeGreaterThan(0);
  });

  it('walks every /status button', async () => {
    const a = await startPanel();
    const server = api(a);
    const scraped = server.waitFor((m) => m.text?.startsWith('✅ Scrape') ?? false, 20_000);
    server.userSends(ADMIN, '/scrape @panelchat --limit 200 --account 2');
    await scraped;
    const panel = server.waitFor((m) => m.text?.startsWith('📟 Switchboard status') ?? false, 5000);
    server.userSends(ADMIN, '/status');
    const status = await panel;
    const press = async (data: string) => {
      const answer = await server.userPresses(ADMIN, status.messageId, data);
      return { answer, text: server.history(ADMIN.id).find((m) => m.messageId === status.messageId)?.text ?? '' };
    };
    const buttons = () => server.history(ADMIN.id).find((m) => m.messageId === status.messageId)?.replyMarkup?.inline_keyboard.flat() ?? [];
    const data = (label: RegExp) => (buttons().find((b) => label.test(b.text)) as { callback_data: string } | undefined)?.callback_data;

    expect((await press(data(/Accounts/)!)).text).toContain('Accounts (2)');
    expect((await press(data(/#1/)!)).text).toMatch(/#1/);
    expect((await press(data(/Pause/)!)).text).toMatch(/paused/i);
    expect(a.engine.getAccount(1)?.state).toBe('paused');
    expect((await press(data(/Resume/)!)).text).not.toMatch(/· paused/);
    // A periodic health check (the first comes 5 s after the start) may hold the account for a moment.
    await until(() => a.engine.getAccount(1)?.state === 'idle', 'account #1 to be idle again');
    await press(data(/Remove/)!);
    expect(buttons().some((b) => /Yes|Confirm/i.test(b.text))).toBe(true);
    await press(data(/Yes|Confirm/i)!);
    expect(a.engine.getAccount(1)).toBeUndefined();
    // Back to the panel, then down into operations and one operation.
    expect((await press(data(/Back|Status/)!)).text).toContain('📟 Switchboard status');
    expect((await press(data(/Operations/)!)).text).toMatch(/operations/i);
    const scrapeOp = data(/#\d+/);
    expect(scrapeOp).toBeDefined();
    expect((await press(scrapeOp!)).text).toMatch(/scrape/i);
    expect((await press(data(/Operations/)!)).text).toMatch(/operations/i);
    expect((await press(data(/Back/)!)).text).toContain('📟 Switchboard status');
    expect((await press(data(/Refresh/)!)).answer).toBeTruthy();
    // Forged and stale button data (which a real client cannot press here) is covered in test/bot/status.test.ts.
  });

  it('logs an account in with /addaccount across a restart of the panel', async () => {
    const input: WorldInput = {
      ...WORLD,
      accounts: [...(WORLD.accounts ?? []), { phone: '+15550000009', userId: 7_000_009, firstName: 'Guarded', code: '12345', password: 'sandbox-2fa', authorized: false }],
    };
    const world = createWorld(parseWorld(input));
    dir = mkdtempSync(join(tmpdir(), 'switchboard-panel-'));
    const config = loadConfig({ DATABASE_PATH: join(dir, 'panel.db') });
    const open = async () => {
      const panel = await createApp({ config, logger: silentLogger(), world });
      guardConformance(panel.botApi);
      await panel.start();
      return panel;
    };
    const first = await open();
    let server = api(first);
    const askPhone = server.waitFor((m) => /phone/i.test(m.text ?? ''), 5000);
    server.userSends(ADMIN, '/addaccount');
    await askPhone;
    const askCode = server.waitFor((m) => /code/i.test(m.text ?? ''), 5000);
    server.userSends(ADMIN, '+15550000009');
    await askCode;
    // Stopped the moment the question arrives: the shutdown lets the update finish storing its state.
    await first.stop();

    // A new process: same database, same (simulated) Telegram.
    app = await open();
    server = api(app);
    const askPassword = server.waitFor((m) => /password/i.test(m.text ?? ''), 10_000);
    const code = server.userSends(ADMIN, '1 2 3 4 5');
    await askPassword;
    expect(server.history(ADMIN.id).some((m) => m.messageId === code.messageId)).toBe(false);
    const added = server.waitFor((m) => m.text?.startsWith('✅ Account #') ?? false, 10_000);
    const password = server.userSends(ADMIN, 'sandbox-2fa');
    // Telegram said who logged in: the answer names the account at once.
    expect((await added).text).toMatch(/^✅ Account #\d+ Guarded \(\+1555…0009\) added\.$/);
    expect(server.history(ADMIN.id).some((m) => m.messageId === password.messageId)).toBe(false);
    const account = app.engine.listAccounts().find((a) => a.phone === '+15550000009');
    expect(account).toMatchObject({ firstName: 'Guarded', telegramUserId: 7_000_009 });
    const health = app.engine.submit({ kind: 'health', accountId: account!.id });
    if (health.kind !== 'queued') throw new Error(health.message);
    expect(await app.engine.waitFor(health.operation.id)).toMatchObject({ status: 'succeeded', result: { userId: 7_000_009 } });
    const stored = app.db.sqlite.prepare(`select value from kv where key like 'login:%'`).all();
    expect(stored).toEqual([]);
    await world.stop();
  });

  it('handles a /scrape once when Telegram delivers it again after the panel stopped before confirming it', async () => {
    // A Bot API server of the test's own (BOT_API_ROOT), so the same "Telegram" outlives the panel.
    const { server, url } = await startServer({ longPollSecondMs: 20, users: [ADMIN] });
    const world = createWorld(parseWorld(WORLD));
    dir = mkdtempSync(join(tmpdir(), 'switchboard-panel-'));
    const config = loadConfig({ DATABASE_PATH: join(dir, 'panel.db'), BOT_API_ROOT: url, BOT_TOKEN: TOKEN });
    const first = await createApp({ config, logger: silentLogger(), world, botOptions: { progressIntervalMs: 100 } });
    await first.start();

    const scrape = server.userSends(ADMIN, '/scrape @panelchat --limit 200');
    const updateId = server.pendingUpdates().find((u) => u.message?.message_id === scrape.messageId)?.update_id;
    // The getUpdates that would confirm the update is refused, and the panel stops while it waits to retry:
    // the update was handled and never confirmed, as after a crash at that moment.
    let refused = false;
    const unsubscribe = server.onCall((call) => {
      if (call.method !== 'getUpdates') return;
      if (call.status === 429) refused = true;
      else if (server.pendingUpdates().some((u) => u.update_id === updateId)) server.tooManyRequests({ method: 'getUpdates', retryAfter: 30 });
    });
    await server.waitFor((m) => m.text?.startsWith('✅ Scrape @panelchat') ?? false, 20_000);
    await until(() => refused, 'the confirming getUpdates to be refused');
    unsubscribe();
    await first.stop();
    expect(server.pendingUpdates().map((u) => u.update_id)).toEqual([updateId]);

    // A new panel on the same database gets the update again and lets it be.
    app = await createApp({ config, logger: silentLogger(), world });
    await app.start();
    await until(() => server.pendingUpdates().length === 0, 'the new panel to confirm the update');
    // Stopping waits for the handlers, so what the database holds now is all they did.
    await app.stop();
    const db = createDatabase(config.database.path);
    expect(db.sqlite.prepare(`select count(*) as n from operations where kind = 'scrape'`).get()).toEqual({ n: 1 });
    expect(db.sqlite.prepare('select finished_at is not null as finished from handled_updates where update_id = ?').get(updateId)).toEqual({ finished: 1 });
    db.close();
    expect(server.history(ADMIN.id).filter((m) => m.text?.includes('Scrape @panelchat'))).toHaveLength(1);
    await world.stop();
  });

  it('puts a limited account back into rotation from its /status screen', async () => {
    const a = await startPanel();
    const server = api(a);
    a.engine.setAccountHealth(2, 'limited', 'Telegram limited this account: it may not message strangers for now.');
    const panel = server.waitFor((m) => m.text?.startsWith('📟 Switchboard status') ?? false, 5000);
    server.userSends(ADMIN, '/status');
    const status = await panel;
    const data = (label: RegExp) =>
      (server.history(ADMIN.id).find((m) => m.messageId === status.messageId)?.replyMarkup?.inline_keyboard.flat().find((b) => label.test(b.text)) as { callback_data: string } | undefined)
        ?.callback_data;
    await server.userPresses(ADMIN, status.messageId, data(/Accounts/)!);
    await server.userPresses(ADMIN, status.messageId, data(/#2/)!);
    expect(data(/Back to rotation/)).toBeDefined();
    expect(await server.userPresses(ADMIN, status.messageId, data(/Back to rotation/)!)).toMatch(/Back in rotation/);
    // A periodic health check (the first comes 5 s after the start) may hold the account for a moment.
    await until(() => a.engine.getAccount(2)?.state === 'idle', 'account #2 to be idle again');
    expect(a.engine.getAccount(2)).toMatchObject({ state: 'idle', stateReason: null });
    expect(data(/Back to rotation/)).toBeUndefined();
  });

  it('sends a report with its PNG chart', async () => {
    const a = await startPanel();
    const server = api(a);
    const photo = server.waitFor((m) => (m.photo?.length ?? 0) > 0, 20_000);
    server.userSends(ADMIN, '/report');
    const message = await photo;
    const file = server.files.get(message.photo!.at(-1)!.file_id)!;
    expect(file.bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    // A schedule for a named chat: the bot checks it can reach it first.
    const scheduled = server.waitFor((m) => m.text?.includes('Schedule #') ?? false, 5000);
    server.userSends(ADMIN, `/schedule add "0 9 * * *" ${ADMIN.id}`);
    expect((await scheduled).text).toMatch(/^✅ Schedule #1 added/);
    const refused = server.waitFor((m) => m.text?.includes('cannot reach') ?? false, 5000);
    server.userSends(ADMIN, '/schedule add "0 9 * * *" 424242');
    expect((await refused).text).toContain('424242');
  });
});
