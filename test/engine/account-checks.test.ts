import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDatabase } from '../../src/db/client.js';
import type { Engine, RunnerDefinition } from '../../src/engine/index.js';
import type { CheckResult, CheckVerdict } from '../../src/engine/operations/index.js';
import { checkOperation } from '../../src/engine/operations/check.js';
import { recordCheckResults, startDailyChecks } from '../../src/engine/operations/check-schedule.js';
import { Priority, type AccountCheck } from '../../src/engine/types.js';
import { onFakeClock, realTurns } from './fake-clock.js';
import { createHarness, silentLogger, type Harness } from './harness.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Work that takes no time, so only the engine's placement decides where it runs. */
const work: RunnerDefinition = { kind: 'work', type: 'sending', run: () => Promise.resolve('done') };

/** Stands in for the check's GramJS work: answers what `verdicts` says for the account, and counts its runs. */
function checkStandIn(verdicts: Map<number, CheckVerdict>, runs: Array<{ accountId: number; at: number }>): RunnerDefinition {
  // The real definition (kind, priority, runs on limited accounts) with the GramJS work replaced.
  const real = checkOperation({ recordHealthCheck: () => undefined });
  return {
    ...(real as unknown as RunnerDefinition),
    run: ({ account }) => {
      runs.push({ accountId: account.id, at: Date.now() });
      const result: CheckResult = { alive: true, verdict: verdicts.get(account.id) ?? { kind: 'free' } };
      return Promise.resolve(result);
    },
  };
}

let h: Harness | undefined;
afterEach(async () => {
  if (h) await onFakeClock(h.engine.stop());
  h = undefined;
  vi.useRealTimers();
});

async function fakeHarness(accounts: number, register?: (engine: Engine) => void, db = createDatabase(':memory:')) {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  vi.setSystemTime(Date.UTC(2026, 11, 2, 12));
  h = await onFakeClock(createHarness(accounts, { db, register: (e) => (e.register(work), register?.(e)) }));
  return h;
}

