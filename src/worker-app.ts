import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { Closers } from './closers.js';
import { ConfigError, type Config } from './config.js';
import { createAccountsRepository } from './db/repositories/accounts.js';
import { createPortBudgetsRepository } from './db/repositories/budgets-port.js';
import { createLeaseRepository, stillHolds } from './db/repositories/leases.js';
import { createPortMemberStore } from './db/repositories/member-store.js';
import { createOperationsRepository } from './db/repositories/operations.js';
import { createScrapeSlotRepository } from './db/repositories/scrape-slots.js';
import { createWorkerRepository } from './db/repositories/workers.js';
import { openPostgresDatabase, type PostgresDatabaseHandle } from './db/postgres-client.js';
import { pingDatabase } from './db/ping.js';
import { createSessionCipher } from './db/session-crypto.js';
import type { SqlExecutor } from './db/sql/sql-port.js';
import { telegramClientFactory } from './engine/clients/client-factory.js';
import { FleetScrapeSlots } from './engine/distributed/fleet-scrape-slots.js';
import { LeaseKeeper } from './engine/distributed/lease-keeper.js';
import { MirrorAccounts } from './engine/distributed/mirror-account-store.js';
import { MirrorOperations, type Fence } from './engine/distributed/mirror-operation-store.js';
import { OperationQueue } from './engine/distributed/operation-queue.js';
import { createPgEventBus } from './engine/distributed/pg-event-bus.js';
import type { EventBus } from './engine/distributed/event-bus.js';
import { relayEngineEvents } from './engine/distributed/event-relay.js';
import { fleetRunners } from './engine/distributed/fleet-runners.js';
import { FleetSubmitter } from './engine/distributed/fleet-submitter.js';
import { handleAccountChanges } from './engine/distributed/account-change-handler.js';
import { removeAccountIn } from './engine/distributed/account-removal.js';
import { startWorkerChecks } from './engine/distributed/worker-checks.js';
import { toOperation } from './engine/operation-view.js';
import type { FleetEvents } from './engine/distributed/fleet-events.js';
import { QueueFeeder } from './engine/distributed/queue-feeder.js';
import { QueueReconciler } from './engine/distributed/queue-reconciler.js';
import { WorkerMonitors } from './engine/distributed/worker-monitors.js';
import { createMonitorsRepository } from './db/repositories/monitors.js';
import { workerIdentity } from './engine/distributed/worker-identity.js';
import { WriteBehind } from './engine/distributed/write-behind.js';
import { createEngine, type Engine } from './engine/index.js';
import { classifyTelegramError } from './engine/operations/index.js';
import { configuredMetricsEndpoint, type EnginePhase, type MetricsEndpoint } from './metrics/index.js';
import { sandboxTransport } from './sandbox/sandbox-client.js';
import { openSandbox, type OpenSandbox } from './sandbox/open-sandbox.js';

/** What workers tell the panel (docs/several-processes.md): the engine's own events, as they happen on any worker. */
export type { FleetEvents };

/** A write of a worker that no longer holds the account it is about: refused, so a stale holder changes nothing. */
export class FencedWriteError extends Error {
  override readonly name = 'FencedWriteError';
  constructor(readonly accountId: number) {
    super(`account #${accountId} is no longer held by this worker; its write was refused`);
  }
}

/** A worker process (ROLE=worker): holds a fair share of the accounts by lease and runs their operations. */
export interface WorkerApp {
  readonly config: Config;
  readonly engine: Engine<unknown>;
  readonly keeper: LeaseKeeper;
  readonly metrics: MetricsEndpoint | undefined;
  start(): Promise<void>;
  /** Hands every account back (graceful: others take them at once), then closes; idempotent. */
  stop(): Promise<void>;
}

export interface WorkerDependencies {
  readonly config: Config;
  readonly logger: Logger;
  /**
   * How long stopping may wait, at each step, for the engine's tasks to end and for the writes behind it to reach
   * the database, in ms: the engine's cleanup budget (R5), which this worker passes on to its engine.
   * @default 5000
   */
  readonly cleanupMs?: number;
}

