/** What the tally reads of an account: its running total of flood waits, as the engine keeps it. */
export interface FloodCount {
  readonly id: number;
  readonly floodWaits: number;
}

/**
 * Turns each account's running total of flood waits (stored with the account, so it spans restarts) into
 * the flood waits met by this process since the tally began: the first sight of an account is its
 * baseline, and every rise after it is new flood waits. Reading the engine's own count keeps the metric
 * true without a second place that counts them.
 */
export class FloodTally {
  readonly #seen = new Map<number, number>();

  /** Records what an account's total is now; returns how many flood waits are new since the last sight. */
  observe(account: FloodCount): number {
    const last = this.#seen.get(account.id);
    this.#seen.set(account.id, account.floodWaits);
    // A lower total is another account under a reused id: its baseline, nothing new.
    return last === undefined || account.floodWaits < last ? 0 : account.floodWaits - last;
  }

  /** Forgets accounts no longer present, so that a reused id starts from its own baseline. */
  retain(ids: ReadonlySet<number>): void {
    for (const id of this.#seen.keys()) if (!ids.has(id)) this.#seen.delete(id);
  }
}