describe('Account checks in the engine', () => {
  it('takes a limited account out of rotation and brings it back by itself when its date passes', async () => {
    const { engine } = await fakeHarness(2);
    const until = Date.now() + 3 * DAY + 5_000;
    expect(engine.recordCheck(1, { kind: 'limited', until }, null).kind).toBe('ok');
    expect(engine.getAccount(1)).toMatchObject({ state: 'limited', stateReason: 'limited by @SpamBot until 2026-12-05' });
    expect(engine.submit({ kind: 'work', accountId: 1 })).toMatchObject({ kind: 'refused', reason: 'limited' });
    const unpinned = engine.submit({ kind: 'work' });
    if (unpinned.kind !== 'queued') throw new Error(unpinned.message);
    expect((await onFakeClock(engine.waitFor(unpinned.operation.id))).accountId).toBe(2);
    // A second before the end it is still out; at the end it is back, with no check and no admin.
    await vi.advanceTimersByTimeAsync(until - Date.now() - 1000);
    expect(engine.getAccount(1)?.state).toBe('limited');
    await vi.advanceTimersByTimeAsync(1000);
    await realTurns();
    expect(engine.getAccount(1)).toMatchObject({ state: 'idle', stateReason: null });
    expect(engine.submit({ kind: 'work', accountId: 1 }).kind).toBe('queued');
  });

  it('keeps the date across a restart: the new engine brings the account back from spam_until', async () => {
    const db = createDatabase(':memory:');
    const first = await fakeHarness(1, undefined, db);
    const until = Date.now() + 2 * DAY;
    first.engine.recordCheck(1, { kind: 'limited', until }, null);
    await onFakeClock(first.engine.stop());
    h = await onFakeClock(createHarness(0, { db, register: (e) => e.register(work) }));
    expect(h.engine.getAccount(1)).toMatchObject({ state: 'limited', check: { verdict: 'limited', until } });
    await vi.advanceTimersByTimeAsync(2 * DAY);
    await realTurns();
    expect(h.engine.getAccount(1)?.state).toBe('idle');
  });

  it('follows the latest verdict: a limit extended by a later check ends at the new date, not the old one', async () => {
    const { engine } = await fakeHarness(1);
    const first = Date.now() + DAY;
    const later = Date.now() + 3 * DAY;
    engine.recordCheck(1, { kind: 'limited', until: first }, null);
    engine.recordCheck(1, { kind: 'limited', until: later }, null);
    // The first verdict's timer is cancelled (its task leaves the registry a turn later).
    await realTurns();
    expect(engine.tasks.list().filter((t) => t.name.startsWith('@SpamBot limit'))).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2 * DAY);
    expect(engine.getAccount(1)).toMatchObject({ state: 'limited', stateReason: 'limited by @SpamBot until 2026-12-05' });
    await vi.advanceTimersByTimeAsync(DAY);
    await realTurns();
    expect(engine.getAccount(1)?.state).toBe('idle');
  });

  it('lets a check that finds the account free bring it back, and leaves a limit without end date alone', async () => {
    const { engine } = await fakeHarness(2);
    engine.recordCheck(1, { kind: 'limited', until: null }, null);
    engine.recordCheck(2, { kind: 'limited', until: null }, null);
    await vi.advanceTimersByTimeAsync(400 * DAY);
    expect(engine.getAccount(1)?.state).toBe('limited');
    engine.recordCheck(1, { kind: 'free' }, null);
    expect(engine.getAccount(1)).toMatchObject({ state: 'idle', stateReason: null, check: { verdict: 'free', until: null } });
    expect(engine.getAccount(2)?.state).toBe('limited');
  });

  it('checks every account once a day by itself, spread by the jitter, at the lowest priority, and reports each change', async () => {
    const verdicts = new Map<number, CheckVerdict>();
    const runs: Array<{ accountId: number; at: number }> = [];
    const changes: Array<[number, AccountCheck | null, AccountCheck | null]> = [];
    // Jitter draws in turn: first checks at +5 min + 0, 30 and 45 min; next ones a day later, 1 h early, on time, 30 min late.
    const draws = [0, 0.5, 0.75, 0, 0.5, 0.75];
    let draw = 0;
    const options = { random: () => draws[draw++ % draws.length] ?? 0 };
    const { engine } = await fakeHarness(3, (e) => {
      e.register(checkStandIn(verdicts, runs));
      recordCheckResults(e, silentLogger(), options);
      e.events.on('account:check', (account, previous) => changes.push([account.id, previous, account.check]));
    });
    const start = Date.now();
    startDailyChecks(engine, options);
    // Below every kind of admins' work.
    expect(checkOperation({ recordHealthCheck: () => undefined }).priority).toBeLessThan(Math.min(...Object.values(Priority)));
    await vi.advanceTimersByTimeAsync(5 * 60_000 + HOUR);
    await realTurns();
    expect(runs.map((r) => [r.accountId, r.at - start])).toEqual([
      [1, 5 * 60_000],
      [2, 5 * 60_000 + HOUR / 2],
      [3, 5 * 60_000 + (3 * HOUR) / 4],
    ]);
    // The next ones: a day after each, within the hour of jitter either way.
    const next = engine.listAccounts().map((a) => (a.nextCheckAt ?? 0) - (a.check?.checkedAt ?? 0));
    expect(next).toEqual([DAY - HOUR, DAY, DAY + HOUR / 2]);
    verdicts.set(2, { kind: 'limited', until: null });
    await vi.advanceTimersByTimeAsync(DAY + HOUR);
    await realTurns();
    expect(runs).toHaveLength(6);
    const checks = engine.listOperations({ includeInternal: true, limit: 10 }).filter((op) => op.kind === 'check');
    expect(checks.map((op) => op.priority)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(engine.getAccount(2)).toMatchObject({ state: 'limited', stateReason: 'limited by @SpamBot with no end date' });
    const forTwo = changes.filter(([id]) => id === 2).map(([, previous, now]) => [previous?.verdict ?? null, now?.verdict]);
    expect(forTwo).toEqual([
      [null, 'free'],
      ['free', 'limited'],
    ]);
    // The limited account is still checked the next day (the check reaches it), and nothing else runs there.
    await vi.advanceTimersByTimeAsync(DAY + HOUR);
    await realTurns();
    expect(runs.filter((r) => r.accountId === 2)).toHaveLength(3);
  });

  it('plans a first check after a restart from next_check_at, not all at once', async () => {
    const db = createDatabase(':memory:');
    const runs: Array<{ accountId: number; at: number }> = [];
    const verdicts = new Map<number, CheckVerdict>();
    const first = await fakeHarness(2, undefined, db);
    first.engine.setNextCheck(1, Date.now() + 10 * HOUR);
    first.engine.setNextCheck(2, Date.now() + 20 * HOUR);
    await onFakeClock(first.engine.stop());
    const start = Date.now();
    h = await onFakeClock(
      createHarness(0, {
        db,
        register: (e) => {
          e.register(checkStandIn(verdicts, runs));
          recordCheckResults(e, silentLogger());
        },
      }),
    );
    startDailyChecks(h.engine);
    await vi.advanceTimersByTimeAsync(9 * HOUR);
    expect(runs).toEqual([]);
    await vi.advanceTimersByTimeAsync(12 * HOUR);
    await realTurns();
    expect(runs.map((r) => [r.accountId, r.at - start])).toEqual([
      [1, 10 * HOUR],
      [2, 20 * HOUR],
    ]);
  });

  it('always plans the next check within a day ± the jitter of the last one', async () => {
    const { engine } = await fakeHarness(1, (e) => e.register(checkStandIn(new Map(), [])));
    await fc.assert(
      fc.asyncProperty(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.integer({ min: 0, max: 6 * HOUR }), async (r, jitterMs) => {
        const stop = recordCheckResults(engine, silentLogger(), { random: () => r, jitterMs });
        try {
          const op = engine.submit({ kind: 'check', accountId: 1 });
          if (op.kind !== 'queued') throw new Error(op.message);
          await onFakeClock(engine.waitFor(op.operation.id));
          const account = engine.getAccount(1);
          const gap = (account?.nextCheckAt ?? 0) - (account?.check?.checkedAt ?? 0);
          expect(gap).toBeGreaterThanOrEqual(DAY - jitterMs);
          expect(gap).toBeLessThanOrEqual(DAY + jitterMs);
        } finally {
          stop();
        }
      }),
      { numRuns: 25 },
    );
  });
});
