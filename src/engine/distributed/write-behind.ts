import type { Logger } from 'pino';
import { systemClock, type Clock } from '../../clock.js';

export interface WriteBehindOptions {
  readonly logger: Logger;
  /** @default the system clock and timers */
  readonly clock?: Clock;
  /**
   * First pause before a write that could not reach the database is tried again, in ms; it doubles up to `maxRetryMs`.
   * @default 250
   */
  readonly retryMs?: number;
  /** @default 5000 */
  readonly maxRetryMs?: number;
  /**
   * Most writes (of different lanes) running at once, each holding a connection of the pool for its transaction: the
   * rest of the pool stays free for what must not wait behind them (lease renewals, the queue).
   * @default 4
   */
  readonly concurrency?: number;
}

/** The lane of writes that name none. */
const DEFAULT_LANE = '';

/** Socket and name-lookup codes of a database host that cannot be reached now (Node's `error.code`). */
const UNREACHABLE_SOCKET = /^E(CONNREFUSED|CONNRESET|PIPE|TIMEDOUT|HOSTUNREACH|NETUNREACH|NOTFOUND|AI_AGAIN)$/;

/** What node-postgres and its pool say of a connection that failed, or that could not be had in time. */
const UNREACHABLE_MESSAGE =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable/i;

/**
 * Whether an error says the database could not be reached (the write may succeed later) rather than that the write
 * itself is wrong. node-postgres reports a dropped connection, and its pool a connection it could not hand out within
 * its connect timeout, with these messages and socket codes (a host whose name cannot be resolved right now too);
 * PostgreSQL's own classes 08 (connection exception) and 57P (operator intervention: admin shutdown, crash shutdown,
 * cannot connect now) say the same, as does 53300 (too many connections: others hold every one for now)
 * (https://www.postgresql.org/docs/15/errcodes-appendix.html).
 */
export function isUnreachable(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let e: unknown = error; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('08') || code.startsWith('57P') || code === '53300' || UNREACHABLE_SOCKET.test(code))) {
      return true;
    }
    if (UNREACHABLE_MESSAGE.test(e.message)) return true;
  }
  return false;
}

/**
 * The writes of a caller that cannot wait for them (the engine's stores are synchronous, docs/several-processes.md),
 * in lanes: the writes of one lane (one operation, one account) are committed one after the other in the order they
 * were pushed, while writes of different lanes run side by side (up to `concurrency` at once), so that one
 * operation's page being committed does not hold up the others'. A write that cannot reach the database is tried
 * again, with backoff, until it can: nothing is lost while PostgreSQL is away, and nothing of its lane overtakes it. A
 * write that fails for any other reason is logged and dropped, so one bad write does not hold up the rest.
 */
export class WriteBehind {
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #retryMs: number;
  readonly #maxRetryMs: number;
  readonly #concurrency: number;
  /** The last write queued in each lane that has one not settled yet. */
  readonly #tails = new Map<string, Promise<void>>();
  /** Tries of writes running now (at most `concurrency`). */
  #running = 0;
  /** Tries waiting for a running one to end, first come first served. */
  readonly #waitingTurn: Array<() => void> = [];
  #pending = 0;
  #closed = false;
  /** The backoff waits in progress, each ended early by {@link close}. */
  readonly #waits = new Set<() => void>();

  constructor(options: WriteBehindOptions) {
    this.#log = options.logger;
    this.#clock = options.clock ?? systemClock;
    this.#retryMs = options.retryMs ?? 250;
    this.#maxRetryMs = options.maxRetryMs ?? 5000;
    this.#concurrency = Math.max(1, options.concurrency ?? 4);
  }

  /** Writes not committed yet. */
  get pending(): number {
    return this.#pending;
  }

  /**
   * Queues `write` behind every earlier one of its `lane`; resolves once it committed (or was dropped: then with
   * false). Never rejects, so a caller may ignore it.
   */
  push(label: string, write: () => Promise<void>, lane: string = DEFAULT_LANE): Promise<boolean> {
    return this.#queue(lane, () => this.#attempt(label, write));
  }

