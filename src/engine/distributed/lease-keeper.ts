import type { Logger } from 'pino';
import { systemClock, type Clock } from '../../clock.js';
import type { LeaseClaim, LeaseRepository } from '../../db/repositories/leases.js';
import type { ScrapeSlotRepository } from '../../db/repositories/scrape-slots.js';
import type { RegisterWorker, WorkerRepository } from '../../db/repositories/workers.js';
import { fairShare, freeAccounts } from './fair-share.js';

/** Why a lease was lost: renewal found it taken or expired, or renewals failed until its safety deadline. */
export type LeaseLossReason = 'taken' | 'deadline';

/**
 * What the keeper tells the engine. `acquired` and `lost` are synchronous on purpose: the keeper calls them at the
 * moment they become true and does not wait for the engine.
 */
export interface LeaseKeeperEvents {
  /**
   * This worker now holds the account under `epoch`: connect it, and carry the epoch in fenced writes. It may follow a
   * `lost` of the same account within one tick (a lease that came back to this worker): finish that disconnect first.
   */
  acquired(accountId: number, epoch: number): void;
  /**
   * The lease is gone or about to be: disconnect the account NOW (abort its operation). The keeper calls this no later
   * than `safetyMarginMs` before the lease could pass to anyone else; that margin is the time the disconnect has.
   */
  lost(accountId: number, reason: LeaseLossReason): void;
  /**
   * The keeper wants to give the account up (over the fair share, no longer wanted, or stopping): disconnect it and
   * resolve once it is disconnected. The lease is kept and renewed meanwhile, then released for the next worker.
   * @default resolves at once
   */
  handOff?(accountId: number): Promise<void>;
  /** The lease was released after a hand-off: another worker may take the account at once. */
  released?(accountId: number): void;
  /** The account was taken from `fromWorkerId`, whose lease had run out (metrics: takeovers). */
  onTakeover?(accountId: number, fromWorkerId: string): void;
}

export interface LeaseKeeperOptions {
  /** This process in the registry; `id` must be fresh per start. */
  readonly worker: Omit<RegisterWorker, 'now'>;
  readonly leases: LeaseRepository;
  readonly workers: WorkerRepository;
  /** When given, this worker's scrape slots are renewed with its leases and freed on its stop. */
  readonly slots?: ScrapeSlotRepository;
  /** The accounts to share out (the ones that should be connected somewhere), read on every tick. */
  listAccounts(): Promise<readonly number[]>;
  readonly events: LeaseKeeperEvents;
  readonly logger: Logger;
  /** @default the system clock and timers */
  readonly clock?: Clock;
  /**
   * Time between two ticks (heartbeat, renewals, rebalancing), in ms.
   * @default 10000
   */
  readonly renewEveryMs?: number;
  /**
   * Lease time, in ms: a dead worker's accounts are free this long after its last renewal, and taken at the next
   * tick of another, so within `ttlMs + renewEveryMs` (40 s by default; docs/several-processes.md). Also the liveness
   * window of the worker registry. Must exceed `renewEveryMs + safetyMarginMs`, so one failed renewal loses nothing.
   * @default 30000
   */
  readonly ttlMs?: number;
  /**
   * How long before its lease could expire the keeper gives an account up when renewals fail: the time the engine has
   * to disconnect it, and the clock difference between hosts it tolerates.
   * @default 5000
   */
  readonly safetyMarginMs?: number;
  /**
   * Which `count` of the held accounts to hand off when over the fair share.
   * @default the highest ids
   */
  pickSurplus?(held: readonly number[], count: number): readonly number[];
  /** @default Math.random */
  readonly random?: () => number;
}

export class LeaseKeeperOptionsError extends Error {
  override readonly name = 'LeaseKeeperOptionsError';
  constructor(
    message: string,
    readonly ttlMs: number,
    readonly renewEveryMs: number,
    readonly safetyMarginMs: number,
  ) {
    super(message);
  }
}

