import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunnerDefinition } from '../../src/engine/index.js';
import type { CheckResult, CheckVerdict } from '../../src/engine/operations/index.js';
import { checkOperation } from '../../src/engine/operations/check.js';
import { recordCheckResults, startDailyChecks } from '../../src/engine/operations/check-schedule.js';
import { onFakeClock, realTurns } from '../engine/fake-clock.js';
import { createHarness, silentLogger } from '../engine/harness.js';
import { ADMIN, createBotHarness, type BotHarness } from './harness.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let h: BotHarness | undefined;
afterEach(async () => {
  if (h) await onFakeClock(h.close());
  h = undefined;
  vi.useRealTimers();
});

describe('Check alerts', () => {
  it('tell the admins when the daily round, on its own and on fake time, finds a verdict changed — and when the limit ends by its date', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(Date.UTC(2026, 11, 2, 12));
    const verdicts = new Map<number, CheckVerdict>();
    const real = checkOperation({ recordHealthCheck: () => undefined });
    // The real check's definition, its GramJS work replaced by what @SpamBot would say today.
    const check: RunnerDefinition = {
      ...(real as unknown as RunnerDefinition),
      run: ({ account }) => Promise.resolve<CheckResult>({ alive: true, verdict: verdicts.get(account.id) ?? { kind: 'free' } }),
    };
    const options = { random: () => 0.5 };
    const engineHarness = await onFakeClock(
      createHarness(2, {
        register: (e) => {
          e.register(check);
          recordCheckResults(e, silentLogger(), options);
        },
      }),
    );
    h = await createBotHarness({ engineHarness });
    const engine = h.engine;
    startDailyChecks(engine, options);
    // The first round (5 min + half the hour of jitter): both free, which is no news.
    await vi.advanceTimersByTimeAsync(HOUR);
    await realTurns();
    expect(engine.listAccounts().map((a) => a.check?.verdict)).toEqual(['free', 'free']);
    expect(h.texts()).toEqual([]);
    // Telegram limits #2 until 5 Dec 2026; the next day's round finds it.
    verdicts.set(2, { kind: 'limited', until: Date.UTC(2026, 11, 5) });
    await vi.advanceTimersByTimeAsync(DAY);
    await realTurns();
    expect(h.texts()).toEqual(['🔎 Account #2 +15550000002: @SpamBot’s verdict changed: free → limited until 5 Dec 2026. It has left rotation and comes back by itself then.']);
    expect(h.of('sendMessage')[0]?.payload.chat_id).toBe(ADMIN);
    expect(engine.getAccount(2)?.state).toBe('limited');
    // The date passes: back in rotation by itself, and the admins are told.
    h.clear();
    await vi.advanceTimersByTimeAsync(Date.UTC(2026, 11, 5) - Date.now());
    await realTurns();
    expect(engine.getAccount(2)?.state).toBe('idle');
    expect(h.texts()).toEqual(['🟢 Account #2 +15550000002 is back in rotation: its @SpamBot limit ended (limited until 5 Dec 2026).']);
  });
});
