import { pino } from 'pino';
import { createLeaseRepository, type LeaseRepository } from '../../../src/db/repositories/leases.js';
import { createScrapeSlotRepository } from '../../../src/db/repositories/scrape-slots.js';
import { createWorkerRepository, type WorkerRepository } from '../../../src/db/repositories/workers.js';
import type { SqlDatabase } from '../../../src/db/sql/sql-port.js';
import { LeaseKeeper, type LeaseKeeperOptions } from '../../../src/engine/distributed/lease-keeper.js';
import type { ManualClock } from '../../manual-clock.js';

/** What one test worker saw, in order. */
export type KeeperEvent =
  | { readonly kind: 'acquired'; readonly accountId: number; readonly epoch: number; readonly at: number }
  | { readonly kind: 'lost' | 'released'; readonly accountId: number; readonly at: number }
  | { readonly kind: 'takeover'; readonly accountId: number; readonly from: string; readonly at: number };

/** A switch that makes every repository call of one worker fail, as if its database connection were cut. */
export interface Cable {
  cut: boolean;
  /** When set, repository calls wait for it before answering (a slow database). */
  stall?: Promise<void>;
  /** Only this repository method stalls. */
  stallOnly?: string;
  /** Called when a call starts to stall. */
  onStall?: () => void;
  /** Called as each call answers, with the method's name. */
  onAnswer?: (method: string) => void;
}

function through<T extends object>(target: T, cable: Cable): T {
  return new Proxy(target, {
    get(object, key, receiver) {
      const value: unknown = Reflect.get(object, key, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (cable.cut) throw new Error('connection terminated');
        const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(object, args);
        if (cable.stall !== undefined && (cable.stallOnly === undefined || cable.stallOnly === key)) {
          cable.onStall?.();
          await cable.stall;
        }
        if (cable.cut) throw new Error('connection terminated');
        cable.onAnswer?.(String(key));
        return result;
      };
    },
  });
}

export interface TestWorker {
  readonly id: string;
  readonly keeper: LeaseKeeper;
  readonly events: KeeperEvent[];
  readonly cable: Cable;
  readonly clock: ManualClock;
}

/**
 * Several lease keepers on one database, each with its own clock (a dead worker's clock simply stops), recording what
 * each was told and checking the one rule that matters at every event: no account is ever connected by two workers.
 */
export class KeeperFleet {
  readonly workers: TestWorker[] = [];
  /** Which worker has each account connected, by the events: acquired connects, lost and released disconnect. */
  readonly connected = new Map<number, string>();
  /** Breaches of that rule (the keeper logs and survives a throwing callback, so they are collected here). */
  readonly violations: string[] = [];

  constructor(
    private readonly db: SqlDatabase,
    private readonly accounts: () => readonly number[],
  ) {}

  add(id: string, clock: ManualClock, options: Partial<LeaseKeeperOptions> = {}): TestWorker {
    const cable: Cable = { cut: false };
    const events: KeeperEvent[] = [];
    const { connected, violations } = this;
    const keeper = new LeaseKeeper({
      worker: { id, name: id, role: 'worker', host: 'test', pid: 1 },
      leases: through<LeaseRepository>(createLeaseRepository(this.db), cable),
      workers: through<WorkerRepository>(createWorkerRepository(this.db), cable),
      slots: through(createScrapeSlotRepository(this.db), cable),
      listAccounts: async () => this.accounts(),
      logger: pino({ level: 'silent' }),
      clock,
      random: () => 0.5,
      events: {
        acquired(accountId, epoch) {
          const holder = connected.get(accountId);
          if (holder !== undefined) violations.push(`account ${accountId} connected by ${holder} when ${id} acquired it`);
          connected.set(accountId, id);
          events.push({ kind: 'acquired', accountId, epoch, at: clock.now() });
        },
        lost(accountId) {
          if (connected.get(accountId) !== id) violations.push(`${id} lost account ${accountId} it had not connected`);
          connected.delete(accountId);
          events.push({ kind: 'lost', accountId, at: clock.now() });
        },
        released(accountId) {
          events.push({ kind: 'released', accountId, at: clock.now() });
        },
        // The hand-off disconnects before the lease is released.
        async handOff(accountId) {
          if (connected.get(accountId) !== id) violations.push(`${id} handed off account ${accountId} it had not connected`);
          connected.delete(accountId);
        },
        onTakeover(accountId, from) {
          events.push({ kind: 'takeover', accountId, from, at: clock.now() });
        },
      },
      ...options,
    });
    const worker = { id, keeper, events, cable, clock };
    this.workers.push(worker);
    return worker;
  }

  /** The process dies (kill -9): its connections go with it, its clock stops, its leases stay until they expire. */
  kill(worker: TestWorker): void {
    for (const [accountId, holder] of this.connected) if (holder === worker.id) this.connected.delete(accountId);
  }

  /** Moves the given clocks on by `ms` (one tick by default) and waits until every keeper has settled. */
  async advance(clocks: readonly ManualClock[], ms = 10_000): Promise<void> {
    for (const clock of new Set(clocks)) clock.advance(ms);
    await this.settled();
  }

  async settled(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.keeper.settled()));
  }

  /** Held account counts per worker, by id. */
  shares(): Record<string, number> {
    return Object.fromEntries(this.workers.map((worker) => [worker.id, worker.keeper.heldAccounts().length]));
  }
}
