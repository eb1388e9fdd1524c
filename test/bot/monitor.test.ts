import { afterEach, describe, expect, it, vi } from 'vitest';
import { excerpt, messageLink, renderHit } from '../../src/bot/services/monitor-alerts.js';
import { createMonitorsRepository } from '../../src/db/repositories/monitors.js';
import type { MonitorHit } from '../../src/engine/index.js';
import { until } from '../until.js';
import { ADMIN, controlledRunner, createBotHarness, flush, type BotHarness } from './harness.js';

let h: BotHarness | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await h?.close();
  h = undefined;
});

const hit = (over: Partial<MonitorHit> = {}): MonitorHit => ({
  monitorId: 1,
  accountId: 1,
  chatId: 1001,
  chatTitle: 'Big chat',
  chatUsername: 'bigchat',
  messageId: 55,
  senderId: 10_000_042,
  senderName: 'First42 Last42',
  text: 'anyone selling a used bike?',
  keyword: 'bike',
  at: 0,
  ...over,
});

describe('monitor alerts', () => {
  it('sends hits within 2 s as one message to the monitor report chat', async () => {
    h = await createBotHarness();
    const monitors = createMonitorsRepository(h.db);
    await monitors.create({ target: '@bigchat', keywords: ['bike'], reportChatId: -100500, createdBy: ADMIN });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    h.engine.emitMonitorHit(hit({ messageId: 1 }));
    await vi.advanceTimersByTimeAsync(500);
    h.engine.emitMonitorHit(hit({ messageId: 2 }));
    await vi.advanceTimersByTimeAsync(1000);
    h.engine.emitMonitorHit(hit({ messageId: 3 }));
    expect(h.of('sendMessage')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(500);
    const sent = h.of('sendMessage');
    expect(sent).toHaveLength(1);
    expect(sent[0]?.payload.chat_id).toBe(-100500);
    const text = String(sent[0]?.payload.text);
    expect(text.startsWith('3 keyword hits')).toBe(true);
    for (const id of [1, 2, 3]) expect(text).toContain(`https://t.me/bigchat/${id}`);

    // A later hit starts a new batch.
    h.engine.emitMonitorHit(hit({ messageId: 4 }));
    await vi.advanceTimersByTimeAsync(2000);
    expect(h.of('sendMessage')).toHaveLength(2);
    expect(String(h.of('sendMessage')[1]?.payload.text)).toMatch(/^🔔 Big chat · monitor #1/);
  });

  it('sends hits of a monitor with no report chat to the first admin', async () => {
    h = await createBotHarness({ bot: { alertWindowMs: 10 } });
    h.engine.emitMonitorHit(hit({ monitorId: 99 }));
    const harness = h;
    await until(() => harness.of('sendMessage').length > 0, 'the alert');
    expect(h.of('sendMessage')[0]?.payload.chat_id).toBe(ADMIN);
  });

  it('shows chat, sender, keyword, a short excerpt and a link', () => {
    const long = `${'word '.repeat(120)}here is the bike you wanted ${'tail '.repeat(50)}`;
    const text = renderHit(hit({ text: long }));
    expect(text).toContain('🔔 Big chat · monitor #1');
    expect(text).toContain('From: First42 Last42 (id 10000042)');
    expect(text).toContain('Keyword: bike');
    const quoted = /“(.*)”/s.exec(text)?.[1] ?? '';
    expect(quoted.length).toBeLessThanOrEqual(300);
    expect(quoted).toContain('bike');
    expect(excerpt('short text', 'x')).toBe('short text');
    expect(messageLink(hit())).toBe('https://t.me/bigchat/55');
    expect(messageLink(hit({ chatUsername: null }))).toBe('https://t.me/c/1001/55');
  });
});

describe('/monitor', () => {
  it('adds a monitor as an operation with the keywords, lists and stops monitors', async () => {
    const monitor = controlledRunner('monitor', 'monitoring');
    h = await createBotHarness({ register: (e) => e.register(monitor.definition) });
    await h.send('/monitor add @bigchat bike "used car" /sell(ing)?/i');
    const [op] = h.engine.listOperations();
    expect(op).toMatchObject({
      kind: 'monitor',
      params: { target: '@bigchat', keywords: ['bike', 'used car', '/sell(ing)?/i'], createdBy: ADMIN, reportChatId: ADMIN },
      reportChatId: ADMIN,
    });

    const monitors = createMonitorsRepository(h.db);
    await monitors.create({ target: '@bigchat', keywords: ['bike', 'used car'], accountId: 2 });
    await monitors.create({ target: '@other_chat', keywords: ['x'] });
    h.clear();
    await h.send('/monitor list');
    const list = h.texts()[0] ?? '';
    expect(list).toContain('Monitors: 2 active');
    expect(list).toContain('👁 #1 @bigchat · bike, used car · 0 hits · account #2');

    await h.send('/monitor stop 1');
    expect(h.stopped).toEqual([1]);
    expect(h.texts().at(-1)).toBe('⏹ Monitor #1 on @bigchat stopped.');
    await h.send('/monitor stop 1');
    expect(h.texts().at(-1)).toBe('Monitor #1 is already stopped.');
    expect(h.stopped).toEqual([1]);
    await flush();
  });
});

describe('account alerts', () => {
  it('tells the report chat when an account dies or is limited, once per change', async () => {
    h = await createBotHarness({ env: { REPORT_CHAT_ID: '-100777' } });
    const { engine } = h;
    engine.setAccountHealth(1, 'dead', 'The session was revoked.');
    engine.setAccountHealth(1, 'dead', 'The session was revoked.');
    engine.setAccountHealth(2, 'limited', 'PEER_FLOOD');
    await flush();
    const sent = h.of('sendMessage');
    expect(sent.map((c) => c.payload.chat_id)).toEqual([-100777, -100777]);
    expect(String(sent[0]?.payload.text)).toMatch(/^💀 Account #1 \+15550000001 is dead: The session was revoked\./);
    expect(String(sent[1]?.payload.text)).toMatch(/^🟠 Account #2 \+15550000002 is limited by Telegram: PEER_FLOOD\./);
  });
});
