import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig, SANDBOX_API_HASH, SANDBOX_API_ID } from '../../src/config.js';
import { catalogueProfiles } from '../../src/engine/clients/device-catalogue.js';
import type { Account } from '../../src/engine/types.js';
import type { TraceEntry, WorldInput } from '../../src/sandbox/index.js';
import { guardConformance } from '../sandbox/bot-api/conformance-guard.js';
import { until } from '../until.js';

const ADMIN = { id: 1, first_name: 'Admin' };
const A1 = '+15550000001';
const A2 = '+15550000002';
const A3 = '+15550000003';
const HASH_2040 = 'deadbeef'.repeat(4);
const HASH_777 = 'feedface'.repeat(4);
const HASHES = [HASH_2040, HASH_777, SANDBOX_API_HASH];

const WORLD: WorldInput = {
  latencyMs: 1,
  accounts: [
    { phone: A1, userId: 7_000_001, firstName: 'Ops', code: '11111', authorized: true },
    { phone: A2, userId: 7_000_002, firstName: 'Ops', code: '22222', authorized: true },
    { phone: A3, userId: 7_000_003, firstName: 'Newcomer', code: '33333', authorized: false },
  ],
  // A2's first connection finds its key unregistered: the account is dead until the admin reinstates it,
  // which connects it again (a reconnect with a new client).
  faults: [{ account: A2, method: 'help.GetConfig', afterCalls: 0, error: 'AUTH_KEY_UNREGISTERED' }],
};

const known = new Set(catalogueProfiles().map((p) => `${p.deviceModel}|${p.systemVersion}|${p.appVersion}|${p.langCode}`));
const traceDevice = (t: TraceEntry) => `${t.deviceModel}|${t.systemVersion}|${t.appVersion}|${t.langCode}`;
const accountDevice = (a: Account) => `${a.device?.deviceModel}|${a.device?.systemVersion}|${a.device?.appVersion}|${a.device?.langCode}`;

let dir: string | undefined;
let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Every log line the panel writes, at debug level, from both threads. */
function capturingLogger(lines: string[]) {
  return pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
}

async function openPanel(env: NodeJS.ProcessEnv, logs: string[]): Promise<App> {
  const config = loadConfig({
    DATABASE_PATH: join(dir!, 'panel.db'),
    SANDBOX_WORLD: join(dir!, 'world.json'),
    SANDBOX_TRACE: join(dir!, 'trace.jsonl'),
    ...env,
  });
  const panel = await createApp({ config, logger: capturingLogger(logs) });
  guardConformance(panel.botApi);
  await panel.start();
  return panel;
}

