import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { AppDependencies } from './app.js';
import { Closers } from './closers.js';
import { startEmbeddedBotApi } from './embedded-bot-api.js';
import { createBot, startPolling, type BotStorage, type SwitchboardBot } from './bot/index.js';
import type { Polling } from './bot/run.js';
import { createHandledUpdates } from './bot/handled-updates.js';
import { systemClock } from './clock.js';
import { ConfigError, type Config } from './config.js';
import { createAccountsRepository } from './db/repositories/accounts.js';
import { createAuditRepository } from './db/repositories/audit.js';
import { createKvRepository } from './db/repositories/kv.js';
import { createMonitorsRepository } from './db/repositories/monitors.js';
import { createPortMemberReader } from './db/repositories/member-reader-port.js';
import { createPortMemberStore } from './db/repositories/member-store.js';
import { createOperationsRepository } from './db/repositories/operations.js';
import { createReportsRepository } from './db/repositories/reports.js';
import { createSchedulesRepository } from './db/repositories/schedules.js';
import { createScrapeSlotRepository } from './db/repositories/scrape-slots.js';
import { createWorkerRepository } from './db/repositories/workers.js';
import { openPostgresDatabase, type PostgresDatabaseHandle } from './db/postgres-client.js';
import { pingDatabase } from './db/ping.js';
import { createSessionCipher } from './db/session-crypto.js';
import { sessionString } from './engine/clients/session-string.js';
import type { EventBus } from './engine/distributed/event-bus.js';
import type { FleetEvents } from './engine/distributed/fleet-events.js';
import { FleetPanelEngine } from './engine/distributed/fleet-panel-engine.js';
import { FleetSubmitter } from './engine/distributed/fleet-submitter.js';
import { OperationQueue } from './engine/distributed/operation-queue.js';
import { createPgEventBus } from './engine/distributed/pg-event-bus.js';
import { fleetRunners } from './engine/distributed/fleet-runners.js';
import { PanelMonitors } from './engine/distributed/panel-monitors.js';
import { monitorOperation } from './engine/operations/monitor.js';
import type { OperationType } from './engine/types.js';
import { createPanelLogin } from './panel-login.js';
import { configuredMetricsEndpoint, type EnginePhase, type MetricsEndpoint } from './metrics/index.js';
import type { BotApiServer } from './sandbox/bot-api/index.js';
import { openSandbox, type OpenSandbox } from './sandbox/open-sandbox.js';

/** The panel of a fleet (ROLE=panel): the admin bot over the shared PostgreSQL; workers do the work. */
export interface PanelApp {
  readonly config: Config;
  readonly db: PostgresDatabaseHandle;
  readonly engine: FleetPanelEngine;
  readonly bot: SwitchboardBot;
  /** The embedded local Bot API server, in sandbox mode without BOT_API_ROOT. */
  readonly botApi: BotApiServer | undefined;
  /** The simulated Telegram, in sandbox mode: hosted here with SANDBOX_SERVE for the workers, or reached with SANDBOX_CONNECT. */
  readonly sandbox: OpenSandbox | undefined;
  readonly metrics: MetricsEndpoint | undefined;
  start(): Promise<void>;
  /** Stops the bot, then closes the queue, the bus and the database; idempotent. */
  stop(): Promise<void>;
}

/** What a panel is built from: as one process (AppDependencies), without a world of its own. */
export type PanelDependencies = Pick<AppDependencies, 'config' | 'logger' | 'polling' | 'botOptions'>;

/**
 * Wires a panel (docs/deploy.md): PostgreSQL (migrated) → queue and event bus → the fleet engine (submits to the queue,
 * reads rows, hears the workers) → the bot, whose repositories are the shared database's.
 */