interface Held {
  readonly epoch: number;
  /** The safety deadline timer: sent-at of the last successful renewal + ttl − margin. */
  timer: unknown;
  handingOff: boolean;
}

/**
 * Holds this worker's fair share of accounts by lease (docs/several-processes.md). Each tick heartbeats the worker,
 * renews its leases (and scrape slots) in one statement each, then takes free or expired accounts up to the fair
 * share, or hands off the ones above it. Safety: every lease has a local deadline, computed from the time its last
 * successful renewal was SENT (the database stored sentAt + ttl as the expiry), minus the safety margin; if no renewal
 * has succeeded by then — database unreachable, slow, or the lease taken — `lost` fires, so the account is disconnected
 * strictly before another worker may take it. No account is ever connected twice.
 */
export class LeaseKeeper {
  readonly #options: LeaseKeeperOptions;
  readonly #clock: Clock;
  readonly #renewEveryMs: number;
  readonly #ttlMs: number;
  readonly #marginMs: number;
  readonly #held = new Map<number, Held>();
  readonly #handOffs = new Set<Promise<void>>();
  /** When each account this worker stopped holding was lost: a lease still in its name is let go a margin later. */
  readonly #lostAt = new Map<number, number>();
  #tickTimer: unknown;
  #ticking: Promise<void> | undefined;
  #stopping = false;
  #stopped = false;

  constructor(options: LeaseKeeperOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#renewEveryMs = options.renewEveryMs ?? 10_000;
    this.#ttlMs = options.ttlMs ?? 30_000;
    this.#marginMs = options.safetyMarginMs ?? 5_000;
    if (this.#ttlMs <= this.#renewEveryMs + this.#marginMs) {
      throw new LeaseKeeperOptionsError(
        'the lease time must exceed the renewal interval plus the safety margin',
        this.#ttlMs,
        this.#renewEveryMs,
        this.#marginMs,
      );
    }
  }

  get workerId(): string {
    return this.#options.worker.id;
  }

  /** The claim to carry in fenced writes for an account this worker holds, or undefined. */
  claim(accountId: number): LeaseClaim | undefined {
    const held = this.#held.get(accountId);
    return held === undefined ? undefined : { accountId, workerId: this.workerId, epoch: held.epoch };
  }

