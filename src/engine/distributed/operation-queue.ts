import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { SqlExecutor } from '../../db/sql/sql-port.js';
import { bossDbOver } from './boss-db.js';

/** What a job carries: only the operation's id and how to route it; the operation itself is its row (README R9). */
export interface OperationJob {
  readonly operationId: number;
  /** The operation kind (scrape, monitor, send, …), for logs and metrics; the row is authoritative. */
  readonly kind: string;
  /** The account that must run it (pinned or placed), or null: any worker places it. */
  readonly accountId: number | null;
  /** Higher first within a queue (README: monitoring 10 > scraping 5 > sending 1); FIFO among equals. */
  readonly priority: number;
}

/** What the job row holds; the priority is pg-boss's own column. */
type JobData = Omit<OperationJob, 'priority'>;

/** A job as a worker receives it. Delivery is at least once: the handler must be idempotent by operation id. */
export interface DeliveredJob extends OperationJob {
  readonly jobId: string;
  /** How many times it was delivered before (0 the first time): > 0 after a worker died or a handler threw. */
  readonly retryCount: number;
}

/**
 * Accepts one job: resolves once the operation is safely in this worker's hands (its account's lane), not when it
 * finishes — from then on the operation row is the record, and a takeover resumes it from there. Throwing (or not
 * resolving within `expireInSeconds`) fails the delivery; the job comes back after `retryDelaySeconds`.
 */
export type JobHandler = (job: DeliveredJob) => Promise<void>;

export interface OperationQueueOptions {
  /** DATABASE_URL; pg-boss keeps its tables in their own schema there. */
  readonly connectionString: string;
  readonly logger: Logger;
  /** @default 'pgboss' */
  readonly schema?: string;
  /** Connections of pg-boss's own pool (polling, completion, maintenance). @default 4 */
  readonly poolSize?: number;
  /**
   * How long a delivered job may stay unacknowledged before it counts as abandoned (its worker died, or the
   * connection dropped with the job in flight) and is handed out again. Acceptance takes milliseconds, and a job
   * handed out twice is accepted once (the handler dedupes by operation id), so this is short: it bounds how long
   * such a job waits.
   * @default 15
   */
  readonly expireInSeconds?: number;
  /** Deliveries after the first before a job is failed for good (the operation row still says queued). @default 25 */
  readonly retryLimit?: number;
  /** Pause before a failed or abandoned job is handed out again, in s. @default 1 */
  readonly retryDelaySeconds?: number;
  /** How often each worker loop asks for jobs when idle, in s (pg-boss's minimum is 0.5). @default 1 */
  readonly pollingIntervalSeconds?: number;
  /** How often abandoned jobs are swept back (pg-boss maintenance, run by one process at a time), in s. @default 10 */
  readonly maintenanceIntervalSeconds?: number;
}

export interface WorkOptions {
  /** Jobs fetched per round. @default 1 */
  readonly batchSize?: number;
  /** Worker loops on the queue, each fetching and handling its own batches. @default 1 */
  readonly concurrency?: number;
}

export interface AccountWorkOptions extends WorkOptions {
  /**
   * Whether this worker still holds the account's lease (e.g. `() => keeper.claim(id) !== undefined`), asked before
   * each job: a job fetched in the instant between losing the lease and stopping the queue is failed, and comes back
   * to the new holder, instead of running on an account this worker no longer has.
   * @default always true
   */
  readonly holds?: () => boolean;
}

/** A job reached a worker that no longer holds its account's lease; it goes back to the queue. */
export class NotLeaseHolderError extends Error {
  override readonly name = 'NotLeaseHolderError';
  constructor(
    readonly accountId: number,
    readonly operationId: number,
  ) {
    super(`account ${accountId} is no longer held here; operation ${operationId} goes back to its queue`);
  }
}

/** The job could not be stored: its queue is missing (pg-boss inserts nothing for an unknown queue). */
export class EnqueueError extends Error {
  override readonly name = 'EnqueueError';
  constructor(
    message: string,
    readonly queue: string,
    readonly operationId: number,
  ) {
    super(message);
  }
}

/** The queue of operations no account was chosen for yet: any worker takes them and places them. */
export const unassignedQueue = 'op-unassigned';

/** The queue of one account's operations: only its lease holder works it. */
export function accountQueue(accountId: number): string {
  return `op-account-${accountId}`;
}

