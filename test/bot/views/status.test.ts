import { describe, expect, it } from 'vitest';
import { renderAccount, renderAccountList, renderStatus } from '../../../src/bot/views/status.js';
import type { Account, EngineStatus } from '../../../src/engine/types.js';

const ops = (id: number, username: string | null = null): Account => ({
  id,
  phone: `+1555000000${id}`,
  label: 'Ops',
  state: 'idle',
  paused: false,
  cooldownUntil: null,
  stateReason: null,
  proxy: null,
  lastError: null,
  telegramUserId: null,
  username,
  firstName: 'Ops',
  load: 0,
  running: null,
  queued: 0,
  monitors: 0,
  opsTotal: 0,
  opsFailed: 0,
  floodWaits: 0,
  apiId: 2040,
  device: { deviceModel: 'samsungSM-S918B', systemVersion: 'SDK 34', appVersion: '11.4.2 (5469)', langCode: 'en', systemLangCode: 'en-us' },
  check: null,
  nextCheckAt: null,
  budgets: [],
});

describe('status views', () => {
  it('tell accounts that share a first name apart, on /status and in /accounts', () => {
    const accounts = [ops(1, 'ops_one'), ops(2), ops(3)];
    const engine: EngineStatus = { accounts, queued: 0, activeScrapes: 0, scrapeLimit: 5, active: { scraping: 0, monitoring: 0, sending: 0, other: 0 } };
    const status = renderStatus(engine, 0);
    expect(status.text).toContain('#1 Ops (@ops_one) · idle');
    expect(status.text).toContain('#2 Ops (+1555…0002) · idle');
    expect(status.text).toContain('#3 Ops (+1555…0003) · idle');
    const list = renderAccountList(accounts, 0);
    const labels = list.keyboard?.inline_keyboard.flat().map((b) => b.text) ?? [];
    expect(labels.slice(0, 3)).toEqual(['#1 Ops (@ops_one)', '#2 Ops (+1555…0002)', '#3 Ops (+1555…0003)']);
  });

  it('lists the workers of a fleet with their accounts and when each was last seen, and none in one process', () => {
    const base: EngineStatus = { accounts: [ops(1), ops(2), ops(3)], queued: 0, activeScrapes: 0, scrapeLimit: 5, active: { scraping: 0, monitoring: 0, sending: 0, other: 0 } };
    const at = Date.UTC(2026, 11, 3, 9, 30);
    const text = renderStatus(
      {
        ...base,
        workers: [
          { name: 'scraper-1', live: true, stopping: false, heartbeatAt: at, accountIds: [1, 3] },
          { name: 'scraper-2', live: true, stopping: true, heartbeatAt: at, accountIds: [] },
          { name: 'scraper-3', live: false, stopping: false, heartbeatAt: at - 3_600_000, accountIds: [] },
        ],
      },
      at,
    ).text;
    expect(text.split('\n').slice(-4)).toEqual([
      'Workers: 2 live, 1 silent',
      '🟢 scraper-1 · 2 accounts: #1, #3 · last seen 2026-12-03 09:30 UTC',
      '🟡 stopping scraper-2 · no accounts · last seen 2026-12-03 09:30 UTC',
      '⚫ scraper-3 · no accounts · last seen 2026-12-03 08:30 UTC (silent)',
    ]);
    expect(renderStatus({ ...base, workers: [] }, at).text).toContain('No worker has started yet: start one with ROLE=worker (docs/deploy.md).');
    expect(renderStatus(base, at).text).not.toContain('Workers');
  });

  it('shows the api id and the device of an account, never its hash', () => {
    const text = renderAccount(ops(1), 0).text;
    expect(text).toContain('API id: 2040');
    expect(text).toContain('Device: samsungSM-S918B · SDK 34 · app 11.4.2 (5469)');
  });

  it('says so when an account has no api id or device yet', () => {
    const text = renderAccount({ ...ops(1), apiId: null, device: null }, 0).text;
    expect(text).toContain('API id: not assigned yet');
    expect(text).toContain('Device: not assigned yet');
  });

  it("show an account's proxy as host:port and kind on a line of its own, and no line without one", () => {
    const lines = renderAccount({ ...ops(1), proxy: { scheme: 'socks5', address: '10.0.0.1:1080' } }, 0).text.split('\n');
    expect(lines.filter((l) => l.startsWith('Proxy:'))).toEqual(['Proxy: 10.0.0.1:1080 (socks5)']);
    expect(renderAccount(ops(1), 0).text).not.toContain('Proxy');
  });

  it('show the last check on the account screen, on a line of its own', () => {
    const now = Date.UTC(2026, 11, 2, 12);
    const line = (check: Account['check']) => renderAccount({ ...ops(2), check }, now).text.split('\n').filter((l) => l.startsWith('Last check'));
    expect(line(null)).toEqual(['Last check: not yet']);
    expect(line({ verdict: 'free', until: null, checkedAt: now - 2 * 3_600_000 })).toEqual(['Last check: free (2 h ago)']);
    expect(line({ verdict: 'limited', until: Date.UTC(2026, 11, 15), checkedAt: now - 5 * 60_000 })).toEqual(['Last check: limited until 15 Dec 2026 (5 min ago)']);
    expect(line({ verdict: 'limited', until: Date.UTC(2026, 10, 15, 12, 34), checkedAt: now - 3 * 86_400_000 })).toEqual(['Last check: limited until 15 Nov 2026, 12:34 UTC (3 d ago)']);
    expect(line({ verdict: 'limited', until: null, checkedAt: now })).toEqual(['Last check: limited with no end date (just now)']);
  });

  it("shows today's budgets on the account screen, a halved cap as such", () => {
    const account: Account = {
      ...ops(1),
      budgets: [
        { action: 'join', used: 3, cap: 10, fullCap: 20, halvedUntil: 86_400_000, resetsAt: 86_400_000 },
        { action: 'send', used: 12, cap: 50, fullCap: 50, halvedUntil: null, resetsAt: 86_400_000 },
        { action: 'resolve', used: 40, cap: 100, fullCap: 100, halvedUntil: null, resetsAt: 3_600_000 },
      ],
    };
    const lines = renderAccount(account, 0).text.split('\n');
    expect(lines).toContain('Today: joins 3/10 (halved) · sends 12/50 · look-ups 40/100 (this hour)');
  });
});
