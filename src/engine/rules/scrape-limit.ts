// R4 scrape limit (README, "Engine rules"): at most SCRAPE_CONCURRENCY scrapes run at once across all
// accounts, and the number held now is queryable (/status shows it as n/limit). A scrape takes its slot
// before its account (the lock order of R8) and gives it back when it ends, moves or waits.
import { Semaphore } from 'async-mutex';

/** Gives a held slot back; calling it again does nothing. */
export type SlotRelease = () => void;

/**
 * The fleet-wide scrape slots. In one process an in-memory semaphore (LocalScrapeSlots); several worker
 * processes share one counter instead (a row in the database), behind the same three members.
 */
export interface ScrapeSlots {
  /** The most slots that may be held at once (SCRAPE_CONCURRENCY). */
  readonly limit: number;
  /** Slots held now, fleet-wide. */
  held(): number;
  /**
   * Asks for a slot: `granted` is called once with its release, higher `priority` first. The returned
   * function abandons the request; a slot granted after that is handed straight back, and `granted` is
   * not called. `operationId` names the scrape the slot is for (a fleet-wide counter records who holds it).
   */
  acquire(priority: number, granted: (release: SlotRelease) => void, operationId?: number): () => void;
}

/** The scrape slots of one process: an async-mutex semaphore, priority-ordered. */
export class LocalScrapeSlots implements ScrapeSlots {
  readonly limit: number;
  readonly #semaphore: Semaphore;
  #held = 0;

  constructor(limit: number) {
    this.limit = limit;
    this.#semaphore = new Semaphore(limit);
  }

  held(): number {
    return this.#held;
  }

  acquire(priority: number, granted: (release: SlotRelease) => void): () => void {
    let abandoned = false;
    void this.#semaphore.acquire(1, priority).then(([, release]) => {
      // The semaphore cannot forget a waiter: an abandoned request hands its slot straight back.
      if (abandoned) return release();
      this.#held += 1;
      let released = false;
      granted(() => {
        if (released) return;
        released = true;
        this.#held -= 1;
        release();
      });
    });
    return () => {
      abandoned = true;
    };
  }
}

/** Gives back the slot an operation holds, if any. */
export function releaseSlot(op: { slotRelease: SlotRelease | undefined }): void {
  const release = op.slotRelease;
  op.slotRelease = undefined;
  release?.();
}
