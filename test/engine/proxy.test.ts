import fc from 'fast-check';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { createSessionCipher } from '../../src/db/session-crypto.js';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { PROXY_DOWN, ProxyConnectError } from '../../src/engine/errors.js';
import type { ClientFactory, ClientRequest } from '../../src/engine/options.js';
import { parseProxyUrl, type ProxySetting } from '../../src/engine/proxy-url.js';
import { until } from '../until.js';

const cipher = createSessionCipher('a-test-secret-for-proxies', { scryptCost: 1024 });
const setting = (url: string): ProxySetting => {
  const parsed = parseProxyUrl(url);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.proxy;
};

/** A client factory that records every connect and fails those through a proxy it is told is down. */
function recordingClients() {
  const connects: Array<ClientRequest['proxy']> = [];
  const down = new Set<string>();
  const clients: ClientFactory<{ accountId: number }> = {
    connect: (request) => {
      connects.push(request.proxy);
      if (request.proxy && down.has(request.proxy.host)) return Promise.reject(new ProxyConnectError(`socks5://${request.proxy.host}:${request.proxy.port}`));
      return Promise.resolve({ accountId: request.accountId });
    },
    disconnect: () => Promise.resolve(),
  };
  return { clients, connects, down };
}

let db: DatabaseHandle | undefined;
let engine: Engine<{ accountId: number }> | undefined;
afterEach(async () => {
  await engine?.stop();
  engine = undefined;
  db?.close();
  db = undefined;
});

/** What the engine logged, line by line. */
let logs: Array<Record<string, unknown>> = [];

async function start(clients: ClientFactory<{ accountId: number }>, before?: (db: DatabaseHandle) => void) {
  db = createDatabase(':memory:');
  before?.(db);
  logs = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  engine = createEngine({ logger, db, cipher, clients });
  return engine;
}

