import type { Logger } from 'pino';
import type { TelegramClient } from 'telegram';
import { createBot, startPolling, type CreateBotOptions, type SwitchboardBot } from './bot/index.js';
import type { Polling } from './bot/run.js';
import type { Config } from './config.js';
import { createDatabase, type DatabaseHandle } from './db/client.js';
import { createKvRepository } from './db/repositories/kv.js';
import { createSessionCipher } from './db/session-crypto.js';
import { liveClientFactory } from './engine/clients/live-clients.js';
import { createSessionLeases } from './engine/clients/session-lease.js';
import { createEngine, type Engine } from './engine/index.js';
import { createLoginService, type LoginService } from './engine/login.js';
import { classifyTelegramError, registerTelegramOperations, type TelegramOperations } from './engine/operations/index.js';
import { sandboxClientFactory } from './sandbox/client-factory.js';
import { createBotApiServer, type BotApiServer } from './sandbox/bot-api/index.js';
import { createWorld, demoWorld, loadWorldFile, SANDBOX_API_HASH, SANDBOX_API_ID, type SandboxWorld } from './sandbox/index.js';

export interface App {
  readonly config: Config;
  readonly db: DatabaseHandle;
  readonly engine: Engine<TelegramClient | undefined>;
  readonly operations: TelegramOperations;
  readonly login: LoginService;
  /** The simulated Telegram, in sandbox mode. */
  readonly world: SandboxWorld | undefined;
  /** The admin bot. */
  readonly bot: SwitchboardBot;
  /** The embedded local Bot API server, in sandbox mode without BOT_API_ROOT. */
  readonly botApi: BotApiServer | undefined;
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
   * A sandbox world to use instead of loading one (tests that restart the panel keep their world); the
   * app does not stop a world it was given.
   * @default loaded from SANDBOX_WORLD, or the demo world
   */
  readonly world?: SandboxWorld;
}

/** The bot the embedded Bot API server plays. */
export const SANDBOX_BOT = { id: 5_000_000_001, username: 'switchboard_sandbox_bot', first_name: 'Switchboard' } as const;

/** Wires config → db → (sandbox world) → clients → engine → operations. `main.ts` adds the process concerns. */
export async function createApp({ config, logger, polling = true, botOptions = {}, world: givenWorld }: AppDependencies): Promise<App> {
  const sandbox = config.telegram.mode === 'sandbox';
  const world = !sandbox
    ? undefined
    : givenWorld ??
      createWorld(config.sandbox.world ? await loadWorldFile(config.sandbox.world) : demoWorld(), {
        tracePath: config.sandbox.trace,
        logger: logger.child({ module: 'sandbox' }),
      });
  const db = createDatabase(config.database.path);
  const cipher = createSessionCipher(config.security.sessionSecret);
  const clients = world
    ? sandboxClientFactory(world)
    : liveClientFactory({ apiId: config.telegram.apiId, apiHash: config.telegram.apiHash, leases: createSessionLeases(db) });
  const engine = createEngine<TelegramClient | undefined>({
    db,
    logger,
    cipher,
    clients,
    classify: classifyTelegramError,
    scrapeConcurrency: config.engine.scrapeConcurrency,
    timeouts: config.engine.timeouts,
    floodSleepThresholdS: config.engine.floodSleepThresholdS,
  });
  const operations = registerTelegramOperations(engine, {
    db,
    scrape: { participantsCap: world?.participantsCap ?? 10_000 },
    send: config.engine.send,
  });
  const login = createLoginService({
    engine,
    loginClient: (phone, session) => clients.loginClient(phone, session),
    store: createKvRepository(db),
    cipher,
    apiId: sandbox ? SANDBOX_API_ID : config.telegram.apiId,
    apiHash: sandbox ? SANDBOX_API_HASH : config.telegram.apiHash,
  });
  // In the sandbox the bot talks to an embedded Bot API server unless BOT_API_ROOT points elsewhere.
  let botApi: BotApiServer | undefined;
  let apiRoot = config.bot.apiRoot;
  if (sandbox && !apiRoot) {
    botApi = createBotApiServer({ token: config.bot.token, bot: SANDBOX_BOT, logger: logger.child({ module: 'bot-api' }) });
    for (const id of config.bot.adminIds) botApi.openChat({ id, first_name: id === config.bot.adminIds[0] ? 'Admin' : `Admin ${id}` });
    apiRoot = (await botApi.start()).url;
  }
  // Created before the engine starts, so the progress of resumed operations keeps editing its messages.
  const bot = createBot({ config, logger, engine, db, operations, login, conversationCipher: cipher, ...botOptions, ...(apiRoot ? { apiRoot } : {}) });
  let poller: Polling | undefined;
  let stopping: Promise<void> | undefined;
  return {
    config,
    db,
    engine,
    operations,
    login,
    world,
    bot,
    botApi,
    async start() {
      if (world) {
        // The demo's logged-in accounts are ready at start (SPEC §5); the others log in through /addaccount.
        const known = new Set((db.sqlite.prepare('select phone from accounts').all() as Array<{ phone: string }>).map((a) => a.phone));
        for (const account of world.accounts()) {
          if (account.authorized && !known.has(account.phone)) await engine.addAccount({ phone: account.phone, label: account.firstName });
        }
      }
      await engine.start();
      operations.start();
      if (polling) poller = await startPolling(bot);
      const status = engine.status();
      logger.info(
        { mode: config.telegram.mode, accounts: status.accounts.length, queued: status.queued, database: db.path, chats: world?.chats().length, botApi: botApi?.url },
        sandbox ? 'Switchboard started in sandbox mode (offline, simulated Telegram)' : 'Switchboard started in live mode',
      );
    },
    stop() {
      stopping ??= (async () => {
        try {
          if (poller) await poller.stop();
          else await bot.panel.stop();
          await login.stop();
          await engine.stop();
          if (world !== givenWorld) await world?.stop();
          await botApi?.stop();
        } finally {
          db.close();
          logger.info('Switchboard stopped');
        }
      })();
      return stopping;
    },
  };
}
