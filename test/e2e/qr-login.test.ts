import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { createBot } from '../../src/bot/index.js';
import { startPolling, type Polling } from '../../src/bot/run.js';
import { loadConfig } from '../../src/config.js';
import { createSessionCipher } from '../../src/db/session-crypto.js';
import { telegramClientFactory } from '../../src/engine/clients/client-factory.js';
import { createLoginService, type LoginService } from '../../src/engine/login.js';
import type { BotApiServer, BotChatMessage } from '../../src/sandbox/bot-api/index.js';
import { createWorld, parseWorld, SANDBOX_CREDENTIALS, sandboxTransport, worldEndpoint, type SandboxWorld, type WorldInput } from '../../src/sandbox/index.js';
import { scanQrCode } from '../../src/sandbox/qr-scan.js';
import { TOKEN, startServer } from '../sandbox/bot-api/helpers.js';
import { guardConformance } from '../sandbox/bot-api/conformance-guard.js';
import { silentLogger } from '../engine/harness.js';
import { manualClock } from '../manual-clock.js';
import { until } from '../until.js';
import { createTelegramHarness, type TelegramHarness } from './telegram-harness.js';

const ADMIN = { id: 1, first_name: 'Admin' };
const QUICK = '+15550000021';
const GUARDED = '+15550000022';

const WORLD: WorldInput = {
  latencyMs: 1,
  accounts: [
    { phone: '+15550000001', userId: 7_000_001, firstName: 'Ops', code: '11111', authorized: true },
    { phone: QUICK, userId: 7_000_021, firstName: 'Quick', code: '21212', authorized: false },
    // At home on DC 4, where a new session starts: no migrate-to on the way.
    { phone: GUARDED, userId: 7_000_022, firstName: 'Guarded', code: '22222', password: 'sandbox-2fa', dc: 4, authorized: false },
  ],
  chats: [],
};

