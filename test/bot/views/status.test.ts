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
