import { vi } from 'vitest';

/** Driving an engine on vitest's fake timers (the engine's clock and timers), with real turns for its group commits. */

/** A few turns of the real event loop: the engine's group commits run on (unfaked) immediates. */
export async function realTurns(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Moves fake time on in 5 ms steps, with real turns between them, until `work` settles (at most 10 s of fake time). */
export async function onFakeTime<T>(work: Promise<T>): Promise<T> {
  let settled = false;
  void work.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let step = 0; step < 2000 && !settled; step += 1) {
    await realTurns(1);
    if (!settled) await vi.advanceTimersByTimeAsync(5);
  }
  if (!settled) throw new Error('did not settle within 10 s of fake time');
  return work;
}

/**
 * Moves fake time from one timer to the next, with real turns between them (group commits run on real
 * immediates), until `work` settles. Jumping timer to timer never skips one, and costs no real time
 * however far apart they are.
 */
export async function onFakeClock<T>(work: Promise<T>): Promise<T> {
  let settled = false;
  void work.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let fired = 0; !settled; fired += 1) {
    await realTurns();
    if (settled) break;
    if (vi.getTimerCount() === 0) await realTurns(50);
    if (settled) break;
    if (vi.getTimerCount() === 0 || fired >= 10_000) throw new Error(`did not settle: ${fired} timers fired, ${vi.getTimerCount()} left`);
    await vi.advanceTimersToNextTimerAsync();
  }
  return work;
}