  /** The accounts this worker holds (including ones being handed off), ascending. */
  heldAccounts(): number[] {
    return [...this.#held.keys()].sort((a, b) => a - b);
  }

  /** Registers the worker and runs the first tick; later ticks follow every `renewEveryMs`. */
  async start(): Promise<void> {
    await this.#options.workers.register({ ...this.#options.worker, now: this.#clock.now() });
    await this.tick();
  }

  /** Resolves when the tick in flight (if any) and hand-offs under way have ended. */
  async settled(): Promise<void> {
    while (this.#ticking !== undefined || this.#handOffs.size > 0) {
      await Promise.all([this.#ticking, ...this.#handOffs]);
    }
  }

  /** One round of heartbeat, renewals and rebalancing; joins the round in flight instead of starting a second. */
  tick(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#ticking ??= this.#round().finally(() => {
      this.#ticking = undefined;
      this.#schedule();
    });
    return this.#ticking;
  }

  /**
   * Graceful stop: marks the worker stopping (others stop counting it and take no notice of its accounts until they
   * are released), hands off every account (`handOff`, then release), frees its scrape slots, and deregisters.
   * Renewals go on until the last account is released.
   */
  async stop(): Promise<void> {
    if (this.#stopping) return this.settled();
    this.#stopping = true;
    const { workers, slots, logger } = this.#options;
    await this.#safely('mark stopping', () => workers.markStopping(this.workerId, this.#clock.now()));
    // A round in flight may still acquire an account after this point: hand off until nothing is left.
    await this.#ticking;
    while (this.#held.size > 0) {
      for (const accountId of this.#held.keys()) this.#handOff(accountId);
      await this.settled();
    }
    this.#stopped = true;
    this.#clock.clearTimeout(this.#tickTimer);
    for (const held of this.#held.values()) this.#clock.clearTimeout(held.timer);
    this.#held.clear();
    if (slots !== undefined) await this.#safely('free scrape slots', () => slots.releaseAll(this.workerId));
    await this.#safely('deregister', () => workers.remove(this.workerId));
    logger.info({ workerId: this.workerId }, 'lease keeper stopped');
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#clock.clearTimeout(this.#tickTimer);
    this.#tickTimer = this.#clock.setTimeout(() => void this.tick(), this.#renewEveryMs);
  }

  async #round(): Promise<void> {
    try {
      await this.#renew();
      if (!this.#stopping) await this.#rebalance();
    } catch (error) {
      // The safety deadlines stay armed: if renewals keep failing, `lost` fires before anyone else can take over.
      this.#options.logger.warn({ err: error, workerId: this.workerId }, 'lease keeper tick failed');
    }
  }

  async #renew(): Promise<void> {
    const { workers, leases, slots } = this.#options;
    const sentAt = this.#clock.now();
    if (!(await workers.heartbeat(this.workerId, sentAt))) {
      await workers.register({ ...this.#options.worker, now: sentAt });
      if (this.#stopping) await workers.markStopping(this.workerId, sentAt);
    }
    const renewed = new Map((await leases.renewAll(this.workerId, sentAt, this.#ttlMs)).map((l) => [l.accountId, l.epoch]));
    for (const [accountId, held] of [...this.#held]) {
      if (renewed.get(accountId) === held.epoch) this.#arm(accountId, held, sentAt);
      else this.#lose(accountId, 'taken');
    }
    await this.#releaseStrays(renewed);
    if (slots !== undefined) await slots.renewAll(this.workerId, sentAt, this.#ttlMs);
  }

  /**
   * A renewal answered after its deadline extended leases this worker had already given up (lost, its accounts let
   * go), and every renewal after it would extend them again: held in its name, worked by nobody, never free for
   * another worker while it holds its fair share otherwise. Each is released once its loss is a safety margin old
   * (the time the engine has to disconnect an account, as when the lease would have run out); one the rebalance
   * takes afresh meanwhile is held again, not a stray.
   */
  async #releaseStrays(renewed: ReadonlyMap<number, number>): Promise<void> {
    const now = this.#clock.now();
    for (const [accountId, epoch] of renewed) {
      if (this.#held.has(accountId)) continue;
      const lostAt = this.#lostAt.get(accountId) ?? Number.NEGATIVE_INFINITY;
      if (now - lostAt < this.#marginMs) continue;
      this.#lostAt.delete(accountId);
      this.#options.logger.warn({ accountId, workerId: this.workerId }, 'released a lease a late renewal extended after it was lost');
      await this.#safely('release a stray lease', () => this.#options.leases.release({ accountId, workerId: this.workerId, epoch }, now));
    }
  }

  async #rebalance(): Promise<void> {
    const { workers, leases, listAccounts, pickSurplus, events, random = Math.random } = this.#options;
    const now = this.#clock.now();
    const accounts = await listAccounts();
    const live = await workers.listLive(now, this.#ttlMs);
    const liveCount = live.length + (live.some((w) => w.id === this.workerId) ? 0 : 1);
    const share = fairShare(accounts.length, liveCount);
    const wanted = new Set(accounts);
    for (const accountId of this.#held.keys()) if (!wanted.has(accountId)) this.#handOff(accountId);
    const keeping = [...this.#held].filter(([, held]) => !held.handingOff).map(([accountId]) => accountId);
    if (keeping.length > share) {
      const surplus = pickSurplus?.(keeping, keeping.length - share) ?? keeping.sort((a, b) => b - a).slice(0, keeping.length - share);
      for (const accountId of surplus) this.#handOff(accountId);
      return;
    }
    let missing = share - keeping.length;
    if (missing <= 0) return;
    const candidates = freeAccounts(accounts, await leases.list(), this.workerId, new Set(this.#held.keys()), now, random);
    for (const accountId of candidates) {
      if (missing <= 0 || this.#stopping) break;
      const sentAt = this.#clock.now();
      const result = await leases.acquire(accountId, this.workerId, sentAt, this.#ttlMs);
      if (result.kind !== 'acquired') continue;
      if (sentAt + this.#ttlMs - this.#marginMs <= this.#clock.now()) {
        // The answer came too late to be safe: never announced, so give it straight back.
        await leases.release({ accountId, workerId: this.workerId, epoch: result.epoch }, this.#clock.now());
        continue;
      }
      missing -= 1;
      const held: Held = { epoch: result.epoch, timer: undefined, handingOff: false };
      this.#held.set(accountId, held);
      this.#arm(accountId, held, sentAt);
      const { previousHolder } = result;
      if (result.takeover && previousHolder !== null) this.#emit('onTakeover', () => events.onTakeover?.(accountId, previousHolder));
      this.#emit('acquired', () => events.acquired(accountId, result.epoch));
    }
  }

  /** (Re)arms the safety deadline of a lease whose expiry in the database is `sentAt + ttl`. */
  #arm(accountId: number, held: Held, sentAt: number): void {
    this.#clock.clearTimeout(held.timer);
    const wait = sentAt + this.#ttlMs - this.#marginMs - this.#clock.now();
    // A reply that came back after its own deadline: the lease may be about to pass, give it up now.
    if (wait <= 0) return this.#lose(accountId, 'deadline');
    held.timer = this.#clock.setTimeout(() => {
      if (this.#held.get(accountId) === held) this.#lose(accountId, 'deadline');
    }, wait);
  }

  #lose(accountId: number, reason: LeaseLossReason): void {
    const held = this.#held.get(accountId);
    if (held === undefined) return;
    this.#clock.clearTimeout(held.timer);
    this.#held.delete(accountId);
    this.#lostAt.set(accountId, this.#clock.now());
    this.#options.logger.warn({ accountId, reason, workerId: this.workerId }, 'account lease lost');
    this.#emit('lost', () => this.#options.events.lost(accountId, reason));
  }

  #handOff(accountId: number): void {
    const held = this.#held.get(accountId);
    if (held === undefined || held.handingOff) return;
    held.handingOff = true;
    const { events, leases } = this.#options;
    const work = (async () => {
      try {
        await (events.handOff?.(accountId) ?? Promise.resolve());
      } catch (error) {
        this.#options.logger.warn({ err: error, accountId }, 'hand-off failed; releasing the lease anyway');
      }
      // Lost meanwhile (deadline or taken): nothing of ours left to release.
      if (this.#held.get(accountId) !== held) return;
      this.#clock.clearTimeout(held.timer);
      this.#held.delete(accountId);
      const claim = { accountId, workerId: this.workerId, epoch: held.epoch };
      await this.#safely('release a lease', () => leases.release(claim, this.#clock.now()));
      this.#emit('released', () => events.released?.(accountId));
    })();
    this.#handOffs.add(work);
    void work.finally(() => this.#handOffs.delete(work));
  }

  /** Calls an event handler; one that throws is logged, and the round (or the other accounts) carries on. */
  #emit(event: keyof LeaseKeeperEvents, call: () => void): void {
    try {
      call();
    } catch (error) {
      this.#options.logger.error({ err: error, event, workerId: this.workerId }, 'lease keeper event handler threw');
    }
  }

  async #safely(what: string, work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.#options.logger.warn({ err: error, workerId: this.workerId }, `lease keeper could not ${what}`);
    }
  }
}
