import { afterEach, describe, expect, it, vi } from 'vitest';
import { sleep } from '../../src/engine/index.js';
import { onFakeClock } from './fake-clock.js';
import { createHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  if (h) await onFakeClock(h.engine.stop());
  h?.db.close();
  h = undefined;
  vi.useRealTimers();
});

describe('Cancel', () => {
  it('does end cancelled an operation cancelled while its runner outstays a timeout, instead of retrying it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let calls = 0;
    h = await onFakeClock(
      createHarness(1, {
        timeouts: { run: { other: 10 }, abortGraceMs: 30 },
        retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 },
        register: (engine) =>
          engine.register({
            kind: 'deaf',
            type: 'other',
            // The first call ignores its abort for a while, as a runner stuck in a request may.
            run: async () => {
              calls += 1;
              if (calls === 1) await sleep(20);
              return 'done';
            },
          }),
      }),
    );
    const submitted = h.engine.submit({ kind: 'deaf' });
    if (submitted.kind !== 'queued') throw new Error(submitted.message);
    // 15 ms in: the run timed out at 10 ms, the runner has not stopped yet.
    await vi.advanceTimersByTimeAsync(15);
    expect(calls).toBe(1);
    expect(h.engine.cancel(submitted.operation.id).kind).toBe('cancelling');
    const done = await onFakeClock(h.engine.waitFor(submitted.operation.id));
    expect(done).toMatchObject({ status: 'cancelled', error: { kind: 'cancelled' } });
    expect(calls).toBe(1);
  });
});