export async function createPanelApp({ config, logger, polling = true, botOptions = {} }: PanelDependencies): Promise<PanelApp> {
  const url = config.database.url;
  if (url === undefined) throw new ConfigError('DATABASE_URL', 'ROLE=panel needs DATABASE_URL: the PostgreSQL database the panel and the workers share');
  const log = logger.child({ role: 'panel' });
  const db = await openPostgresDatabase(url, { logger: log });
  const closers = new Closers(log);
  closers.push(() => db.close());
  const closeAll = () => closers.closeAll();
  try {
    const sandboxMode = config.telegram.mode === 'sandbox';
    const sandbox = sandboxMode
      ? await openSandbox({ worldPath: config.sandbox.world, tracePath: config.sandbox.trace, serve: config.sandbox.serve, connect: config.sandbox.connect, logger: log })
      : undefined;
    if (sandbox) closers.push(() => sandbox.stop());
    const queue = await OperationQueue.start({ connectionString: url, logger: log.child({ module: 'queue' }) });
    closers.push(() => queue.stop({ graceful: false }));
    const bus: EventBus<FleetEvents> = await createPgEventBus<FleetEvents>({ url, origin: `panel:${hostname()}:${process.pid}:${randomUUID()}`, logger: log.child({ module: 'events' }) });
    closers.push(() => bus.close());
    const cipher = createSessionCipher(config.security.sessionSecret);
    const operations = createOperationsRepository(db);
    const accounts = createAccountsRepository(db);
    const members = createPortMemberStore(db);
    const monitorRows = createMonitorsRepository(db);
    // The workers' runners check what is submitted: their kinds, parameters and priorities. The panel runs none of
    // them, so its monitor runner never watches anything: the hits it alerts come from the workers.
    const monitorRunner = monitorOperation({ members, monitors: monitorRows, onHit: () => undefined });
    const definitions = fleetRunners({ members, lastSentAt: (accountId) => operations.lastSucceeded('send', accountId), monitor: monitorRunner });
    const types = new Map<string, OperationType>(definitions.map((def) => [def.kind, def.type]));
    const internalKinds = definitions.filter((def) => def.internal === true).map((def) => def.kind);
    const submitter = new FleetSubmitter({ db: db.sql, operations, accounts, queue, definitions });
    const engine = new FleetPanelEngine({
      operations,
      accounts,
      workers: createWorkerRepository(db.sql),
      slots: createScrapeSlotRepository(db.sql),
      submitter,
      db: db.sql,
      queue,
      bus,
      types,
      internalKinds,
      scrapeLimit: config.engine.scrapeConcurrency,
      leaseMs: config.process.leaseMs,
      cipher,
      credentials: config.telegram.credentials,
      logger: log.child({ module: 'engine' }),
    });
    closers.push(async () => engine.close());
    const monitors = new PanelMonitors({ db: db.sql, monitors: monitorRows, accounts, operations, queue, bus, events: engine.events, logger: log.child({ module: 'monitors' }), sweepEveryMs: config.process.leaseMs });
    closers.push(async () => monitors.close());

    const clock = systemClock;
    const kv = createKvRepository(db, { now: () => clock.now() });
    // Logins and imports open short-lived clients here, on new sessions; the accounts they add are the workers' to connect.
    const logins = createPanelLogin({ engine, store: kv, cipher, sandbox, logger: log });
    closers.push(() => logins.stop());
    const storage: BotStorage = {
      repos: {
        members: createPortMemberReader(db),
        schedules: createSchedulesRepository(db),
        audit: createAuditRepository(db),
        kv,
        reports: createReportsRepository(db),
        monitors: monitorRows,
      },
      handledUpdates: createHandledUpdates(db),
    };
    const embedded = await startEmbeddedBotApi(config, log);
    const botApi = embedded?.server;
    if (botApi) closers.push(() => botApi.stop());
    const apiRoot = embedded?.url ?? config.bot.apiRoot;
    // /monitor stop marks the row stopped and tells the worker watching (panel-monitors.ts).
    const bot = createBot({ config, logger: log, engine, storage, monitors: { stopMonitor: (id) => monitors.stopMonitor(id) }, login: logins.login, importer: logins.importer, conversationCipher: cipher, clock, ...botOptions, ...(apiRoot ? { apiRoot } : {}) });
    let phase: EnginePhase = 'starting';
    const metrics = configuredMetricsEndpoint(config, { engine, pingDatabase: () => pingDatabase(db), enginePhase: () => phase, logger: log });
    let poller: Polling | undefined;
    let stopping: Promise<void> | undefined;
    return {
      config,
      db,
      engine,
      bot,
      botApi,
      sandbox,
      metrics,
      async start() {
        await metrics?.start();
        if (sandbox) {
          // As in one process: the world's logged-in accounts are there from the start (docs/sandbox.md), in the shared
          // database, where the workers find them.
          for (const account of sandbox.info.accounts) {
            if (await accounts.byPhone(account.phone)) continue;
            await engine.addAccount({ phone: account.phone, label: account.firstName, session: await sessionString(account.dcId, account.authKey) });
          }
        }
        await bot.panel.start();
        // Monitors whose account was removed or died while no panel ran are armed again on the fleet.
        monitors.start();
        if (polling) poller = await startPolling(bot);
        phase = 'running';
        log.info({ mode: config.telegram.mode, botApi: botApi?.url, metrics: metrics?.url, sandbox: sandbox?.address }, 'Switchboard panel started');
      },
      stop() {
        stopping ??= (async () => {
          phase = 'stopping';
          try {
            if (poller) await poller.stop();
            else await bot.panel.stop();
          } finally {
            await metrics?.stop();
            await closeAll();
            log.info('Switchboard panel stopped');
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