interface Panel {
  readonly world: SandboxWorld;
  readonly harness: TelegramHarness;
  readonly login: LoginService;
  readonly server: BotApiServer;
  readonly clock: ReturnType<typeof manualClock>;
  /** Every line the bot logged, at trace level. */
  readonly logs: string[];
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * The real grammY bot polling the local Bot API server, the real engine and login service with real GramJS
 * clients on the sandbox world; the world and the QR login share a clock the test moves.
 */
async function startPanel(): Promise<Panel> {
  const clock = manualClock();
  const world = createWorld(parseWorld(WORLD), { now: clock.now });
  cleanups.push(() => world.stop());
  const harness = await createTelegramHarness(WORLD, { world });
  cleanups.push(() => harness.stop());
  const clients = telegramClientFactory({ credentials: SANDBOX_CREDENTIALS, transport: sandboxTransport(worldEndpoint(world)) });
  const login = createLoginService({ engine: harness.engine, loginClient: (session, identity) => clients.loginClient(session, identity), qr: { clock } });
  cleanups.push(() => login.stop());
  const { server, url } = await startServer({ longPollSecondMs: 20, users: [ADMIN] });
  const config = loadConfig({ BOT_API_ROOT: url, BOT_TOKEN: TOKEN, ADMIN_IDS: String(ADMIN.id) });
  const logs: string[] = [];
  const bot = createBot({
    config,
    logger: pino({ level: 'trace' }, { write: (line: string) => void logs.push(line) }),
    engine: harness.engine,
    db: harness.db,
    monitors: harness.operations,
    login,
    conversationCipher: createSessionCipher('a-test-secret-for-sessions', { scryptCost: 1024 }),
  });
  const polling: Polling = await startPolling(bot);
  cleanups.push(() => polling.stop());
  return { world, harness, login, server, clock, logs };
}

const isPhoto = (m: BotChatMessage) => m.photo !== undefined;

/** The `tg://login?token=…` link in the QR code of a photo the bot sent, read off its pixels. */
async function scan(server: BotApiServer, photo: BotChatMessage): Promise<string> {
  const fileId = photo.photo?.at(-1)?.file_id;
  const file = fileId === undefined ? undefined : server.files.get(fileId);
  if (!file) throw new Error('the photo has no file');
  const text = await scanQrCode(file.bytes);
  if (text === undefined) throw new Error('no QR code in the photo');
  return text;
}

/** /addaccount, then qr: resolves with the first QR code photo. */
async function startQr(panel: Panel): Promise<BotChatMessage> {
  const asked = panel.server.waitFor((m) => m.text?.startsWith('Which account?') ?? false);
  panel.server.userSends(ADMIN, '/addaccount');
  expect((await asked).text).toContain('To log in by scanning a QR code with the phone of the account instead, send qr.');
  const photo = panel.server.waitFor(isPhoto, 10_000);
  panel.server.userSends(ADMIN, 'qr');
  return photo;
}

const inChat = (panel: Panel, messageId: number) => panel.server.history(ADMIN.id).some((m) => m.messageId === messageId);

describe('/addaccount by QR code, end to end', () => {
  it('shows the login token as a QR code; once the phone scans it the account is added and logged in, as after a code login', async () => {
    const panel = await startPanel();
    const photo = await startQr(panel);
    expect(photo.caption).toBe(
      'Open Telegram on the phone of that account → Settings → Devices → Link Desktop Device, and scan this. It refreshes by itself.\n\n/cancel stops.',
    );
    const url = await scan(panel.server, photo);
    expect(url).toMatch(/^tg:\/\/login\?token=[A-Za-z0-9_-]{43}$/);

    const added = panel.server.waitFor((m) => m.text?.startsWith('✅') ?? false, 10_000);
    // QUICK is at home on DC 2: the login moves there (auth.loginTokenMigrateTo, auth.importLoginToken).
    expect(panel.world.acceptLoginToken(QUICK, url)).toMatchObject({ ok: true });
    expect((await added).text).toBe('✅ Account #2 Quick (+1555…0021) added.');
    await until(() => !inChat(panel, photo.messageId), 'the QR code to be deleted');

    const account = panel.harness.engine.listAccounts().find((a) => a.phone === QUICK);
    expect(account).toMatchObject({ firstName: 'Quick', telegramUserId: 7_000_021 });
    const health = panel.harness.engine.submit({ kind: 'health', accountId: account!.id });
    if (health.kind !== 'queued') throw new Error(health.message);
    expect(await panel.harness.engine.waitFor(health.operation.id)).toMatchObject({ status: 'succeeded', result: { userId: 7_000_021 } });
    // The token is a secret: it reached the chat as a picture only.
    expect(panel.logs.some((line) => line.includes('QR login step'))).toBe(true);
    expect(panel.logs.join('\n')).not.toContain(url.slice('tg://login?token='.length));
    // The conversation is over: the next message is the rest of the bot's.
    const status = panel.server.waitFor((m) => m.text?.includes('Switchboard status') ?? false, 10_000);
    panel.server.userSends(ADMIN, '/status');
    await status;
    expect(panel.server.history(ADMIN.id).some((m) => m.text?.includes('Left /addaccount') ?? false)).toBe(false);
  });

  it('asks for the two-step password after the scan, answers a wrong one plainly, and adds the account with the right one', async () => {
    const panel = await startPanel();
    const photo = await startQr(panel);
    const asked = panel.server.waitFor((m) => m.text?.includes('two-step verification password') ?? false, 10_000);
    expect(panel.world.acceptLoginToken(GUARDED, await scan(panel.server, photo))).toMatchObject({ ok: true });
    expect((await asked).text).toBe('This account has a two-step verification password. Send it here.\n\nI delete your message as soon as I have read it. /cancel stops.');
    await until(() => !inChat(panel, photo.messageId), 'the QR code to be deleted');

    const wrong = panel.server.waitFor((m) => m.text?.includes('password is wrong') ?? false, 10_000);
    const first = panel.server.userSends(ADMIN, 'not-the-password');
    expect((await wrong).text).toBe('The two-step verification password is wrong.\n\nTry again, or /cancel to stop.');
    expect(inChat(panel, first.messageId)).toBe(false);

    const added = panel.server.waitFor((m) => m.text?.startsWith('✅') ?? false, 10_000);
    const second = panel.server.userSends(ADMIN, 'sandbox-2fa');
    expect((await added).text).toBe('✅ Account #2 Guarded (+1555…0022) added.');
    expect(inChat(panel, second.messageId)).toBe(false);
    expect(panel.harness.engine.listAccounts().find((a) => a.phone === GUARDED)).toMatchObject({ telegramUserId: 7_000_022 });
  });

  it('refreshes the code when its token expires: a new picture replaces the old, whose token no longer works', async () => {
    const panel = await startPanel();
    const photo = await startQr(panel);
    const first = await scan(panel.server, photo);
    const refreshed = panel.server.waitFor(isPhoto, 10_000);
    panel.clock.advance(30_000);
    const second = await scan(panel.server, await refreshed);
    expect(second).not.toBe(first);
    await until(() => !inChat(panel, photo.messageId), 'the old QR code to be deleted');
    expect(panel.world.acceptLoginToken(QUICK, first)).toEqual({ ok: false, error: 'AUTH_TOKEN_INVALIDX' });

    const added = panel.server.waitFor((m) => m.text?.startsWith('✅') ?? false, 10_000);
    expect(panel.world.acceptLoginToken(QUICK, second)).toMatchObject({ ok: true });
    expect((await added).text).toBe('✅ Account #2 Quick (+1555…0021) added.');
  });

  it('answers other messages while it waits for the scan, and gives up cleanly when nobody scans in time', async () => {
    const panel = await startPanel();
    await startQr(panel);
    const told = panel.server.waitFor((m) => m.text?.startsWith('I am waiting for the QR code') ?? false);
    const chatter = panel.server.userSends(ADMIN, 'hello?');
    await told;
    expect(inChat(panel, chatter.messageId)).toBe(false);

    const gaveUp = panel.server.waitFor((m) => m.text?.startsWith('❌') ?? false, 10_000);
    // Every 30 s a new code, for 5 minutes.
    for (let s = 0; s < 300; s += 30) panel.clock.advance(30_000);
    expect((await gaveUp).text).toBe('❌ Nobody scanned the QR code within 5 minutes.\n\nStart again with /addaccount.');
    await until(() => !panel.server.history(ADMIN.id).some(isPhoto), 'every QR code to be deleted');
    expect(panel.harness.engine.listAccounts().map((a) => a.phone)).toEqual(['+15550000001']);
    // The conversation ended with the login: the next command runs as usual.
    const status = panel.server.waitFor((m) => m.text?.includes('Switchboard status') ?? false, 10_000);
    panel.server.userSends(ADMIN, '/status');
    await status;
  });

  it('cancels mid-way, leaving no picture, login or account behind', async () => {
    const panel = await startPanel();
    // `/addaccount qr` goes straight to the code.
    const shown = panel.server.waitFor(isPhoto, 10_000);
    panel.server.userSends(ADMIN, '/addaccount qr');
    const photo = await shown;
    const cancelled = panel.server.waitFor((m) => m.text === 'Cancelled. Nothing was changed.');
    panel.server.userSends(ADMIN, '/cancel');
    await cancelled;
    await until(() => !inChat(panel, photo.messageId), 'the QR code to be deleted');
    expect(panel.harness.engine.listAccounts().map((a) => a.phone)).toEqual(['+15550000001']);
    // The conversation's state is written once the update is handled, just after the answer went out.
    const leftovers = () => panel.harness.db.sqlite.prepare(`select key from kv where key like 'login:%' or key like 'conversation:%'`).all();
    await until(() => leftovers().length === 0, 'the conversation and login state to be gone');
  });

  it('logs in by QR code as npm start runs it: the world in a thread of its own, scanned through its socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-qr-'));
    cleanups.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
    writeFileSync(join(dir, 'world.json'), JSON.stringify(WORLD));
    const config = loadConfig({ DATABASE_PATH: join(dir, 'panel.db'), SANDBOX_WORLD: join(dir, 'world.json') });
    const app = await createApp({ config, logger: silentLogger() });
    cleanups.push(() => app.stop());
    const server = guardConformance(app.botApi);
    if (!server || !app.sandbox) throw new Error('expected the sandbox with its Bot API server');
    await app.start();
    const photo = server.waitFor(isPhoto, 10_000);
    server.userSends(ADMIN, '/addaccount qr');
    const url = await scan(server, await photo);
    const added = server.waitFor((m) => m.text?.startsWith('✅') ?? false, 10_000);
    expect(await app.sandbox.endpoint.acceptLoginToken(QUICK, url)).toEqual({ ok: true, phone: QUICK });
    expect((await added).text).toBe('✅ Account #2 Quick (+1555…0021) added.');
    expect(app.engine.listAccounts().find((a) => a.phone === QUICK)).toMatchObject({ telegramUserId: 7_000_021 });
  });
});
