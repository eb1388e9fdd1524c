import { existsSync, readFileSync } from 'node:fs';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { callbackData } from '../../src/bot/callback-data.js';
import { createAuditRepository } from '../../src/db/repositories/audit.js';
import type { BotChatMessage } from '../../src/sandbox/bot-api/index.js';
import type { WorldInput } from '../../src/sandbox/index.js';
import { until } from '../until.js';
import { botApiOf, panelApps } from './panel-app.js';

const ADMIN = { id: 1, first_name: 'Admin' };
const PASSWORD = 'hunter2-proxy-pass';
const MT_SECRET = 'dd0123456789abcdef0123456789abcdef';
const WORKING = `socks5://bob:${PASSWORD}@127.0.0.1:1080`;
const DEAD = 'socks4://10.0.0.9:1081';

const account = (n: number) => ({ phone: `+1555000000${n}`, userId: 7_000_000 + n, firstName: 'Ops', code: '11111', authorized: true });

const WORLD: WorldInput = {
  latencyMs: 1,
  accounts: [account(1), account(2), account(3)],
  proxies: [
    { url: WORKING, works: true, latencyMs: 40 },
    { url: DEAD, works: false },
    { url: 'socks5://127.0.0.2:1080', works: true, latencyMs: 5 },
    { url: `mtproxy://${MT_SECRET}@10.0.0.3:443`, works: true, latencyMs: 10 },
  ],
};

let logs: string[] = [];
const panels = panelApps('switchboard-proxy-');

/** The whole panel as `npm start` builds it (accounts thread, sandbox over its socket), its log captured. */
async function startPanel(): Promise<App> {
  logs = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
  const app = await panels.start(WORLD, { logger });
  await until(() => app.engine.listAccounts().every((a) => a.state === 'idle'), 'the accounts to connect');
  return app;
}

const api = botApiOf;
const trace = () => panels.trace();

/** Sends `text` and resolves with the first bot message (sent or edited) from then on that matches. */
function ask(a: App, text: string, match: (m: BotChatMessage) => boolean): Promise<BotChatMessage> {
  const reply = api(a).waitFor(match, 20_000);
  api(a).userSends(ADMIN, text);
  return reply;
}

/** The bot's messages after `since` (a message id), in order. */
const botTexts = (a: App, since: number) =>
  api(a)
    .history(ADMIN.id)
    .filter((m) => m.sender === 'bot' && m.messageId > since)
    .map((m) => m.text);

/** The SQLite file and its write-ahead log, as bytes. */
const databaseBytes = () =>
  Buffer.concat(['panel.db', 'panel.db-wal'].map((f) => panels.path(f)).filter(existsSync).map((f) => readFileSync(f)));

