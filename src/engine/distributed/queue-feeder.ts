import type { Logger } from 'pino';
import { systemClock, type Clock } from '../../clock.js';
import type { Engine } from '../engine.js';
import type { StoredOperation } from '../operation-store.js';
import type { MirrorOperations } from './mirror-operation-store.js';
import type { DeliveredJob, OperationQueue } from './operation-queue.js';

/** What the feeder reads and writes of the operations table, each on its own (fenced) transaction. */
export interface FeederRows {
  get(id: number): Promise<StoredOperation | undefined>;
  /** Queued and running operations bound to one of the accounts, in dispatch order. */
  unfinishedFor(accountIds: readonly number[]): Promise<StoredOperation[]>;
  /** Binds a queued, unbound operation to an account this worker holds; false when it was bound or taken meanwhile. */
  assign(id: number, accountId: number): Promise<boolean>;
  /** Puts an operation in the queue of the account it is bound to, for that account's holder to take up. */
  handTo(row: StoredOperation, accountId: number): Promise<void>;
}

export interface QueueFeederOptions {
  readonly queue: OperationQueue;
  readonly engine: Engine<unknown>;
  readonly operations: MirrorOperations;
  readonly rows: FeederRows;
  /** Whether this worker holds the account's lease now. */
  holds(accountId: number): boolean;
  readonly logger: Logger;
  /** @default the system clock and timers */
  readonly clock?: Clock;
  /**
   * How long the unassigned loop waits before asking again when the queue was empty or no account was free, in ms.
   * An enqueue by this process, a finish or an account coming free wakes it sooner.
   * @default 500
   */
  readonly idleMs?: number;
}

/**
 * Feeds the engine of a worker from the queue (docs/several-processes.md):
 * - an account whose lease this worker takes has its queued and running operations read back from their rows and
 *   taken up (a takeover resumes a dead worker's work from its checkpoints, R9), then its queue is worked: each job
 *   names a row, which is read and adopted (at least once: a row held or finished already is acknowledged as is);
 * - unassigned operations are pulled as many at a time as this worker has accounts idle with nothing bound to them,
 *   one for each: the row is bound to that account first, then the job is acknowledged. Work thus goes to the accounts
 *   that can start it, on whichever worker they are (R6), and a worker never hoards jobs it cannot run.
 */
export class QueueFeeder {
  readonly #options: QueueFeederOptions;
  readonly #clock: Clock;
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #offEvents: (() => void) | undefined;

  constructor(options: QueueFeederOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** Starts pulling unassigned work. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    const wake = () => this.#wake?.();
    const { events } = this.#options.engine;
    events.on('operation:finished', wake);
    events.on('account:state', wake);
    this.#offEvents = () => {
      events.off('operation:finished', wake);
      events.off('account:state', wake);
    };
    this.#loop = this.#pullLoop();
  }

  /** Pulls now, not at the next idle poll: work was just submitted (by another process too). */
  wake(): void {
    this.#wake?.();
  }

  /** Stops pulling; a job being handled is answered first. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#offEvents?.();
    this.#wake?.();
    await this.#loop;
  }

  /** The lease of `accountId` is this worker's now: resume its operations and work its queue. */
  async takeAccount(accountId: number): Promise<void> {
    const { rows, operations, engine, queue, holds, logger } = this.#options;
    const resumed = await rows.unfinishedFor([accountId]);
    for (const row of resumed) {
      operations.remember(row);
      engine.adopt(row);
    }
    if (resumed.length > 0) logger.info({ accountId, resumed: resumed.length }, 'took up the operations of an account');
    await queue.workAccount(accountId, (job) => this.#accept(job), { holds: () => holds(accountId) });
  }

  /** The account is no longer this worker's: stop working its queue. */
  async dropAccount(accountId: number): Promise<void> {
    await this.#options.queue.stopAccount(accountId);
  }

  async #accept(job: DeliveredJob): Promise<void> {
    const { rows, operations, engine, logger } = this.#options;
    const row = await rows.get(job.operationId);
    if (row === undefined) {
      logger.warn({ operationId: job.operationId }, 'a job names an operation that is not stored; dropped');
      return;
    }
    operations.remember(row);
    engine.adopt(row);
  }

  /** The idle accounts of this worker with no operation bound to them. */
  #freeAccounts(): number[] {
    const { engine, operations, holds } = this.#options;
    return engine
      .listAccounts()
      .filter((a) => a.state === 'idle' && a.load === 0 && holds(a.id) && operations.boundCount(a.id) === 0)
      .map((a) => a.id);
  }

  async #pullLoop(): Promise<void> {
    const { queue, logger } = this.#options;
    while (this.#running) {
      // As many jobs as there are accounts free, and no more: each free account takes one (R6), none is hoarded.
      const free = this.#freeAccounts();
      let jobs: DeliveredJob[] = [];
      if (free.length > 0) {
        try {
          jobs = await queue.fetchUnassigned(free.length);
        } catch (error) {
          logger.warn({ err: error }, 'could not ask the queue for work');
        }
      }
      if (jobs.length === 0) {
        await this.#idle();
        continue;
      }
      // Each to an account of its own, all at once: their rows differ, so their transactions do not wait on each other.
      const placed = await Promise.all(jobs.map((job, i) => this.#place(job, free[i] as number)));
      const done = jobs.filter((_, i) => placed[i]).map((job) => job.jobId);
      try {
        await queue.complete(done);
      } catch (error) {
        // They come back after they expire; the next delivery finds their rows bound and dedupes (see #place).
        logger.warn({ err: error, jobs: done.length }, 'could not acknowledge unassigned jobs; they will be delivered again');
      }
    }
  }

  /**
   * Binds the job's operation to `accountId` and hands it to the engine; true when the job is done with (placed, or
   * nothing to place), false when it was given back to the queue.
   */
  async #place(job: DeliveredJob, accountId: number): Promise<boolean> {
    const { queue, rows, operations, engine, holds, logger } = this.#options;
    try {
      const row = await rows.get(job.operationId);
      if (row !== undefined && (row.status === 'queued' || row.status === 'running') && row.pinnedAccountId === null) {
        const placed = row.assignedAccountId;
        if (placed === null) {
          if (await rows.assign(row.id, accountId)) {
            row.assignedAccountId = accountId;
            operations.remember(row);
            engine.adopt(row);
          }
        } else if (operations.get(row.id) === undefined) {
          // Bound already, yet delivered again: an assign can commit while its connection drops, and then no worker
          // took it up. Its account's holder must: here, or through that account's queue (a holder that has it
          // already dedupes by id).
          if (holds(placed)) {
            operations.remember(row);
            engine.adopt(row);
          } else {
            await rows.handTo(row, placed);
          }
        }
      }
      return true;
    } catch (error) {
      logger.warn({ err: error, operationId: job.operationId }, 'could not take an unassigned operation; it goes back to the queue');
      await queue.fail(job.jobId, error instanceof Error ? error.message : String(error)).catch(() => undefined);
      return false;
    }
  }

  #idle(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.#clock.clearTimeout(timer);
        if (this.#wake === done) this.#wake = undefined;
        resolve();
      };
      const timer = this.#clock.setTimeout(done, this.#options.idleMs ?? 500);
      this.#wake = done;
    });
  }
}