describe('Engine proxies', () => {
  it('does move the old plaintext proxy column into the encrypted one at start, and clear it', async () => {
    const { clients, connects } = recordingClients();
    const e = await start(clients, (d) => {
      const insert = d.sqlite.prepare(`insert into accounts (phone, session_enc, proxy) values (?, ?, ?)`);
      insert.run('+15550000001', cipher.encrypt('session-1'), JSON.stringify({ type: 'socks5', ip: '10.0.0.1', port: 1080, username: 'bob', password: 'hunter2' }));
      insert.run('+15550000002', cipher.encrypt('session-2'), JSON.stringify({ type: 'mtproxy', host: 'mt.example', port: 443, secret: 'dd0123456789abcdef0123456789abcdef' }));
      insert.run('+15550000003', cipher.encrypt('session-3'), JSON.stringify({ type: 'socks5', port: 1080 }));
    });
    await e.start();
    const rows = db!.sqlite.prepare(`select id, proxy, proxy_enc, proxy_host, last_error from accounts order by id`).all() as Array<{
      id: number;
      proxy: string | null;
      proxy_enc: string | null;
      proxy_host: string | null;
      last_error: string | null;
    }>;
    expect(rows.map((r) => r.proxy)).toEqual([null, null, null]);
    expect(rows.map((r) => r.proxy_host)).toEqual(['10.0.0.1:1080', 'mt.example:443', null]);
    expect(cipher.decrypt(rows[0]!.proxy_enc!)).toBe('socks5://bob:hunter2@10.0.0.1:1080');
    expect(cipher.decrypt(rows[1]!.proxy_enc!)).toBe('https://t.me/proxy?server=mt.example&port=443&secret=dd0123456789abcdef0123456789abcdef');
    expect(rows[0]!.proxy_enc).not.toContain('hunter2');
    expect(rows[2]!.proxy_enc).toBeNull();
    expect(logs.filter((l) => l.level === 40).map((l) => [l.accountId, l.reason, l.msg])).toEqual([
      [3, 'the proxy host is missing', 'an old proxy setting could not be read and was dropped: set it again with /proxy set'],
    ]);
    expect(JSON.stringify(logs)).not.toContain('hunter2');
    // Each connect got the decrypted setting.
    expect(connects).toEqual([setting('socks5://bob:hunter2@10.0.0.1:1080'), setting('tg://proxy?server=mt.example&port=443&secret=dd0123456789abcdef0123456789abcdef'), null]);
    expect(e.listAccounts().map((a) => a.proxy)).toEqual([{ scheme: 'socks5', address: '10.0.0.1:1080' }, { scheme: 'mtproxy', address: 'mt.example:443' }, null]);
  });

  it('does mark an account whose proxy does not answer as unable to connect, not dead, and reconnect it when the proxy is cleared', async () => {
    const { clients, connects, down } = recordingClients();
    down.add('10.9.9.9');
    const e = await start(clients);
    await e.addAccount({ phone: '+15550000001', session: 'session-1', proxy: setting('socks5://10.9.9.9:1080') });
    await e.start();
    const account = e.getAccount(1)!;
    expect(account).toMatchObject({ state: 'disconnected', lastError: PROXY_DOWN, stateReason: null, proxy: { scheme: 'socks5', address: '10.9.9.9:1080' } });
    const cleared = await e.setProxy(1, null);
    expect(cleared).toMatchObject({ kind: 'ok', reconnect: 'done', account: { state: 'idle', lastError: null, proxy: null } });
    expect(connects.at(-1)).toBeNull();
    expect(db!.sqlite.prepare(`select proxy_enc, proxy_host from accounts`).get()).toEqual({ proxy_enc: null, proxy_host: null });
  });

  it('does reconnect an account through a new proxy only once its running operation has let it go', async () => {
    const { clients, connects } = recordingClients();
    let finish: () => void = () => undefined;
    const e = await start(clients);
    e.register({ kind: 'block', type: 'other', run: () => new Promise<void>((resolve) => (finish = resolve)) });
    await e.addAccount({ phone: '+15550000001', session: 'session-1' });
    await e.start();
    const submitted = e.submit({ kind: 'block' });
    if (submitted.kind !== 'queued') throw new Error(submitted.message);
    await until(() => e.getAccount(1)?.state === 'busy', 'the operation to run');
    let settled = false;
    const change = e.setProxy(1, setting('socks5://u:pw@10.0.0.7:1080')).finally(() => (settled = true));
    // Stored at once, and the connection waits for the running operation.
    await until(() => e.getAccount(1)?.proxy?.address === '10.0.0.7:1080', 'the proxy to be stored');
    expect(connects).toEqual([null]);
    expect(settled).toBe(false);
    finish();
    expect(await change).toMatchObject({ kind: 'ok', reconnect: 'done', account: { state: 'idle' } });
    expect((await e.waitFor(submitted.operation.id)).status).toBe('succeeded');
    expect(connects).toEqual([null, setting('socks5://u:pw@10.0.0.7:1080')]);
  });

  it('does keep the connection of an account whose monitors watch it, and use the new proxy at its next connect', async () => {
    const { clients, connects } = recordingClients();
    const e = await start(clients);
    e.register({
      kind: 'watch',
      type: 'monitoring',
      run: async ({ spawn }) => spawn('watch', 'monitoring', (signal) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()))),
    });
    await e.addAccount({ phone: '+15550000001', session: 'session-1' });
    await e.start();
    const watch = e.submit({ kind: 'watch' });
    if (watch.kind !== 'queued') throw new Error(watch.message);
    await e.waitFor(watch.operation.id);
    await until(() => e.getAccount(1)?.state === 'monitoring', 'the watch to run');
    expect(await e.setProxy(1, setting('socks5://10.0.0.7:1080'))).toMatchObject({ kind: 'ok', reconnect: 'monitoring', account: { state: 'monitoring', proxy: { address: '10.0.0.7:1080' } } });
    expect(connects).toEqual([null]);
    // The next connect (after a restart) goes through it.
    await e.stop();
    engine = createEngine({ logger: pino({ level: 'silent' }), db: db!, cipher, clients });
    await engine.start();
    expect(connects).toEqual([null, setting('socks5://10.0.0.7:1080')]);
  });

  it('does connect through the latest setting after any run of changes, never marking the account dead', async () => {
    const choice = fc.constantFrom('socks5://10.0.0.1:1080', 'socks5://u:pw@10.0.0.2:1080', 'socks4://10.9.9.9:1081', 'tg://proxy?server=10.0.0.3&port=443&secret=0123456789abcdef0123456789abcdef', null);
    await fc.assert(
      fc.asyncProperty(fc.array(choice, { minLength: 1, maxLength: 6 }), async (changes) => {
        const { clients, connects, down } = recordingClients();
        down.add('10.9.9.9');
        const e = await start(clients);
        await e.addAccount({ phone: '+15550000001', session: 'session-1' });
        await e.start();
        for (const url of changes) {
          const proxy = url === null ? null : setting(url);
          const result = await e.setProxy(1, proxy);
          expect(result).toMatchObject({ kind: 'ok', reconnect: 'done' });
          expect(connects.at(-1)).toEqual(proxy);
          const account = e.getAccount(1)!;
          if (proxy?.host === '10.9.9.9') expect(account).toMatchObject({ state: 'disconnected', lastError: PROXY_DOWN });
          else expect(account).toMatchObject({ state: 'idle', lastError: null });
          const row = db!.sqlite.prepare(`select proxy_enc, proxy_host from accounts`).get() as { proxy_enc: string | null; proxy_host: string | null };
          expect(row.proxy_host).toBe(account.proxy?.address ?? null);
          expect(row.proxy_enc === null ? null : parseProxyUrl(cipher.decrypt(row.proxy_enc))).toEqual(proxy === null ? null : { ok: true, proxy });
        }
        await e.stop();
        engine = undefined;
        db?.close();
        db = undefined;
      }),
      { numRuns: 25 },
    );
  });

  it('does refuse an unknown account and change nothing', async () => {
    const { clients } = recordingClients();
    const e = await start(clients);
    await e.start();
    expect(await e.setProxy(5, setting('socks5://10.0.0.1:1080'))).toEqual({ kind: 'not_found', message: 'There is no account #5.' });
  });
});