/**
 * Hands operations to workers through pg-boss 10 on the same PostgreSQL (docs/several-processes.md).
 *
 * Routing: one queue per account (`op-account-<id>`) plus one for unplaced operations (`op-unassigned`), with the
 * kind in the job's data. An account's operations must run where its connection is — on the worker holding its lease —
 * and a pg-boss worker cannot skip jobs it should not take, so the account is the queue: the lease holder works that
 * queue (`workAccount` on `acquired`, `stopAccount` on `lost`/hand-off) and nobody else fetches from it. A lease that
 * moves needs no re-routing: the new holder simply starts working the same queue, abandoned jobs included. Kinds share
 * the account's queue so R2's priorities order them against each other (pg-boss fetches priority first, then FIFO); a
 * queue per kind would lose that order and multiply pg-boss's per-queue tables. Unplaced operations go to
 * `op-unassigned`, which every worker works: its handler places the operation on an account (R6) and, in one
 * transaction, records the choice on the row and `enqueue`s it again with that account.
 *
 * Durability stays with the operations table (R9): a job is acknowledged once its operation is accepted, and a worker
 * taking over an account resumes that account's queued and running operations from their rows. pg-boss only makes the
 * hand-over itself survive a crash: a job fetched by a worker that dies before acknowledging it expires after
 * `expireInSeconds` and is delivered again, to whoever works that queue then. Delivery is therefore at least once and
 * the handler dedupes by operation id (an operation already queued, running or finished is acknowledged as is).
 */
export class OperationQueue {
  readonly #boss: PgBoss;
  readonly #options: OperationQueueOptions;
  readonly #queues = new Set<string>();
  readonly #workers = new Map<string, string[]>();
  #creating: Promise<void> = Promise.resolve();

  private constructor(boss: PgBoss, options: OperationQueueOptions) {
    this.#boss = boss;
    this.#options = options;
  }

  /** Connects, installs or migrates pg-boss's schema (`migrate: true`), and creates the unassigned queue. */
  static async start(options: OperationQueueOptions): Promise<OperationQueue> {
    const boss = new PgBoss({
      connectionString: options.connectionString,
      schema: options.schema ?? 'pgboss',
      max: options.poolSize ?? 4,
      application_name: 'switchboard-queue',
      migrate: true,
      supervise: true,
      schedule: false,
      maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 10,
    });
    boss.on('error', (error) => options.logger.error({ err: error }, 'operation queue error'));
    await boss.start();
    const queue = new OperationQueue(boss, options);
    for (const existing of await boss.getQueues()) queue.#queues.add(existing.name);
    await queue.#ensureQueue(unassignedQueue);
    return queue;
  }

  /**
   * Stores the job inside the caller's transaction `tx` (PostgreSQL), the one that writes the operation row: both
   * commit or neither. Creates the account's queue first if needed (outside `tx`; idempotent). Returns the job id.
   * After the commit, {@link OperationQueue.wake} saves this process's workers a polling interval.
   */
  async enqueue(tx: SqlExecutor, job: OperationJob): Promise<string> {
    const name = job.accountId === null ? unassignedQueue : accountQueue(job.accountId);
    const db = bossDbOver(tx);
    await this.#ensureQueue(name);
    const data: JobData = { operationId: job.operationId, kind: job.kind, accountId: job.accountId };
    const id = await this.#boss.send(name, data, { db, priority: job.priority });
    if (id === null) throw new EnqueueError(`the queue ${name} is missing`, name, job.operationId);
    return id;
  }

  /** The PostgreSQL schema pg-boss keeps its tables in, for a statement that reads its jobs (queue-reconciler.ts). */
  get schema(): string {
    return this.#options.schema ?? 'pgboss';
  }

  /** Creates the queue of an account ahead of its first job (at account creation, or when its lease is acquired). */
  async ensureAccountQueue(accountId: number): Promise<void> {
    await this.#ensureQueue(accountQueue(accountId));
  }

  /** Deletes an account's queue and its jobs (the account was removed). */
  async deleteAccountQueue(accountId: number): Promise<void> {
    const name = accountQueue(accountId);
    await this.stopAccount(accountId);
    await this.#boss.deleteQueue(name);
    this.#queues.delete(name);
  }

  /**
   * Stops working a removed account's queue and deletes the jobs still waiting in it: each names an operation that
   * ended or moved on with the account's removal. The queue itself stays, empty: pg-boss 10.4's delete_queue deletes
   * the queue row before it drops the queue's job partition, which its foreign key refuses while acknowledged jobs
   * are kept there (see deleteAccountQueue).
   */
  async forgetAccountQueue(accountId: number): Promise<void> {
    const name = accountQueue(accountId);
    await this.stopAccount(accountId);
    // A plain DELETE of its waiting jobs: nothing to do for a queue that was never made.
    await this.#boss.purgeQueue(name);
  }

  /** Starts working an account's queue; call it on `acquired`. A second call while working it does nothing. */
  async workAccount(accountId: number, handler: JobHandler, options: AccountWorkOptions = {}): Promise<void> {
    const { holds = () => true, ...work } = options;
    const guarded: JobHandler = async (job) => {
      if (!holds()) throw new NotLeaseHolderError(accountId, job.operationId);
      await handler(job);
    };
    await this.#work(accountQueue(accountId), guarded, work);
  }

  /** Stops fetching from an account's queue (a job already being accepted finishes); call it on `lost` or hand-off. */
  async stopAccount(accountId: number): Promise<void> {
    await this.#offWork(accountQueue(accountId));
  }

  /** Starts working the unassigned queue. */
  async workUnassigned(handler: JobHandler, options: WorkOptions = {}): Promise<void> {
    await this.#work(unassignedQueue, handler, options);
  }