const readTrace = (): TraceEntry[] =>
  readFileSync(join(dir!, 'trace.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as TraceEntry);
const inits = (trace: readonly TraceEntry[], phone: string) => trace.filter((t) => t.method === 'InitConnection' && t.account === phone);
const byPhone = (a: App, phone: string) => a.engine.listAccounts().find((x) => x.phone === phone)!;

function botApi(a: App) {
  if (!a.botApi) throw new Error('no embedded Bot API server');
  return a.botApi;
}

/** `/addaccount` through the real bot, phone then code, up to the ✅. */
async function addAccount(a: App, phone: string, code: string): Promise<void> {
  const server = botApi(a);
  const askPhone = server.waitFor((m) => /phone/i.test(m.text ?? ''), 5000);
  server.userSends(ADMIN, '/addaccount');
  await askPhone;
  const askCode = server.waitFor((m) => /code/i.test(m.text ?? ''), 5000);
  server.userSends(ADMIN, phone);
  await askCode;
  const added = server.waitFor((m) => m.text?.startsWith('✅ Account #') ?? false, 10_000);
  server.userSends(ADMIN, code);
  await added;
}

/** Everything the chat shows the admin: texts, captions and buttons. */
const chatText = (a: App) => JSON.stringify(botApi(a).history(ADMIN.id));

describe('Device fingerprints and app credentials, end to end', () => {
  it('does present each account its own stored credential and catalogue device on every connection: at start, on a reconnect, after a restart, and already in its /addaccount login', async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-fingerprint-'));
    writeFileSync(join(dir, 'world.json'), JSON.stringify(WORLD));
    const env = { API_CREDENTIALS: `2040:${HASH_2040},777:${HASH_777}` };
    const logs: string[] = [];

    app = await openPanel(env, logs);
    // As `npm start` runs it: the accounts' clients live in the accounts thread.
    expect(logs.some((line) => line.includes('accounts thread ready'))).toBe(true);
    // The world's two authorized accounts are added at start and take the credentials in turn.
    expect([byPhone(app, A1).apiId, byPhone(app, A2).apiId]).toEqual([SANDBOX_API_ID, 2040]);
    await until(() => byPhone(app!, A2).state === 'dead', 'A2 to be dead (its key unregistered at connect)');
    expect(app.engine.setAccountHealth(byPhone(app, A2).id, 'ok', null).kind).toBe('ok');
    await until(() => byPhone(app!, A2).state === 'idle', 'A2 to be connected again');

    // A login for a new phone: the connection it opens already presents the credential and device the
    // account then keeps (the third credential in turn).
    await addAccount(app, A3, '33333');
    const first = [A1, A2, A3].map((phone) => byPhone(app!, phone));
    expect(first.map((a) => a.apiId)).toEqual([SANDBOX_API_ID, 2040, 777]);
    for (const account of first) expect(known.has(accountDevice(account)), accountDevice(account)).toBe(true);
    expect(new Set(first.map(accountDevice)).size).toBe(3);
    await until(() => byPhone(app!, A3).state === 'idle', 'A3 to be connected');

    // The account screen shows the api id and the device, never the hash.
    const server = botApi(app);
    const screen = server.waitFor((m) => m.text?.startsWith('📟 Switchboard status') ?? false, 5000);
    server.userSends(ADMIN, '/status');
    const status = await screen;
    const buttons = () => server.history(ADMIN.id).find((m) => m.messageId === status.messageId)?.replyMarkup?.inline_keyboard.flat() ?? [];
    const press = async (label: RegExp) => {
      const button = buttons().find((b) => label.test(b.text)) as { callback_data: string };
      await server.userPresses(ADMIN, status.messageId, button.callback_data);
      return server.history(ADMIN.id).find((m) => m.messageId === status.messageId)?.text ?? '';
    };
    await press(/Accounts/);
    const a3 = first[2]!;
    const accountScreen = await press(new RegExp(`#${a3.id}`));
    expect(accountScreen).toContain('API id: 777');
    expect(accountScreen).toContain(`Device: ${a3.device!.deviceModel} · ${a3.device!.systemVersion} · app ${a3.device!.appVersion}`);
    const chatBefore = chatText(app);
    await app.stop();

    // A restart on the same database: every account reconnects as it was.
    app = await openPanel(env, logs);
    await until(() => byPhone(app!, A1).state === 'idle' && byPhone(app!, A3).state === 'idle', 'A1 and A3 to be connected after the restart');
    await until(() => inits(readTrace(), A2).length >= 3, 'A2 to open its connection after the restart');
    const second = [A1, A2, A3].map((phone) => byPhone(app!, phone));
    expect(second.map((a) => ({ apiId: a.apiId, device: a.device }))).toEqual(first.map((a) => ({ apiId: a.apiId, device: a.device })));
    const chatAfter = chatText(app);
    await app.stop();
    app = undefined;

    const trace = readTrace();
    const expected: Record<string, number> = { [A1]: 2, [A2]: 3, [A3]: 2 };
    for (const account of first) {
      const lines = inits(trace, account.phone);
      // At start (and for A2 its reconnect) in the first run, then once more after the restart.
      expect(lines.length, account.phone).toBeGreaterThanOrEqual(expected[account.phone]!);
      for (const line of lines) {
        expect(line.apiId, account.phone).toBe(account.apiId);
        expect(traceDevice(line), account.phone).toBe(accountDevice(account));
      }
    }
    // The login's own connection (nobody yet: account "") sent A3's credential and device before its SendCode.
    const sendCode = trace.find((t) => t.method === 'auth.SendCode' && t.account === A3)!;
    const loginInit = trace.filter((t) => t.method === 'InitConnection' && t.t0 <= sendCode.t0 && t.apiId === 777);
    expect(loginInit.length).toBeGreaterThanOrEqual(1);
    for (const line of loginInit) expect(traceDevice(line)).toBe(accountDevice(a3));
    // Every connection of the whole test said one of the accounts' own identities: never GramJS's defaults.
    const identities = new Set(first.map((a) => `${a.apiId}|${accountDevice(a)}`));
    for (const line of trace.filter((t) => t.method === 'InitConnection')) expect(identities.has(`${line.apiId}|${traceDevice(line)}`), JSON.stringify(line)).toBe(true);

    // No hash anywhere: trace, logs (both threads), chat, or the database files in plain text.
    const database = ['panel.db', 'panel.db-wal'].map((f) => join(dir!, f)).filter(existsSync).map((f) => readFileSync(f).toString('latin1'));
    expect(logs.length).toBeGreaterThan(0);
    for (const hash of HASHES) {
      for (const [where, text] of Object.entries({ trace: readFileSync(join(dir, 'trace.jsonl'), 'utf8'), logs: logs.join(''), chat: chatBefore + chatAfter, database: database.join('') })) {
        expect(text.includes(hash), `${where} holds a hash`).toBe(false);
      }
    }
  }, 60_000);

  it('does the same with the accounts on the main thread: different catalogue devices, the one sandbox credential', async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-fingerprint-'));
    writeFileSync(join(dir, 'world.json'), JSON.stringify({ ...WORLD, faults: [] }));
    const logs: string[] = [];
    app = await openPanel({ ACCOUNTS_THREAD: 'off' }, logs);
    await until(() => byPhone(app!, A1).state === 'idle' && byPhone(app!, A2).state === 'idle', 'both accounts to be connected');
    const accounts = [A1, A2].map((phone) => byPhone(app!, phone));
    expect(logs.some((line) => line.includes('accounts thread ready'))).toBe(false);
    await app.stop();
    app = undefined;
    expect(accounts.map((a) => a.apiId)).toEqual([SANDBOX_API_ID, SANDBOX_API_ID]);
    expect(accountDevice(accounts[0]!)).not.toBe(accountDevice(accounts[1]!));
    const trace = readTrace();
    for (const account of accounts) {
      expect(known.has(accountDevice(account))).toBe(true);
      const lines = inits(trace, account.phone);
      expect(lines.length).toBeGreaterThanOrEqual(1);
      for (const line of lines) expect(`${line.apiId}|${traceDevice(line)}`).toBe(`${account.apiId}|${accountDevice(account)}`);
    }
  }, 30_000);
});
