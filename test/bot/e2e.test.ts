import { afterEach, describe, expect, it } from 'vitest';
import { createBot, startPolling, type CreateBotOptions, type SwitchboardBot } from '../../src/bot/index.js';
import type { Polling } from '../../src/bot/run.js';
import { loadConfig } from '../../src/config.js';
import { createMembersRepository } from '../../src/db/repositories/members.js';
import type { Engine } from '../../src/engine/index.js';
import { createBotApiServer, type BotApiServer } from '../../src/sandbox/bot-api/index.js';
import { createHarness, silentLogger, type Harness } from '../engine/harness.js';
import { guardConformance } from '../sandbox/bot-api/conformance-guard.js';
import { fakeLogin } from './conversations/fake-login.js';
import { ADMIN, controlledRunner, STRANGER } from './harness.js';

const TOKEN = '123456:sandbox-token-for-the-panel-tests';
const admin = { id: ADMIN, first_name: 'Ada' };
const stranger = { id: STRANGER, first_name: 'Eve' };

let server: BotApiServer | undefined;
let polling: Polling | undefined;
let engineHarness: Harness | undefined;

afterEach(async () => {
  await polling?.stop();
  await server?.stop();
  await engineHarness?.engine.stop();
  engineHarness?.db.close();
  server = undefined;
  polling = undefined;
  engineHarness = undefined;
});

/** The panel against the sandbox's local Bot API server, over real HTTP and long polling. */
async function startPanel(register: (engine: Engine) => void, extra: (harness: Harness) => Partial<CreateBotOptions> = () => ({})): Promise<{ api: BotApiServer; bot: SwitchboardBot; harness: Harness }> {
  const harness = await createHarness(2, { register });
  engineHarness = harness;
  server = guardConformance(createBotApiServer({ token: TOKEN, bot: { id: 9100, username: 'panel_bot', first_name: 'Panel' }, longPollSecondMs: 20, users: [admin] }));
  const { url } = await server.start();
  const bot = createBot({
    config: loadConfig({ ADMIN_IDS: String(ADMIN), BOT_TOKEN: TOKEN }),
    logger: silentLogger(),
    engine: harness.engine,
    db: harness.db,
    monitors: { stopMonitor: () => false },
    apiRoot: url,
    progressIntervalMs: 50,
    ...extra(harness),
  });
  polling = await startPolling(bot);
  return { api: server, bot, harness };
}

