import { describe, expect, it } from 'vitest';
import { LocalScrapeSlots, releaseSlot, type SlotRelease } from '../../../src/engine/rules/scrape-limit.js';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('LocalScrapeSlots', () => {
  it('does grant at most its limit at once and count what is held', async () => {
    const slots = new LocalScrapeSlots(2);
    const releases: SlotRelease[] = [];
    for (let i = 0; i < 3; i += 1) slots.acquire(5, (release) => releases.push(release));
    await turn();
    expect(releases).toHaveLength(2);
    expect(slots.held()).toBe(2);
    releases[0]?.();
    releases[0]?.();
    await turn();
    expect(releases).toHaveLength(3);
    expect(slots.held()).toBe(2);
  });

  it('does serve a waiting higher priority first', async () => {
    const slots = new LocalScrapeSlots(1);
    const order: string[] = [];
    let first: SlotRelease | undefined;
    slots.acquire(5, (release) => (first = release));
    await turn();
    slots.acquire(1, () => order.push('low'));
    slots.acquire(10, () => order.push('high'));
    first?.();
    await turn();
    expect(order).toEqual(['high']);
  });

  it('does hand an abandoned request its slot straight back', async () => {
    const slots = new LocalScrapeSlots(1);
    let granted = false;
    const abandon = slots.acquire(5, () => (granted = true));
    abandon();
    await turn();
    expect(granted).toBe(false);
    expect(slots.held()).toBe(0);
    let next = false;
    slots.acquire(5, () => (next = true));
    await turn();
    expect(next).toBe(true);
  });

  it('does release an operation slot once, and forget it', async () => {
    const slots = new LocalScrapeSlots(1);
    const op: { slotRelease: SlotRelease | undefined } = { slotRelease: undefined };
    slots.acquire(5, (release) => (op.slotRelease = release));
    await turn();
    expect(slots.held()).toBe(1);
    releaseSlot(op);
    releaseSlot(op);
    expect(op.slotRelease).toBeUndefined();
    expect(slots.held()).toBe(0);
  });
});
