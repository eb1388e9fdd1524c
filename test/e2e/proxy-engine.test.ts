import { afterEach, describe, expect, it } from 'vitest';
import { PROXY_DOWN } from '../../src/engine/errors.js';
import { PROXY_CHECK, type ProxyCheckResult } from '../../src/engine/operations/index.js';
import { parseProxyUrl, type ProxySetting } from '../../src/engine/proxy-url.js';
import { createTelegramHarness, submitOk, worldAccounts, type TelegramHarness } from './telegram-harness.js';

const setting = (url: string): ProxySetting => {
  const parsed = parseProxyUrl(url);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.proxy;
};

const WORLD = {
  latencyMs: 1,
  accounts: worldAccounts(1),
  proxies: [{ url: 'socks5://ops:pa55word@127.0.0.1:1080', works: true, latencyMs: 30 }, { url: 'socks5://10.0.0.3:1082', works: false }],
};

let harness: TelegramHarness | undefined;
afterEach(async () => {
  await harness?.stop();
  harness = undefined;
});

describe('Engine proxies with GramJS', () => {
  it.each([
    ['in this thread', false],
    ['in the accounts thread', true],
  ])('does connect through the proxy set, answer a ping in its round trip, and mark a dead one (%s)', async (_, threaded) => {
    harness = await createTelegramHarness(WORLD, { threaded });
    const { engine, trace } = harness;
    expect(engine.getAccount(1)?.state).toBe('idle');

    const set = await engine.setProxy(1, setting('socks5://ops:pa55word@127.0.0.1:1080'));
    expect(set).toMatchObject({ kind: 'ok', reconnect: 'done', account: { state: 'idle', proxy: { scheme: 'socks5', address: '127.0.0.1:1080' } } });
    const init = trace.filter((t) => t.method === 'InitConnection').at(-1);
    expect(init).toMatchObject({ ok: true, proxy: 'socks5://127.0.0.1:1080' });
    const ping = await engine.waitFor(submitOk(engine, { kind: PROXY_CHECK, accountId: 1 }).id);
    expect(ping.status).toBe('succeeded');
    expect((ping.result as ProxyCheckResult).rttMs).toBeGreaterThanOrEqual(30);

    const wrong = await engine.setProxy(1, setting('socks5://ops:guess@127.0.0.1:1080'));
    expect(wrong).toMatchObject({ kind: 'ok', account: { state: 'disconnected', lastError: PROXY_DOWN } });
    const dead = await engine.setProxy(1, setting('socks5://10.0.0.3:1082'));
    expect(dead).toMatchObject({ kind: 'ok', account: { state: 'disconnected', lastError: PROXY_DOWN } });
    // Not dead: back through no proxy, it works at once.
    const cleared = await engine.setProxy(1, null);
    expect(cleared).toMatchObject({ kind: 'ok', account: { state: 'idle', lastError: null, proxy: null } });
    expect(trace.filter((t) => t.method === 'InitConnection').at(-1)).toMatchObject({ ok: true, proxy: null });
    expect(JSON.stringify(trace)).not.toContain('pa55word');
  });
});
