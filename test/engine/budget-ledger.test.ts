import { describe, expect, it } from 'vitest';
import { createBudgetsRepository } from '../../src/db/repositories/budgets.js';
import { actionOfMethod, BudgetOverrunError, capAt, windowEnd, windowStart } from '../../src/engine/budget.js';
import { BudgetLedger } from '../../src/engine/budget-ledger.js';
import { budgetRefusal, formatUtc } from '../../src/engine/budget-words.js';
import { classifyError } from '../../src/engine/errors.js';
import { useMemoryDatabase } from '../db/helpers.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** 2026-03-10 14:05 UTC. */
const T = Date.UTC(2026, 2, 10, 14, 5);
const CAPS = { join: 2, send: 3, resolve: 4 };

describe('BudgetLedger', () => {
  const open = useMemoryDatabase();
  const ledgerOn = () => {
    const db = open();
    db.sqlite.prepare(`insert into accounts (id, phone, created_at, updated_at) values (1, '+15550000001', 0, 0), (2, '+15550000002', 0, 0)`).run();
    const repo = createBudgetsRepository(db);
    return { repo, ledger: new BudgetLedger(repo, CAPS) };
  };

  it('counts in calendar UTC windows: a day for joins and sends, an hour for look-ups', () => {
    expect(windowStart('join', T)).toBe(Date.UTC(2026, 2, 10));
    expect(windowEnd('send', T)).toBe(Date.UTC(2026, 2, 11));
    expect(windowStart('resolve', T)).toBe(Date.UTC(2026, 2, 10, 14));
    expect(windowEnd('resolve', T)).toBe(Date.UTC(2026, 2, 10, 15));
  });

  it('grants up to the cap, refuses past it saying when, and starts again when the window ends', () => {
    const { ledger } = ledgerOn();
    for (let i = 0; i < 2; i += 1) expect(ledger.grant(1, { join: 1 }, T).ok).toBe(true);
    const refused = ledger.grant(1, { join: 1 }, T);
    expect(refused).toMatchObject({ ok: false, action: 'join', freeAt: Date.UTC(2026, 2, 11) });
    expect(refused.ok ? '' : refused.message).toBe('Account #1 has used its 2 joins for today; it can join again at 00:00 UTC.');
    // Another account, another action: untouched.
    expect(ledger.grant(2, { join: 1 }, T).ok).toBe(true);
    expect(ledger.grant(1, { send: 1, resolve: 1 }, T).ok).toBe(true);
    expect(ledger.grant(1, { join: 1 }, Date.UTC(2026, 2, 11)).ok).toBe(true);
  });

  it('refunds what a run did not spend, but never into a window that has ended since', () => {
    const { ledger } = ledgerOn();
    const granted = ledger.grant(1, { resolve: 1, join: 1 }, T);
    if (!granted.ok) throw new Error(granted.message);
    granted.grant.take('resolve');
    expect(() => granted.grant.take('resolve')).toThrow(BudgetOverrunError);
    expect(ledger.refund(granted.grant, T)).toEqual(['join']);
    expect(ledger.refund(granted.grant, T)).toEqual([]);
    expect(ledger.view(1, T).map((b) => [b.action, b.used])).toEqual([['join', 0], ['send', 0], ['resolve', 1]]);
    // Granted at 14:59, refunded at 15:01: the 15:00 window never counted it, so nothing comes off it.
    const late = ledger.grant(1, { resolve: 2 }, Date.UTC(2026, 2, 10, 14, 59));
    if (!late.ok) throw new Error(late.message);
    ledger.grant(1, { resolve: 1 }, Date.UTC(2026, 2, 10, 15, 0));
    expect(ledger.refund(late.grant, Date.UTC(2026, 2, 10, 15, 1))).toEqual([]);
    expect(ledger.view(1, Date.UTC(2026, 2, 10, 15, 1)).find((b) => b.action === 'resolve')?.used).toBe(1);
  });

  it('counts what queued work holds when placing, not when granting the run that holds it', () => {
    const { ledger } = ledgerOn();
    const hold = ledger.hold(1, { join: 2 });
    const check = ledger.check(1, { join: 1 }, T);
    expect(check.ok ? '' : check.message).toBe(
      'Account #1 has no joins left for today: the last of its 2 joins for today are set aside for work already waiting; it can join again at 00:00 UTC.',
    );
    ledger.release(hold);
    ledger.release(hold);
    expect(ledger.check(1, { join: 2 }, T).ok).toBe(true);
  });

  it('halves a cap for 24 hours (rounded down, extended by another halving, never quartered), and persists it', () => {
    const { ledger, repo } = ledgerOn();
    ledger.halve(1, 'send', T);
    expect(ledger.view(1, T).find((b) => b.action === 'send')).toMatchObject({ cap: 1, fullCap: 3, halvedUntil: T + DAY });
    ledger.halve(1, 'send', T + HOUR);
    expect(ledger.view(1, T + HOUR).find((b) => b.action === 'send')).toMatchObject({ cap: 1, halvedUntil: T + HOUR + DAY });
    expect(ledger.view(1, T + HOUR + DAY).find((b) => b.action === 'send')).toMatchObject({ cap: 3, halvedUntil: null });
    expect(repo.forAccount(1)).toContainEqual({ accountId: 1, action: 'send', windowStart: Date.UTC(2026, 2, 10), used: 0, halvedUntil: T + HOUR + DAY });
    // A new ledger on the same rows (a restart) sees the halving and the count.
    ledger.grant(1, { send: 1 }, T + HOUR);
    const again = new BudgetLedger(repo, CAPS);
    const refused = again.check(1, { send: 1 }, T + 2 * HOUR);
    expect(refused).toMatchObject({ ok: false, freeAt: Date.UTC(2026, 2, 11) });
    expect(refused.ok ? '' : refused.message).toBe(
      'Account #1 has used its 1 message for today (halved after Telegram flood-limited it); it can send messages again at 00:00 UTC.',
    );
  });

  it('waits for the halving to end when a cap of 1 is halved to 0', () => {
    const repo = ledgerOn().repo;
    const ledger = new BudgetLedger(repo, { join: 1, send: 1, resolve: 1 });
    ledger.halve(1, 'resolve', T);
    const refused = ledger.check(1, { resolve: 1 }, T + HOUR);
    expect(refused).toMatchObject({ ok: false, freeAt: T + DAY });
    expect(refused.ok ? '' : refused.message).toBe(
      'Account #1 may make no username look-ups for now: its cap is halved to 0 after Telegram flood-limited it; it can look up usernames again at 14:05 UTC.',
    );
    expect(capAt(1, T + DAY, T + DAY)).toBe(1);
  });
});

