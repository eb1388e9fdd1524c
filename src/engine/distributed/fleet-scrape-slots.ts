import type { Logger } from 'pino';
import type { ScrapeSlotRepository } from '../../db/repositories/scrape-slots.js';
import { systemClock, type Clock } from '../../clock.js';
import type { ScrapeSlots, SlotRelease } from '../rules/scrape-limit.js';

export interface FleetScrapeSlotsOptions {
  readonly repository: ScrapeSlotRepository;
  /** This worker's id in the registry: the holder its slots are recorded under. */
  readonly workerId: string;
  /** SCRAPE_CONCURRENCY, for the whole fleet. */
  readonly limit: number;
  /** How long a slot lasts without renewal (the lease keeper renews them with the leases): the lease time. */
  readonly ttlMs: number;
  readonly logger: Logger;
  /** @default the system clock and timers */
  readonly clock?: Clock;
  /**
   * How often a worker whose scrapes wait asks again while every slot is taken, in ms. A slot freed in this process
   * is offered at once; one freed elsewhere (or expired) within this time.
   * @default 500
   */
  readonly retryMs?: number;
}

interface Waiter {
  readonly priority: number;
  readonly operationId: number;
  readonly granted: (release: SlotRelease) => void;
  abandoned: boolean;
}

/**
 * R4 across processes: SCRAPE_CONCURRENCY as one limit for every worker, the slots being rows of `scrape_slots`
 * (src/db/repositories/scrape-slots.ts) that can never number more than the limit. The waiters of this process ask in
 * priority order, one at a time; while the fleet is full they ask again every `retryMs`.
 */
export class FleetScrapeSlots implements ScrapeSlots {
  readonly limit: number;
  readonly #options: FleetScrapeSlotsOptions;
  readonly #clock: Clock;
  readonly #waiters: Waiter[] = [];
  /**
   * Slots being freed, by operation. Asking again for one of them waits for its DELETE: asked sooner, the repository
   * would hand back the old row renewed, and the DELETE landing after would free the slot the new run holds.
   */
  readonly #releasing = new Map<number, Promise<void>>();
  #fleetHeld = 0;
  /** Counts of the table asked for, and the latest one applied: an older count that answers late is not applied. */
  #counts = 0;
  #countApplied = 0;
  #pumping = false;
  /**
   * Whether this worker freed a slot since the pump last asked: an answer "full" may predate it, so the pump asks again
   * at once instead of after `retryMs` (a release that lands while the pump runs cannot start a pump of its own).
   */
  #freedMeanwhile = false;
  #retry: unknown;
  #closed = false;
  #synthetic = -1;

  constructor(options: FleetScrapeSlotsOptions) {
    this.#options = options;
    this.limit = options.limit;
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * Scrapes running fleet-wide, as last counted in the table (after each grant and release of this worker, and each
   * ask that found the fleet full): the other workers' slots come and go without telling this one.
   */
  held(): number {
    return this.#fleetHeld;
  }

  acquire(priority: number, granted: (release: SlotRelease) => void, operationId?: number): () => void {
    // Closed, the worker is stopping: its scrapes are not started any more, so nothing is asked for them.
    if (this.#closed) return () => undefined;
    // A slot row names its scrape; a caller without one gets an id of its own that no operation has.
    const waiter: Waiter = { priority, operationId: operationId ?? this.#synthetic--, granted, abandoned: false };
    const at = this.#waiters.findIndex((w) => w.priority < priority);
    if (at < 0) this.#waiters.push(waiter);
    else this.#waiters.splice(at, 0, waiter);
    void this.#pump();
    return () => {
      waiter.abandoned = true;
    };
  }

  /**
   * Stops asking: no retry is left, waiters are never granted (a slot being taken for one is handed back as it comes),
   * and later requests ask for nothing. Slots held stay until released (or the worker's stop frees them all).
   */
  close(): void {
    this.#closed = true;
    this.#clock.clearTimeout(this.#retry);
    this.#retry = undefined;
    for (const waiter of this.#waiters.splice(0)) waiter.abandoned = true;
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    this.#clock.clearTimeout(this.#retry);
    const { repository, workerId, limit, ttlMs, logger } = this.#options;
    try {
      for (;;) {
        if (this.#closed) return;
        const waiter = this.#waiters[0];
        if (waiter === undefined) return;
        if (waiter.abandoned) {
          this.#remove(waiter);
          continue;
        }
        const releasing = this.#releasing.get(waiter.operationId);
        if (releasing !== undefined) {
          await releasing;
          continue;
        }
        const count = ++this.#counts;
        this.#freedMeanwhile = false;
        let result;
        try {
          result = await repository.acquire({ operationId: waiter.operationId, workerId, limit, now: this.#clock.now(), ttlMs });
        } catch (error) {
          logger.warn({ err: error }, 'could not ask for a scrape slot; asking again');
          if (this.#freedMeanwhile) continue;
          this.#later();
          return;
        }
        if (result.kind === 'full') {
          this.#counted(count, result.active);
          if (this.#freedMeanwhile) continue;
          this.#later();
          return;
        }
        // By identity: while the slot was being taken, a waiter of higher priority may have queued ahead of it.
        this.#remove(waiter);
        void this.#recount();
        if (waiter.abandoned) {
          await this.#release(waiter.operationId);
          continue;
        }
        let released = false;
        waiter.granted(() => {
          if (released) return;
          released = true;
          this.#freeing(waiter.operationId);
        });
      }
    } finally {
      this.#pumping = false;
    }
  }

  /** Frees an operation's slot (its scrape ended), then offers the slot to whoever waits. */
  #freeing(operationId: number): void {
    const done: Promise<void> = this.#release(operationId).then(() => {
      if (this.#releasing.get(operationId) === done) this.#releasing.delete(operationId);
    });
    this.#releasing.set(operationId, done);
    void done.then(() => this.#pump());
  }

  async #release(operationId: number): Promise<void> {
    const { repository, workerId, logger } = this.#options;
    try {
      if (await repository.release(operationId, workerId)) this.#freedMeanwhile = true;
    } catch (error) {
      // It expires after the slot time: the fleet gets it back then.
      logger.warn({ err: error, operationId }, 'could not free a scrape slot; it expires on its own');
    }
    void this.#recount();
  }

  async #recount(): Promise<void> {
    const count = ++this.#counts;
    try {
      this.#counted(count, await this.#options.repository.countActive(this.#clock.now()));
    } catch (error) {
      this.#options.logger.debug({ err: error }, 'could not count the scrape slots held');
    }
  }

  #counted(count: number, active: number): void {
    if (count < this.#countApplied) return;
    this.#countApplied = count;
    this.#fleetHeld = active;
  }

  #remove(waiter: Waiter): void {
    const at = this.#waiters.indexOf(waiter);
    if (at >= 0) this.#waiters.splice(at, 1);
  }

  #later(): void {
    this.#clock.clearTimeout(this.#retry);
    if (this.#closed) return;
    this.#retry = this.#clock.setTimeout(() => void this.#pump(), this.#options.retryMs ?? 500);
  }
}