/** Whether `work` settled within `ms`; it is not cancelled when it did not. */
async function settledWithin(work: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Wires a worker (docs/several-processes.md): PostgreSQL → leases, queue, event bus → an engine over write-behind
 * mirrors of the accounts it holds → the scrape runner on the SQL port's member store.
 */
export async function createWorkerApp({ config, logger, cleanupMs = 5000 }: WorkerDependencies): Promise<WorkerApp> {
  const url = config.database.url;
  if (url === undefined) throw new ConfigError('DATABASE_URL', 'ROLE=worker needs DATABASE_URL: the PostgreSQL database the panel and the workers share');
  if (config.telegram.mode === 'sandbox' && config.sandbox.connect === undefined) {
    throw new ConfigError('SANDBOX_CONNECT', 'ROLE=worker in sandbox mode needs SANDBOX_CONNECT: the simulated Telegram every process shares (docs/several-processes.md)');
  }
  const log = logger.child({ worker: config.process.workerName });
  const identity = workerIdentity('worker', config.process.workerName);
  const leaseMs = config.process.leaseMs;
  const db: PostgresDatabaseHandle = await openPostgresDatabase(url, { logger: log });
  const closers = new Closers(log);
  closers.push(() => db.close());
  const closeAll = () => closers.closeAll();
  try {
    const sandbox: OpenSandbox | undefined =
      config.telegram.mode === 'sandbox' ? await openSandbox({ worldPath: undefined, tracePath: undefined, serve: undefined, connect: config.sandbox.connect, logger: log }) : undefined;
    const queue = await OperationQueue.start({ connectionString: url, logger: log.child({ module: 'queue' }) });
    closers.push(() => queue.stop({ graceful: false }));
    const bus: EventBus<FleetEvents> = await createPgEventBus<FleetEvents>({ url, origin: identity.id, logger: log.child({ module: 'events' }) });
    closers.push(() => bus.close());
    const cipher = createSessionCipher(config.security.sessionSecret);
    const repo = createOperationsRepository(db);
    const accounts = createAccountsRepository(db);
    const budgets = createPortBudgetsRepository(db);
    const leases = createLeaseRepository(db.sql);
    const slotRepo = createScrapeSlotRepository(db.sql);
    const writes = new WriteBehind({ logger: log.child({ module: 'writes' }) });
    const fence: Fence = (accountId, body) =>
      db.sql.transaction(async (tx: SqlExecutor) => {
        if (accountId !== null) {
          const claim = keeper.claim(accountId);
          if (claim === undefined || !(await stillHolds(tx, claim))) throw new FencedWriteError(accountId);
        }
        return body(tx);
      });
    let phase: EnginePhase = 'starting';
    const operations = new MirrorOperations(writes, repo, fence);
    const held = new MirrorAccounts(writes, {
      patchAccount: (id, fields, now) => fence(id, async (tx) => void (await accounts.patch(id, fields, now, tx))),
      saveBudget: (row) => fence(row.accountId, (tx) => budgets.save(row, tx)),
      // An admin removed the account at the panel, which asked this worker: its row goes with the work still bound to
      // it in the database, fenced by the lease (account-removal.ts).
      deleteAccount: async (id) => {
        const work = await fence(id, (tx) => removeAccountIn(tx, { accounts, operations: repo, queue }, id, Date.now()));
        // The panel takes every finish from the row: the view sent only names the operation.
        for (const row of work.failed) void bus.publish('operation:finished', toOperation(row, 'other', id)).catch(() => undefined);
        if (work.handedBack.length > 0) {
          queue.wake();
          void bus.publish('queue:wake').catch(() => undefined);
        }
      },
    });
    const slots = new FleetScrapeSlots({ repository: slotRepo, workerId: identity.id, limit: config.engine.scrapeConcurrency, ttlMs: leaseMs, logger: log });
    const engine = createEngine<unknown>({
      stores: { operations, accounts: held.store, budgets: held.budgets },
      scrapeSlots: slots,
      logger: log,
      cipher,
      clients: telegramClientFactory({ transport: sandbox ? sandboxTransport(sandbox.endpoint) : undefined }),
      credentials: config.telegram.credentials,
      classify: classifyTelegramError,
      scrapeConcurrency: config.engine.scrapeConcurrency,
      timeouts: { ...config.engine.timeouts, cleanupMs },
      floodSleepThresholdS: config.engine.floodSleepThresholdS,
      budgets: config.engine.budgets,
      // Flood moves across workers: unpinned work no account here can take now goes back to op-unassigned, where a
      // worker with an idle account pulls it (docs/several-processes.md).
      handBack: (row, why) => {
        if (phase !== 'running') return false;
        void operations
          .handBack(row.id, Date.now(), async (tx) => void (await queue.enqueue(tx, { operationId: row.id, kind: row.kind, accountId: null, priority: row.priority })))
          .then(
            (handed) => {
              if (handed) log.info({ operationId: row.id, why }, 'handed an operation back to the fleet');
              queue.wake();
            },
            (error: unknown) => log.warn({ err: error, operationId: row.id }, 'could not hand an operation back; its next holder resumes it'),
          );
        return true;
      },
    });
    // The client is GramJS's; the engine holds it as `unknown`, as in one process (operations/index.ts).
    // Sends are paced by the last one that went out: this worker's own are known at once, before their rows are written.
    const sentAt = new Map<number, number>();
    engine.events.on('operation:finished', (op) => {
      if (op.kind === 'send' && op.status === 'succeeded' && op.accountId !== null && op.finishedAt !== null) sentAt.set(op.accountId, op.finishedAt);
    });
    const lastSentAt = async (accountId: number): Promise<number | null> => {
      const stored = await repo.lastSucceeded('send', accountId);
      const own = sentAt.get(accountId) ?? null;
      return stored === null ? own : own === null ? stored : Math.max(stored, own);
    };
    const members = createPortMemberStore(db);
    // Monitors: their watches live here; hits go to the panel, stops come from it, re-arms follow the leases.
    const monitors = new WorkerMonitors({
      dialect: db.dialect,
      monitors: createMonitorsRepository(db),
      members,
      operations: repo,
      fence,
      mirror: operations,
      engine,
      bus,
      logger: log.child({ module: 'monitors' }),
    });
    monitors.start();
    closers.push(async () => monitors.close());
    const definitions = fleetRunners({
      members,
      lastSentAt,
      participantsCap: sandbox?.info.participantsCap ?? 10_000,
      monitor: monitors.runner,
      recordHealthCheck: (id, profile) => engine.recordHealthCheck(id, profile),
    });
    for (const runner of definitions) engine.register(runner);
    // The worker queues its accounts' checks as the panel queues work: row and job in one transaction (worker-checks.ts).
    const submitter = new FleetSubmitter({ db: db.sql, operations: repo, accounts, queue, definitions });
    let stopChecks: (() => void) | undefined;
    closers.push(async () => stopChecks?.());
    const relay = relayEngineEvents({ events: engine.events, bus, logger: log.child({ module: 'events' }) });
    closers.push(async () => relay());
    // The panel asks whoever holds an operation to cancel it: only the holder has its run.
    const unlisten = bus.subscribe((event, args) => {
      if (event === 'operation:cancel') {
        const [id, message] = args as FleetEvents['operation:cancel'];
        const result = engine.cancel(id, message);
        if (result.kind === 'cancelled' || result.kind === 'cancelling') log.info({ operationId: id }, 'cancelled at the panel’s request');
        return;
      }
      if (event === 'queue:wake') {
        queue.wake();
        feeder.wake();
        return;
      }
      if (event === 'account:command') {
        // Only the holder changes an account: its lane is here, and its writes are fenced by the lease.
        const [accountId, command] = args as FleetEvents['account:command'];
        if (keeper.claim(accountId) === undefined || engine.getAccount(accountId) === undefined) return;
        const result =
          command === 'pause' ? engine.pauseAccount(accountId) : command === 'resume' ? engine.resumeAccount(accountId) : engine.setAccountHealth(accountId, 'ok', null);
        log.info({ accountId, command, result: result.kind }, 'account changed at the panel’s request');
      }
    });
    closers.push(async () => unlisten());
    const unlistenChanges = handleAccountChanges({
      engine,
      bus,
      cipher,
      holds: (accountId) => keeper.claim(accountId) !== undefined,
      removal: (accountId) => held.removal(accountId),
      dropQueue: (accountId) => queue.forgetAccountQueue(accountId),
      workerName: config.process.workerName,
      logger: log.child({ module: 'account-changes' }),
    });
    closers.push(async () => unlistenChanges());
    const feeder = new QueueFeeder({
      queue,
      engine,
      operations,
      rows: {
        get: (id) => repo.get(id),
        unfinishedFor: (ids) => repo.unfinishedForAccounts(ids),
        assign: (id, accountId) => fence(accountId, (tx) => repo.assign(id, accountId, Date.now(), tx)),
        handTo: (row, accountId) =>
          db.sql.transaction(async (tx: SqlExecutor) => void (await queue.enqueue(tx, { operationId: row.id, kind: row.kind, accountId, priority: row.priority }))),
      },
      holds: (accountId) => keeper.claim(accountId) !== undefined,
      logger: log.child({ module: 'feeder' }),
    });
    // Unplaced work whose job pg-boss gave up on gets one again (queue-reconciler.ts): one sweep at a time, fleet-wide.
    const reconciler = new QueueReconciler({ db: db.sql, queue, logger: log.child({ module: 'reconciler' }) });
    // Per account, one change at a time: a lease lost and taken again within a tick is let go of before it is held.
    const steps = new Map<number, Promise<void>>();
    const step = (accountId: number, what: string, body: () => Promise<void>): Promise<void> => {
      const next = (steps.get(accountId) ?? Promise.resolve()).then(body).catch((error: unknown) => log.error({ err: error, accountId }, `could not ${what} an account`));
      steps.set(accountId, next);
      return next;
    };
    /*
     * Waits for the writes behind the engine, but no longer than the cleanup budget: with PostgreSQL unreachable they
     * would wait for it forever (write-behind.ts retries them until it is back). Giving up on them loses nothing. An
     * operation's row says queued or running, bound to its account, until its end is written; the members of a page
     * are stored in one transaction with their checkpoint, which the runner waits for. So the rows always hold a
     * consistent last checkpoint, and the next holder of the account (taking it when our lease is released, or when
     * it expires if even the release cannot reach the database) resumes from it: an operation whose end was not
     * written runs again from there (for a finished scrape, its last page), members are never stored twice. Only
     * counters written behind (retries, flood waits) may come up short. A write that lands later is fenced by the
     * lease epoch and changes nothing once the account is someone else's.
     */
    const settleWrites = async (what: string) => {
      if (!(await settledWithin(operations.settled(), cleanupMs))) {
        log.warn({ pending: writes.pending, cleanupMs, what }, 'writes did not reach the database within the cleanup budget; the rows keep the last checkpoint');
      }
    };
    const letGo = async (accountId: number, message: string) => {
      // Stop taking its jobs first, but never wait long for that (it asks the database, which may be what failed):
      // the account must be let go of before its lease can pass on. A job delivered later is refused, not ours.
      const dropped = feeder.dropAccount(accountId).catch((error: unknown) => log.warn({ err: error, accountId }, 'could not stop working an account queue'));
      await settledWithin(dropped, 1000);
      await engine.releaseAccount(accountId, message);
      operations.forgetBoundTo(accountId);
      held.forget(accountId);
    };
    // Taking an account up reads its row, budgets and operations: a read that fails (a dropped connection) is tried
    // again while the lease is ours, or the account would stay leased here and never be worked.
    const takeUp = async (accountId: number): Promise<void> => {
      for (let attempt = 1; keeper.claim(accountId) !== undefined && phase !== 'stopping'; attempt += 1) {
        try {
          const row = await accounts.get(accountId);
          if (row === undefined) return;
          held.load(row, await budgets.forAccount(accountId));
          await engine.attachAccount(row);
          await feeder.takeAccount(accountId);
          break;
        } catch (error) {
          log.warn({ err: error, accountId, attempt }, 'could not take up an account; trying again');
          await sleep(Math.min(250 * 2 ** attempt, 5000));
        }
      }
      // After its operations were taken up: a monitor operation resumed there arms its monitor already.
      for (let attempt = 1; keeper.claim(accountId) !== undefined && phase !== 'stopping'; attempt += 1) {
        try {
          await monitors.rearmOn(accountId);
          return;
        } catch (error) {
          if (error instanceof FencedWriteError) return;
          log.warn({ err: error, accountId, attempt }, 'could not re-arm the monitors of an account; trying again');
          await sleep(Math.min(250 * 2 ** attempt, 5000));
        }
      }
    };
    const keeper = new LeaseKeeper({
      worker: identity,
      leases,
      workers: createWorkerRepository(db.sql),
      slots: slotRepo,
      // Accounts worth a connection: not dead, with a session to connect with.
      listAccounts: async () => (await accounts.list()).filter((row) => row.health !== 'dead' && row.sessionEnc !== null).map((row) => row.id),
      events: {
        acquired: (accountId) => void step(accountId, 'take up', () => takeUp(accountId)),
        lost: (accountId, reason) => {
          // Synchronous first steps: the account's runs are aborted now, before its lease can pass on.
          void step(accountId, 'let go of', () => letGo(accountId, `Account #${accountId} is no longer held by this worker (${reason}).`));
        },
        handOff: (accountId) =>
          step(accountId, 'hand off', async () => {
            await letGo(accountId, `Account #${accountId} is handed to another worker.`);
            // Its requeues and checkpoints land while the lease is still ours: the next holder reads them.
            await settleWrites(`hand-off of account #${accountId}`);
          }),
        onTakeover: (accountId, from) => {
          log.warn({ accountId, from }, 'took over an account whose worker stopped renewing it');
          metrics?.metrics.onLeaseTakeover();
        },
      },
      logger: log.child({ module: 'leases' }),
      ttlMs: leaseMs,
      renewEveryMs: Math.round(leaseMs / 3),
      safetyMarginMs: Math.round(leaseMs / 6),
    });
    const metrics: MetricsEndpoint | undefined = configuredMetricsEndpoint(config, { engine, pingDatabase: () => pingDatabase(db), enginePhase: () => phase, logger: log });
    let stopping: Promise<void> | undefined;
    return {
      config,
      engine,
      keeper: keeper,
      metrics,
      async start() {
        await metrics?.start();
        await engine.start();
        stopChecks = startWorkerChecks({ engine, submit: (request) => submitter.submit(request), logger: log.child({ module: 'checks' }) });
        feeder.start();
        reconciler.start();
        await keeper.start();
        phase = 'running';
        log.info({ workerId: identity.id, accounts: keeper.heldAccounts().length, metrics: metrics?.url }, 'worker started');
      },
      stop() {
        stopping ??= (async () => {
          phase = 'stopping';
          try {
            await feeder.stop();
            await reconciler.stop();
            await keeper.stop();
            await engine.stop();
            await settleWrites('stop');
            // Writes still waiting for the database are dropped rather than retried: their rows resume elsewhere.
            writes.close();
            slots.close();
            await sandbox?.stop();
          } finally {
            await metrics?.stop();
            await closeAll();
            log.info('worker stopped');
          }
        })();
        return stopping;
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