  /**
   * Takes up to `max` jobs of the unassigned queue (none when it is empty): for a worker that asks only for as many as
   * it has accounts free (pull, so work goes to whoever can start it, R6), instead of a loop that fetches regardless.
   * Each job must then be {@link complete}d or {@link fail}ed; unanswered, it comes back after `expireInSeconds`.
   */
  async fetchUnassigned(max = 1): Promise<DeliveredJob[]> {
    const jobs = await this.#boss.fetch<JobData>(unassignedQueue, { batchSize: max, includeMetadata: true });
    return jobs.map((job) => ({ ...job.data, priority: job.priority, jobId: job.id, retryCount: job.retryCount }));
  }

  /** Acknowledges jobs taken with {@link fetchUnassigned}, in one statement: their operations are in this worker's hands. */
  async complete(jobIds: string | readonly string[]): Promise<void> {
    const ids = typeof jobIds === 'string' ? [jobIds] : [...jobIds];
    if (ids.length > 0) await this.#boss.complete(unassignedQueue, ids);
  }

  /** Gives a job taken with {@link fetchUnassigned} back; it is handed out again after `retryDelaySeconds`. */
  async fail(jobId: string, reason: string): Promise<void> {
    await this.#boss.fail(unassignedQueue, jobId, { message: reason });
  }

  /** Makes this process's workers fetch at once, e.g. right after committing an enqueue. */
  wake(): void {
    for (const ids of this.#workers.values()) for (const id of ids) this.#boss.notifyWorker(id);
  }

  /** Sweeps abandoned jobs back now (what maintenance does every `maintenanceIntervalSeconds`). */
  async expireAbandoned(): Promise<void> {
    await this.#boss.expire();
  }

  /**
   * Stops every worker loop and closes pg-boss's pool. Gracefully (the default) it first waits up to `timeoutMs` for
   * jobs being accepted; jobs still open then — or at once when not graceful — are failed, so they come back to the
   * account's next holder after `retryDelaySeconds`.
   */
  async stop(options: { graceful?: boolean; timeoutMs?: number } = {}): Promise<void> {
    const { graceful = true, timeoutMs = 10_000 } = options;
    this.#workers.clear();
    await this.#boss.stop({ graceful, timeout: timeoutMs, wait: true, close: true });
  }

  /**
   * Creates a queue once. pg-boss's create_queue alters its shared `queue` table (a foreign key per queue partition),
   * so two creations at once deadlock in PostgreSQL: this process creates one at a time, and a deadlock with another
   * process (SQLSTATE 40P01, one side is chosen to fail) is simply tried again.
   */
  #ensureQueue(name: string): Promise<void> {
    if (this.#queues.has(name)) return Promise.resolve();
    const created = this.#creating.then(() => this.#createQueue(name));
    this.#creating = created.catch(() => undefined);
    return created;
  }

  async #createQueue(name: string): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      if (this.#queues.has(name)) return;
      try {
        await this.#createQueueOnce(name);
        return;
      } catch (error) {
        if ((error as { code?: unknown }).code !== '40P01' || attempt >= 5) throw error;
        this.#options.logger.debug({ queue: name, attempt }, 'queue creation met another process creating one; trying again');
      }
    }
  }

  async #createQueueOnce(name: string): Promise<void> {
    await this.#boss.createQueue(name, {
      name,
      policy: 'standard',
      expireInSeconds: this.#options.expireInSeconds ?? 15,
      retryLimit: this.#options.retryLimit ?? 25,
      retryDelay: this.#options.retryDelaySeconds ?? 1,
      retryBackoff: false,
    });
    this.#queues.add(name);
  }

  async #work(name: string, handler: JobHandler, options: WorkOptions): Promise<void> {
    if (this.#workers.has(name)) return;
    await this.#ensureQueue(name);
    const { batchSize = 1, concurrency = 1 } = options;
    const { logger, pollingIntervalSeconds = 1 } = this.#options;
    const ids: string[] = [];
    this.#workers.set(name, ids);
    const onJobs = async (jobs: PgBoss.JobWithMetadata<JobData>[]): Promise<void> => {
      for (const job of jobs) {
        try {
          await handler({ ...job.data, priority: job.priority, jobId: job.id, retryCount: job.retryCount });
        } catch (error) {
          // Only this job comes back; pg-boss completes the rest of the batch (completion skips failed jobs).
          logger.warn({ err: error, queue: name, operationId: job.data.operationId }, 'job not accepted; it will be retried');
          await this.#boss.fail(name, job.id, { message: error instanceof Error ? error.message : String(error) });
        }
      }
    };
    try {
      for (let i = 0; i < concurrency; i += 1) {
        ids.push(await this.#boss.work(name, { batchSize, includeMetadata: true, pollingIntervalSeconds }, onJobs));
      }
    } catch (error) {
      // Not half-registered: a later call (the take-up tried again) must start the work anew.
      this.#workers.delete(name);
      if (ids.length > 0) await this.#boss.offWork(name).catch(() => undefined);
      throw error;
    }
  }

  async #offWork(name: string): Promise<void> {
    if (!this.#workers.delete(name)) return;
    await this.#boss.offWork(name);
  }
}
