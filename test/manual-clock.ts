import type { Clock } from '../src/clock.js';

/** Time that moves only when the test says so; timers fire, in order, as it passes them. */
export interface ManualClock extends Clock {
  advance(ms: number): void;
  /** How long from now each pending timer fires, soonest first. */
  pending(): number[];
}

export function manualClock(start = Date.now()): ManualClock {
  let now = start;
  let next = 1;
  const timers = new Map<number, { at: number; callback: () => void }>();
  return {
    now: () => now,
    setTimeout: (callback, ms) => {
      const id = next++;
      timers.set(id, { at: now + ms, callback });
      return id;
    },
    clearTimeout: (handle) => void timers.delete(handle as number),
    advance(ms) {
      now += ms;
      for (const [id, timer] of [...timers].sort((a, b) => a[1].at - b[1].at)) {
        if (timer.at > now || !timers.has(id)) continue;
        timers.delete(id);
        timer.callback();
      }
    },
    pending: () => [...timers.values()].map((t) => t.at - now).sort((a, b) => a - b),
  };
}