describe('budget words', () => {
  it('gives the time alone within a day, with its date beyond', () => {
    expect(formatUtc(Date.UTC(2026, 2, 11), T)).toBe('00:00 UTC');
    expect(formatUtc(T + 2 * DAY, T)).toBe('2026-03-12 14:05 UTC');
  });

  it('says when a cap is too small to ever fit', () => {
    expect(budgetRefusal({ accountId: 3, action: 'join', used: 0, held: 0, cap: 1, halved: false, freeAt: null, now: T })).toBe(
      'Account #3 cannot make that many joins within its 1 join for today; its cap is too small for this operation.',
    );
  });
});

describe('budgeted Telegram methods', () => {
  it('maps the budgeted methods to their actions, and nothing else', () => {
    expect(['contacts.ResolveUsername', 'channels.JoinChannel', 'messages.ImportChatInvite', 'messages.SendMessage', 'messages.CheckChatInvite', 'channels.GetParticipants', undefined].map(actionOfMethod)).toEqual([
      'resolve',
      'join',
      'join',
      'send',
      undefined,
      undefined,
      undefined,
    ]);
  });

  it("reads the method of a GramJS RPC error from its message (GramJS keeps no request on it)", () => {
    // As GramJS's RPCError and FloodWaitError word it (telegram/errors/RPCBaseErrors.js, RPCErrorList.js).
    const peerFlood = Object.assign(new Error('400: PEER_FLOOD (caused by channels.JoinChannel)'), { errorMessage: 'PEER_FLOOD', code: 400 });
    const flood = Object.assign(new Error('A wait of 600 seconds is required (caused by messages.SendMessage)'), { errorMessage: 'FLOOD', code: 420, seconds: 600 });
    expect(classifyError(peerFlood)).toMatchObject({ kind: 'limited', method: 'channels.JoinChannel' });
    expect(classifyError(flood)).toMatchObject({ kind: 'flood', seconds: 600, method: 'messages.SendMessage' });
    expect(classifyError(Object.assign(new Error('400: PEER_FLOOD'), { errorMessage: 'PEER_FLOOD' }))).not.toHaveProperty('method');
  });
});
