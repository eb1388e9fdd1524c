import { afterEach, describe, expect, it, vi } from 'vitest';
import { LastSeenWriter } from '../../../src/engine/operations/monitor-last-seen.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('LastSeenWriter', () => {
  it('does write the first message at once, then at most once per interval, the newest, and what is left at close', async () => {
    vi.useFakeTimers({ now: 0 });
    const written: number[] = [];
    const writer = new LastSeenWriter(async (id) => void written.push(id), () => undefined, 5000, Date.now);
    writer.seen(10);
    await vi.advanceTimersByTimeAsync(0);
    expect(written).toEqual([10]);
    for (const id of [11, 12, 13]) writer.seen(id);
    writer.seen(12); // older: changes nothing
    await vi.advanceTimersByTimeAsync(4999);
    expect(written).toEqual([10]);
    await vi.advanceTimersByTimeAsync(1);
    expect(written).toEqual([10, 13]);
    writer.seen(14);
    await writer.close();
    expect(written).toEqual([10, 13, 14]);
    // Closed: nothing more, and no timer left behind.
    writer.seen(15);
    await writer.close();
    expect(vi.getTimerCount()).toBe(0);
    expect(written).toEqual([10, 13, 14]);
  });

  it('does not write again what was written, and tells a failed write without stopping', async () => {
    vi.useFakeTimers({ now: 0 });
    const failures: unknown[] = [];
    const written: number[] = [];
    const writer = new LastSeenWriter(
      async (id) => {
        if (id === 1) throw new Error('database away');
        written.push(id);
      },
      (error) => failures.push(error),
      1000,
      Date.now,
    );
    writer.seen(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(failures).toHaveLength(1);
    writer.seen(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(written).toEqual([2]);
    await writer.close();
    expect(written).toEqual([2]);
  });
});
