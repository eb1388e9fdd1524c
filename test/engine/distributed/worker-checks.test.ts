import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SubmitResult } from '../../../src/engine/engine.js';
import { startWorkerChecks } from '../../../src/engine/distributed/worker-checks.js';
import type { RunnerDefinition } from '../../../src/engine/index.js';
import { checkOperation, type CheckResult } from '../../../src/engine/operations/check.js';
import type { SubmitRequest } from '../../../src/engine/types.js';
import { onFakeClock, realTurns } from '../fake-clock.js';
import { createHarness, silentLogger, type Harness } from '../harness.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The real check definition with its GramJS work replaced: @SpamBot says the account is limited, with no end. */
const limitedCheck: RunnerDefinition = {
  ...(checkOperation({ recordHealthCheck: () => undefined }) as unknown as RunnerDefinition),
  run: () => Promise.resolve({ alive: true, verdict: { kind: 'limited', until: null } } satisfies CheckResult),
};

let h: Harness | undefined;
afterEach(async () => {
  if (h) await onFakeClock(h.engine.stop());
  h = undefined;
  vi.useRealTimers();
});

describe('startWorkerChecks', () => {
  it('does queue the health checks and daily checks of the accounts the worker holds through its submitter, never its engine', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(Date.UTC(2026, 11, 2, 12));
    h = await onFakeClock(createHarness(2, { register: (e) => e.register(limitedCheck) }));
    const { engine } = h;
    const queued: SubmitRequest[] = [];
    const submit = (request: SubmitRequest): Promise<SubmitResult> => {
      queued.push(request);
      return Promise.resolve({ kind: 'refused', reason: 'invalid', message: 'recorded only' });
    };
    const stop = startWorkerChecks({
      engine,
      submit,
      logger: silentLogger(),
      health: { intervalMs: 10 * MINUTE },
      checks: { firstDelayMs: MINUTE, jitterMs: 0, retryMs: HOUR, wakeMs: 30 * MINUTE, random: () => 0.5 },
    });
    await vi.advanceTimersByTimeAsync(0);
    // Planned at once, in the rows: the next holder of an account goes on with the same plan.
    const planned = Date.now() + MINUTE;
    expect(engine.listAccounts().map((a) => a.nextCheckAt)).toEqual([planned, planned]);

    await vi.advanceTimersByTimeAsync(MINUTE);
    await realTurns();
    expect(queued).toEqual([
      { kind: 'check', accountId: 1, params: { trigger: 'daily' } },
      { kind: 'check', accountId: 2, params: { trigger: 'daily' } },
    ]);
    // Planned again at once, so that neither this round nor the next holder queues it twice.
    expect(engine.listAccounts().map((a) => a.nextCheckAt)).toEqual([planned + HOUR, planned + HOUR]);

    // A worker just connected what it holds: the first health round comes a whole interval after the start.
    await vi.advanceTimersByTimeAsync(10 * MINUTE - MINUTE - 1);
    expect(queued.filter((r) => r.kind === 'health')).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(queued.filter((r) => r.kind === 'health')).toEqual([
      { kind: 'health', accountId: 1 },
      { kind: 'health', accountId: 2 },
    ]);
    expect(engine.unfinishedOperations()).toEqual([]);

    // What a check that ran here found is recorded on the account, as in one process.
    const ran = engine.submit({ kind: 'check', accountId: 2, params: { trigger: 'admin' } });
    if (ran.kind !== 'queued') throw new Error(ran.message);
    await onFakeClock(engine.waitFor(ran.operation.id));
    await realTurns();
    expect(engine.getAccount(2)).toMatchObject({ state: 'limited', check: { verdict: 'limited', until: null } });
    stop();
  });
});