describe('the panel on the local Bot API server', () => {
  it('serves /status with working buttons, refuses strangers, registers its commands', async () => {
    const { api } = await startPanel(() => undefined);
    // The menu is shown in the admins' chats only.
    expect(api.myCommands({ type: 'chat', chat_id: ADMIN }).map((c) => c.command)).toContain('scrape');
    expect(api.myCommands()).toEqual([]);

    api.userSends(admin, '/status');
    const panel = await api.waitFor((m) => m.text?.startsWith('📟 Switchboard status') ?? false);
    expect(await api.userPresses(admin, panel.messageId, 'st:r')).toBe('Nothing changed.');
    await api.userPresses(admin, panel.messageId, 'st:a');
    const accounts = api.history(ADMIN).find((m) => m.messageId === panel.messageId);
    expect(accounts?.text).toContain('👤 Accounts (2)');

    api.userSends(stranger, '/status');
    const refusal = await api.waitFor((m) => m.chatId === STRANGER);
    expect(refusal.text).toBe('This panel is private.');
  });

  it('runs a scrape with live progress, a ✅ summary and a CSV export', async () => {
    const scrape = controlledRunner('scrape', 'scraping');
    const { api, harness } = await startPanel((e) => e.register(scrape.definition));
    api.userSends(admin, '/scrape @bigchat --limit 3');
    const progress = await api.waitFor((m) => m.text?.includes('Scrape @bigchat') ?? false);
    const run = await scrape.started(1);
    const members = createMembersRepository(harness.db);
    members.upsertChat({ id: 1001, kind: 'supergroup', username: 'bigchat', title: 'Big chat' });
    members.storeMembers(1001, [{ id: 1, username: 'a', firstName: 'A' }, { id: 2, firstName: 'B' }, { id: 3, username: 'c' }], { source: 'participants' });
    run.ctx.progress(3, 3);
    run.resolve({ chatId: 1001, title: 'Big chat', username: 'bigchat', chatKind: 'supergroup', source: 'participants', mode: 'participants', found: 3, new: 3, known: 0, total: 3, durationMs: 50, note: null });
    const done = await api.waitFor((m) => m.messageId === progress.messageId && (m.text?.startsWith('✅') ?? false));
    expect(done.text).toContain('Found 3 of 3 members (100%).');

    expect(await api.userPresses(admin, done.messageId, 'ex:1001')).toBe('Preparing the CSV…');
    const doc = await api.waitFor((m) => m.document !== undefined);
    const file = api.files.get(doc.document?.file_id ?? '');
    expect(file?.fileName).toBe('members-bigchat.csv');
    const lines = file?.bytes.toString('utf8').trim().split('\n') ?? [];
    expect(lines[0]).toBe('user_id,username,first_name,last_name,is_bot,is_premium,source,first_seen_at,last_seen_at,phone,status,was_online_at,role,joined_at');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 3).join(','))).toEqual(['1,a,A', '2,,B', '3,c,']);
  });

  it('takes a .txt list for /bulk through getFile and the file download', async () => {
    const scrape = controlledRunner('scrape', 'scraping');
    const { api, harness } = await startPanel((e) => e.register(scrape.definition));
    api.userSendsDocument(admin, { file_name: 'chats.txt', bytes: '@alpha_chat\nhttps://t.me/beta_chat\n', caption: '/bulk --limit 10' });
    const group = await api.waitFor((m) => m.text?.includes('Bulk scrape of 2 chats') ?? false);
    expect(harness.engine.listOperations().map((o) => (o.params as { target: string }).target).sort()).toEqual(['@alpha_chat', 'https://t.me/beta_chat']);
    expect(group.replyMarkup?.inline_keyboard.flat().map((b) => ('callback_data' in b ? b.callback_data : ''))).toEqual(['bk:1:c']);
  });

  it('sends /report with a PNG chart the server accepts as a photo', async () => {
    const { api } = await startPanel(() => undefined);
    api.userSends(admin, '/report');
    const photo = await api.waitFor((m) => m.photo !== undefined);
    const file = api.files.get(photo.photo?.[0]?.file_id ?? '');
    expect(file?.bytes.subarray(0, 4).toString('hex')).toBe('89504e47');
  });

  it('runs the /addaccount conversation under the runner, and the code and password leave the chat', async () => {
    const { api } = await startPanel(
      () => undefined,
      (harness) => ({ login: fakeLogin(harness.engine, { password: 'secret pass' }).login }),
    );
    api.userSends(admin, '/addaccount');
    await api.waitFor((m) => m.text?.includes('Send its phone number') ?? false);
    api.userSends(admin, '+15551234567');
    await api.waitFor((m) => m.text?.includes('I sent a login code') ?? false);
    const code = api.userSends(admin, '1 2 3 4 5');
    await api.waitFor((m) => m.text?.includes('two-step verification password') ?? false);
    const password = api.userSends(admin, 'secret pass');
    const done = await api.waitFor((m) => m.text?.startsWith('✅') ?? false);
    expect(done.text).toBe('✅ Account #3 +15551234567 added.');
    const left = api.history(ADMIN).map((m) => m.messageId);
    expect(left).not.toContain(code.messageId);
    expect(left).not.toContain(password.messageId);
    expect(api.history(ADMIN).some((m) => m.text?.includes('secret pass') || m.text === '1 2 3 4 5')).toBe(false);
  });
});
