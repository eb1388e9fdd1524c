import type { Logger } from 'pino';
import { createAccountSide, type AccountSide } from './account-side.js';
import { createBot, startPolling, type CreateBotOptions, type SwitchboardBot } from './bot/index.js';
import type { Polling } from './bot/run.js';
import { ConfigError, type Config } from './config.js';
import { createDatabase, type DatabaseHandle } from './db/client.js';
import { pingDatabase } from './db/ping.js';
import { createSessionCipher } from './db/session-crypto.js';
import { sessionString } from './engine/clients/session-string.js';
import type { Engine } from './engine/index.js';
import type { LoginService } from './engine/login.js';
import type { TelegramOperations } from './engine/operations/index.js';
import { configuredMetricsEndpoint, type EnginePhase, type MetricsEndpoint } from './metrics/index.js';
import type { BotApiServer } from './sandbox/bot-api/index.js';
import { SANDBOX_BOT, startEmbeddedBotApi } from './embedded-bot-api.js';
import type { SandboxWorld } from './sandbox/index.js';
import { openSandbox, type OpenSandbox } from './sandbox/open-sandbox.js';

export interface App {
  readonly config: Config;
  readonly db: DatabaseHandle;
  readonly engine: Engine<unknown>;
  readonly operations: TelegramOperations;
  readonly login: LoginService;
  /** The simulated Telegram this process uses, in sandbox mode. */
  readonly sandbox: OpenSandbox | undefined;
  /** The sandbox world, when it was given in this thread (`AppDependencies.world`). */
  readonly world: SandboxWorld | undefined;
  /** The admin bot. */
  readonly bot: SwitchboardBot;
  /** The embedded local Bot API server, in sandbox mode without BOT_API_ROOT. */
  readonly botApi: BotApiServer | undefined;
  /** Prometheus metrics and /healthz on 127.0.0.1, when METRICS_PORT is set (README: Metrics and health). */
  readonly metrics: MetricsEndpoint | undefined;
  /** Starts the engine (resuming unfinished work) and re-arms monitors. */
  start(): Promise<void>;
  /** Stops everything within the cleanup budget and closes the database; idempotent. */
  stop(): Promise<void>;
}

export interface AppDependencies {
  readonly config: Config;
  readonly logger: Logger;
  /**
   * Whether to poll for bot updates (tests drive the bot themselves when false).
   * @default true
   */
  readonly polling?: boolean;
  /**
   * Bot settings tests shorten (progress edit interval, alert window).
   * @default {}
   */
  readonly botOptions?: Pick<CreateBotOptions, 'progressIntervalMs' | 'alertWindowMs'>;
  /**
   * A sandbox world in this thread to use instead of hosting one (tests that restart the panel keep their
   * world); the app does not stop a world it was given.
   * @default SANDBOX_CONNECT's, or SANDBOX_WORLD (or the demo world) hosted in a thread of its own
   */
  readonly world?: SandboxWorld;
  /**
   * Called when part of the app dies beyond repair (the accounts thread): the process should stop; queued
   * and running work resumes at the next start.
   * @default logs the error
   */
  readonly onFatal?: (error: Error) => void;
}

export { SANDBOX_BOT };