describe('Proxies, end to end', () => {
  it('does connect through a set proxy, measure it, mark a dead one, and recover after /proxy clear; the password is never shown', async () => {
    const a = await startPanel();
    const server = api(a);
    const since = Date.now();
    // In the command menu and in /help.
    expect(server.myCommands({ type: 'chat', chat_id: ADMIN.id }).map((c) => c.command)).toContain('proxy');
    const help = await ask(a, '/help', (m) => m.text?.startsWith('Switchboard drives') ?? false);
    expect(help.text).toContain('\n/proxy set ID URL · /proxy clear ID · /proxy check [ID] · /proxy import (a .txt file, one URL a line)\n');

    const setReply = await ask(a, `/proxy set 1 ${WORKING}`, (m) => m.text?.startsWith('✅ Account #1') ?? false);
    expect(setReply.text).toBe('✅ Account #1 Ops (+1555…0001) now uses socks5://bob:•••@127.0.0.1:1080; it is idle.');
    // The message that held the password is gone from the chat.
    expect(server.history(ADMIN.id).some((m) => m.text?.includes(PASSWORD))).toBe(false);

    const check = await ask(a, '/proxy check 1', (m) => m.text?.startsWith('🔌 Proxy check') ?? false);
    const rtt = Number(/round trip (\d+) ms/.exec(check.text ?? '')?.[1]);
    expect(check.text).toMatch(/^🔌 Proxy check\n\n#1 Ops \(\+1555…0001\) · 127\.0\.0\.1:1080 \(socks5\): answers, round trip \d+ ms$/);
    expect(rtt).toBeGreaterThanOrEqual(40);

    const dead = await ask(a, `/proxy set 2 ${DEAD}`, (m) => m.text?.startsWith('✅ Account #2') ?? false);
    expect(dead.text).toBe('✅ Account #2 Ops (+1555…0002) now uses socks4://10.0.0.9:1081; cannot connect: proxy does not answer.');
    expect(a.engine.getAccount(2)).toMatchObject({ state: 'disconnected', lastError: 'cannot connect: proxy does not answer', stateReason: null });

    // The account screen says why, and shows the proxy's host alone.
    const list = await ask(a, '/accounts', (m) => m.text?.startsWith('👤 Accounts') ?? false);
    const screen = server.waitFor((m) => m.text?.startsWith('👤 Account #2') ?? false, 10_000);
    await server.userPresses(ADMIN, list.messageId, callbackData.account(2));
    const shown = (await screen).text ?? '';
    expect(shown).toContain('State: disconnected\n');
    expect(shown).toContain('\nLast error: cannot connect: proxy does not answer\n');
    expect(shown).toContain('\nProxy: 10.0.0.9:1081 (socks4)\n');

    const all = await ask(a, '/proxy check', (m) => m.text?.startsWith('🔌 Proxy check') ?? false);
    expect(all.text).toMatch(/^🔌 Proxy check\n\n#1 Ops \(\+1555…0001\) · 127\.0\.0\.1:1080 \(socks5\): answers, round trip \d+ ms\n#2 Ops \(\+1555…0002\) · 10\.0\.0\.9:1081 \(socks4\): does not answer$/);
    expect(a.engine.getAccount(2)?.state).not.toBe('dead');

    const cleared = await ask(a, '/proxy clear 2', (m) => m.text?.startsWith('✅ Account #2') ?? false);
    expect(cleared.text).toBe('✅ Account #2 Ops (+1555…0002) no longer uses a proxy; it is idle.');
    const mt = await ask(a, `/proxy set 3 tg://proxy?server=10.0.0.3&port=443&secret=${MT_SECRET}`, (m) => m.text?.startsWith('✅ Account #3') ?? false);
    expect(mt.text).toBe('✅ Account #3 Ops (+1555…0003) now uses mtproxy://10.0.0.3:443; it is idle.');
    expect(server.history(ADMIN.id).some((m) => m.text?.includes(MT_SECRET))).toBe(false);

    const audit = JSON.stringify(await createAuditRepository(a.db).recent(50));
    await a.stop();
    const lines = trace().filter((t) => t.t0 >= since);
    // Each account's connection after its change says which proxy it came through, without the password.
    const inits = (phone: string) => lines.filter((t) => t.method === 'InitConnection' && t.account === phone && 'ok' in t);
    expect(inits('+15550000001').at(-1)?.proxy).toBe('socks5://127.0.0.1:1080');
    expect(inits('+15550000002').at(-1)?.proxy).toBeNull();
    expect(inits('+15550000003').at(-1)?.proxy).toBe('mtproxy://10.0.0.3:443');
    // Every request of account 1 through the proxy takes its round trip.
    const throughProxy = lines.filter((t) => t.account === '+15550000001' && t.t0 >= (inits('+15550000001').at(-1)?.t0 ?? Infinity));
    expect(throughProxy.length).toBeGreaterThanOrEqual(2);
    for (const t of throughProxy) expect(t.t1 - t.t0, t.method).toBeGreaterThanOrEqual(40);
    // The password and the secret appear nowhere: trace, logs, chat, audit, database.
    const everything = [readFileSync(panels.path('trace.jsonl'), 'utf8'), logs.join('\n'), JSON.stringify(server.history(ADMIN.id)), audit];
    for (const text of everything) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(MT_SECRET);
    }
    expect(databaseBytes().includes(PASSWORD)).toBe(false);
    expect(botTexts(a, 0).some((t) => t?.includes('•••'))).toBe(true);
  });

  it('does bind an imported list in account order, and answer bad input in plain words, changing nothing', async () => {
    const a = await startPanel();
    const server = api(a);
    const audit = createAuditRepository(a.db);
    const handled = async () => (await audit.recent(100)).filter((row) => row.userId === ADMIN.id).length;
    const proxies = () => a.engine.listAccounts().map((acc) => acc.proxy?.address ?? null);
    await ask(a, '/proxy set 2 socks5://127.0.0.2:1080', (m) => m.text?.startsWith('✅ Account #2') ?? false);
    // Its audit row is written once the update is handled, every answer to it sent.
    await until(async () => (await handled()) === 1, 'the first command to be handled');
    const before = await handled();
    const bad: Array<[input: string | { file: string; bytes: string }, answer: string | RegExp]> = [
      ['/proxy', /^A proxy per account:\n\/proxy set ID URL/],
      ['/proxy frob', /^\/proxy does not know "frob"\.\n\nA proxy per account:/],
      ['/proxy set 9 socks5://127.0.0.2:1080', 'There is no account #9. /accounts lists them.'],
      ['/proxy set x socks5://127.0.0.2:1080', 'The account number must be a whole number (got "x").'],
      ['/proxy set 1', /^The proxy URL is missing\.\n\nA proxy per account:/],
      ['/proxy set 1 http://127.0.0.1:8080', /^That proxy URL cannot be used: http:\/\/ proxies are not supported; use socks5:\/\/.+ Nothing was changed\.$/],
      ['/proxy set 1 socks5://127.0.0.1', 'That proxy URL cannot be used: the port is missing (add :PORT after the host, e.g. :1080). Nothing was changed.'],
      ['/proxy set 1 socks5://127.0.0.1:99999', 'That proxy URL cannot be used: the port must be from 1 to 65535 (got 99999). Nothing was changed.'],
      ['/proxy set 1 socks5://bob@127.0.0.1:1080', 'That proxy URL cannot be used: the proxy has a user but no password: write socks5://user:password@host:port. Nothing was changed.'],
      ['/proxy set 1 tg://proxy?server=h&port=443&secret=abcd', /^That proxy URL cannot be used: the MTProxy secret must be 16 bytes/],
      ['/proxy clear 1', 'Account #1 Ops (+1555…0001) has no proxy; nothing was changed.'],
      ['/proxy check 3', 'Account #3 Ops (+1555…0003) has no proxy. Set one with /proxy set 3 URL.'],
      ['/proxy import', 'Send the proxies as a .txt file with the caption /proxy import, one URL a line.'],
      [{ file: 'empty.txt', bytes: '\n# nothing\n\n' }, 'The file has no proxies in it: put one URL a line. Nothing was changed.'],
      [{ file: 'big.txt', bytes: 'socks5://127.0.0.1:1080\n'.repeat(3000) }, 'The list is too big (70 KB); send at most 64 KB. Nothing was changed.'],
      [
        { file: 'bad.txt', bytes: 'socks5://127.0.0.1:1080\nsocks5://127.0.0.1\nftp://x:1\nsocks5://127.0.0.1:1080\n' },
        /^Nothing was changed: 3 lines are not usable\.\nline 2: the port is missing \(add :PORT after the host, e\.g\. :1080\)\nline 3: ftp:\/\/ proxies are not supported; .+\nline 4: the same proxy as line 1$/,
      ],
      [{ file: 'many.txt', bytes: ['a', 'b', 'c', 'd'].map((h) => `socks5://${h}.example:1080`).join('\n') }, 'The file has 4 proxies but there are only 3 accounts; nothing was changed. Send at most one proxy per account.'],
    ];
    for (const [input, answer] of bad) {
      const count = await handled();
      const sent =
        typeof input === 'string' ? server.userSends(ADMIN, input) : server.userSendsDocument(ADMIN, { file_name: input.file, bytes: input.bytes, caption: '/proxy import' });
      await until(async () => (await handled()) === count + 1, `the answer to ${typeof input === 'string' ? input : input.file}`);
      const replies = botTexts(a, sent.messageId);
      const what = typeof input === 'string' ? input : input.file;
      expect(replies, what).toEqual([typeof answer === 'string' ? answer : expect.stringMatching(answer)]);
      expect(proxies(), `proxies after ${what}`).toEqual([null, '127.0.0.2:1080', null]);
    }
    expect(await handled()).toBe(before + bad.length);
    // A URL that may have carried a password or a secret is deleted even when it could not be used; others stay.
    const userTexts = server.history(ADMIN.id).filter((m) => m.sender === 'user').map((m) => m.text);
    expect(userTexts).toContain('/proxy set 1 socks5://127.0.0.1');
    expect(userTexts).not.toContain('/proxy set 1 socks5://bob@127.0.0.1:1080');
    expect(userTexts).not.toContain('/proxy set 1 tg://proxy?server=h&port=443&secret=abcd');

    // Two proxies for the two accounts without one, in account order; the dead one is bound and said so.
    const done = server.waitFor((m) => m.text?.startsWith('✅ 2 proxies bound') ?? false, 20_000);
    const file = server.userSendsDocument(ADMIN, { file_name: 'proxies.txt', bytes: `# fleet\n${WORKING}\n${DEAD}\n`, caption: '/proxy import' });
    expect((await done).text).toBe(
      [
        '✅ 2 proxies bound, in account order:',
        '#1 Ops (+1555…0001) → socks5://bob:•••@127.0.0.1:1080 (line 2; it is idle)',
        '#3 Ops (+1555…0003) → socks4://10.0.0.9:1081 (line 3; cannot connect: proxy does not answer)',
      ].join('\n'),
    );
    expect(proxies()).toEqual(['127.0.0.1:1080', '127.0.0.2:1080', '10.0.0.9:1081']);
    // The list held a password: it is gone from the chat.
    expect(server.history(ADMIN.id).some((m) => m.messageId === file.messageId)).toBe(false);

    await until(async () => (await handled()) === before + bad.length + 1, 'the import to be handled');
    const count = await handled();
    const none = server.userSendsDocument(ADMIN, { file_name: 'more.txt', bytes: 'socks5://127.0.0.5:1080\n', caption: '/proxy import' });
    await until(async () => (await handled()) === count + 1, 'the answer to a list with no account free');
    expect(botTexts(a, none.messageId)).toEqual(['Every account has a proxy already; nothing was changed. /proxy clear ID frees one.']);
  });
});