  /**
   * Runs `write` in order like {@link push}, and like it tries again while the database cannot be reached (until
   * {@link close}), but hands its result or error to the caller (a checkpoint with its data, which the runner waits
   * for). `write` may thus be called more than once: after a failure that left unknown whether it committed, it is
   * the caller's to find out.
   */
  run<T>(label: string, write: () => Promise<T>, lane: string = DEFAULT_LANE): Promise<T> {
    return this.#queue(lane, () => this.#untilReachable(label, write));
  }

  /**
   * As {@link push}, but the write starts only once every write pushed before it, in every lane, has settled: for a
   * write the others must land before, such as an account's row deleted after the ends of its operations (whose lanes
   * are their own). Writes pushed after it, in other lanes, do not wait for it, nor it for them.
   */
  pushAfterAll(label: string, write: () => Promise<void>, lane: string = DEFAULT_LANE): Promise<boolean> {
    const before = Promise.all([...this.#tails.values()]);
    return this.#queue(lane, async () => {
      await before;
      return this.#attempt(label, write);
    });
  }

  /** Resolves once every write pushed so far, in every lane, has committed or been dropped. */
  async settled(): Promise<void> {
    while (this.#tails.size > 0) await Promise.all(this.#tails.values());
  }

  /**
   * Stops retrying: writes still unreachable are dropped (the process is going away; their rows resume elsewhere). A
   * write waiting out its backoff is dropped at once, not after its pause; the writes queued behind it are each tried
   * once more, never waited for.
   */
  close(): void {
    this.#closed = true;
    for (const end of [...this.#waits]) end();
  }

  /** Runs `body` once every earlier write of `lane` has settled. */
  #queue<T>(lane: string, body: () => Promise<T>): Promise<T> {
    this.#pending += 1;
    const done = (this.#tails.get(lane) ?? Promise.resolve()).then(body);
    const tail = done.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(lane, tail);
    // A lane with nothing left to write is forgotten: lanes are per operation, and operations come and go.
    void tail.then(() => {
      if (this.#tails.get(lane) === tail) this.#tails.delete(lane);
    });
    return done.finally(() => {
      this.#pending -= 1;
    });
  }

  /** Runs one try of a write once fewer than `concurrency` are running. */
  async #turn<T>(write: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#concurrency) await new Promise<void>((resolve) => this.#waitingTurn.push(resolve));
    else this.#running += 1;
    try {
      return await write();
    } finally {
      // The turn passes to the next waiting write as it is (the count stays), or the count goes down.
      const next = this.#waitingTurn.shift();
      if (next === undefined) this.#running -= 1;
      else next();
    }
  }

  async #attempt(label: string, write: () => Promise<void>): Promise<boolean> {
    try {
      await this.#untilReachable(label, write);
      return true;
    } catch (error) {
      this.#log.error({ err: error, write: label }, 'a deferred database write failed; it is dropped');
      return false;
    }
  }

  /** Runs `write`, again and again with backoff while the database cannot be reached and this is not closed. */
  async #untilReachable<T>(label: string, write: () => Promise<T>): Promise<T> {
    for (let pause = this.#retryMs; ; pause = Math.min(pause * 2, this.#maxRetryMs)) {
      try {
        return await this.#turn(write);
      } catch (error) {
        if (!isUnreachable(error) || this.#closed) throw error;
        this.#log.warn({ err: error, write: label, retryInMs: pause }, 'the database is unreachable; the write waits for it');
        await this.#pause(pause);
        // Closed while the database was unreachable: the write is given up (a pushed one is logged as dropped).
        if (this.#closed) throw error;
      }
    }
  }

  /** Waits `ms`, or until {@link close}, whichever comes first. */
  #pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const end = (): void => {
        this.#clock.clearTimeout(timer);
        this.#waits.delete(end);
        resolve();
      };
      const timer = this.#clock.setTimeout(end, ms);
      this.#waits.add(end);
    });
  }
}