/** Wires config → db → (sandbox world) → clients → engine → operations. `main.ts` adds the process concerns. */
export async function createApp({ config, logger, polling = true, botOptions = {}, world: givenWorld, onFatal }: AppDependencies): Promise<App> {
  // One process keeps everything in SQLite; on PostgreSQL the panel (src/panel-app.ts) and the workers
  // (src/worker-app.ts) are separate processes. Refuse here, in this one place, rather than run on SQLite while the
  // admin expects PostgreSQL.
  if (config.database.url !== undefined) {
    throw new ConfigError(
      'DATABASE_URL',
      'DATABASE_URL is set, but one process (ROLE=all) keeps everything in SQLite at DATABASE_PATH: on PostgreSQL run one process with ROLE=panel and one or more with ROLE=worker (docs/deploy.md), or unset DATABASE_URL',
    );
  }
  const sandboxMode = config.telegram.mode === 'sandbox';
  const sandbox = sandboxMode
    ? await openSandbox({
        worldPath: config.sandbox.world,
        tracePath: config.sandbox.trace,
        serve: config.sandbox.serve,
        connect: config.sandbox.connect,
        world: givenWorld,
        logger,
      })
    : undefined;
  let db: DatabaseHandle;
  let side: AccountSide;
  try {
    db = createDatabase(config.database.path);
  } catch (error) {
    await sandbox?.stop();
    throw error;
  }
  const cipher = createSessionCipher(config.security.sessionSecret);
  const fatal = onFatal ?? ((error: Error) => logger.fatal({ err: error }, 'a part of Switchboard died; restart it to go on'));
  try {
    side = await createAccountSide({ config, logger, db, cipher, sandbox, onFatal: fatal });
  } catch (error) {
    db.close();
    await sandbox?.stop();
    throw error;
  }
  const { engine, operations, login, importer } = side;
  // In the sandbox the bot talks to an embedded Bot API server unless BOT_API_ROOT points elsewhere.
  const embedded = await startEmbeddedBotApi(config, logger);
  const botApi: BotApiServer | undefined = embedded?.server;
  const apiRoot = embedded?.url ?? config.bot.apiRoot;
  // Created before the engine starts, so the progress of resumed operations keeps editing its messages.
  const bot = createBot({ config, logger, engine, db, monitors: operations, login, importer, conversationCipher: cipher, ...botOptions, ...(apiRoot ? { apiRoot } : {}) });
  let poller: Polling | undefined;
  let stopping: Promise<void> | undefined;
  let phase: EnginePhase = 'starting';
  const metrics = configuredMetricsEndpoint(config, { engine, pingDatabase: () => pingDatabase(db), enginePhase: () => phase, logger });
  return {
    config,
    db,
    engine,
    operations,
    login,
    sandbox,
    world: givenWorld,
    bot,
    botApi,
    metrics,
    async start() {
      // First, so that a port in use stops the start before any account connects.
      await metrics?.start();
      if (sandbox) {
        // The world's logged-in accounts are ready at start, with the sessions the world hands out (as if
        // imported); the others log in through /addaccount (docs/sandbox.md).
        for (const account of sandbox.info.accounts) {
          const session = await sessionString(account.dcId, account.authKey);
          const known = engine.listAccounts().find((a) => a.phone === account.phone);
          if (!known) await engine.addAccount({ phone: account.phone, label: account.firstName, session });
          else if (!engine.hasSession(known.id)) await engine.setSession(known.id, session);
        }
      }
      await engine.start();
      await operations.start();
      if (polling) poller = await startPolling(bot);
      if (config.sandbox.serve && sandbox?.address) {
        logger.info({ address: sandbox.address }, `serving the simulated Telegram to other processes at ${sandbox.address} (SANDBOX_CONNECT=${sandbox.address})`);
      }
      phase = 'running';
      const status = engine.status();
      logger.info(
        { mode: config.telegram.mode, accounts: status.accounts.length, queued: status.queued, database: db.path, sandbox: sandbox?.endpoint.label, botApi: botApi?.url, metrics: metrics?.url },
        sandbox ? 'Switchboard started in sandbox mode (offline, simulated Telegram)' : 'Switchboard started in live mode',
      );
    },
    stop() {
      stopping ??= (async () => {
        phase = 'stopping';
        try {
          if (poller) await poller.stop();
          else await bot.panel.stop();
          await side.stop();
          await sandbox?.stop();
          await botApi?.stop();
        } finally {
          await metrics?.stop();
          db.close();
          logger.info('Switchboard stopped');
        }
      })();
      return stopping;
    },
  };
}
