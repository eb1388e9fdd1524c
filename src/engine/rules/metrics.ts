// R4 metrics (README, "Engine rules"): live counts of running work per operation type (scraping,
// monitoring, sending, other), never below 0. The persisted totals, durations, failures and flood waits
// are written by the operation store (operation-store.ts) as operations finish, retry and meet floods.
import type { OperationType } from '../types.js';

const TYPES: readonly OperationType[] = ['scraping', 'monitoring', 'sending', 'other'];

/** Live counts of running work per type (R4). A decrement below zero is a bug and throws. */
export class LiveMetrics {
  readonly #active: Record<OperationType, number> = { scraping: 0, monitoring: 0, sending: 0, other: 0 };

  increment(type: OperationType): void {
    this.#active[type] += 1;
  }

  decrement(type: OperationType): void {
    if (this.#active[type] <= 0) throw new RangeError(`live metric "${type}" would go below zero`);
    this.#active[type] -= 1;
  }

  get(type: OperationType): number {
    return this.#active[type];
  }

  snapshot(): Readonly<Record<OperationType, number>> {
    return Object.fromEntries(TYPES.map((t) => [t, this.#active[t]])) as Record<OperationType, number>;
  }
}
