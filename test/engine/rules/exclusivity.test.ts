import { describe, expect, it } from 'vitest';
import type { AccountRow } from '../../../src/db/schema.js';
import { Lane } from '../../../src/engine/lane.js';
import { allowsMonitoring, leaveAccount, reserveAccount, takeFastPath, watchConflict } from '../../../src/engine/rules/exclusivity.js';

function lane(): Lane<undefined> {
  const row = { id: 1, phone: '+15550000001', label: null, paused: false, health: 'ok', stateReason: null, lastError: null, cooldownUntil: null, telegramUserId: null, username: null, firstName: null, opsTotal: 0, opsFailed: 0, floodWaits: 0, state: 'idle' } as unknown as AccountRow;
  const l = new Lane<undefined>(row, 1000);
  l.connection = 'connected';
  return l;
}

describe('exclusivity', () => {
  it('does start work at once on an idle account, and pause its queue meanwhile', () => {
    const l = lane();
    l.syncQueue(0);
    expect(takeFastPath(l, 0, false)).toBe(true);
    expect(l.fastPath).toBe(true);
    expect(l.queue.isPaused).toBe(true);
    reserveAccount(l);
    expect(takeFastPath(l, 0, false)).toBe(false);
    leaveAccount(l, true, 0);
    expect(l.fastPath).toBe(false);
    expect(l.reserved).toBe(false);
    expect(l.queue.isPaused).toBe(false);
  });

  it('does not take the fast path on an account that cannot run now', () => {
    const l = lane();
    l.paused = true;
    expect(takeFastPath(l, 0, false)).toBe(false);
    expect(l.fastPath).toBe(false);
  });

  it('does keep scrapes off an account that is monitoring, saying so', () => {
    const l = lane();
    l.monitors = 1;
    expect(allowsMonitoring({ type: 'scraping' })).toBe(false);
    expect(allowsMonitoring({ type: 'scraping', allowOnMonitoring: true })).toBe(true);
    expect(allowsMonitoring({ type: 'sending' })).toBe(true);
    expect(watchConflict(l, 1, false)?.message).toMatch(/watching chats \(monitoring\)/);
    expect(watchConflict(l, 1, true)).toBeUndefined();
  });
});
