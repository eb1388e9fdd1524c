import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { DatabaseHandle } from './db/client.js';
import { createKvRepository } from './db/repositories/kv.js';
import type { SessionCipher } from './engine/options.js';
import { startAccountThread, type AccountThread } from './engine/account-thread/account-thread.js';
import { telegramClientFactory } from './engine/clients/client-factory.js';
import { createSessionLeases } from './engine/clients/session-lease.js';
import { createEngine, type Engine } from './engine/index.js';
import { createLoginService, type LoginService } from './engine/login.js';
import { createSessionImporter, type SessionImporter } from './engine/session-import.js';
import {
  classifyTelegramError,
  registerTelegramOperations,
  telegramRunners,
  type TelegramOperations,
  type TelegramOperationsOptions,
} from './engine/operations/index.js';
import { sandboxTransport } from './sandbox/sandbox-client.js';
import type { OpenSandbox } from './sandbox/open-sandbox.js';

/** The engine and what drives the accounts: their clients (here or in the accounts thread), the runners, logins. */
export interface AccountSide {
  readonly engine: Engine<unknown>;
  readonly operations: TelegramOperations;
  readonly login: LoginService;
  /** Adds accounts from imported sessions (/import), checking each through the same client path as logins. */
  readonly importer: SessionImporter;
  /** The thread the accounts' GramJS work runs in, when it runs off this one. */
  readonly thread: AccountThread | undefined;
  /** Stops logins, the engine and the accounts thread. */
  stop(): Promise<void>;
}

export interface AccountSideOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly db: DatabaseHandle;
  readonly cipher: SessionCipher;
  readonly sandbox: OpenSandbox | undefined;
  /** Called when the accounts thread dies: the process should stop (its work resumes at the next start). */
  readonly onFatal: (error: Error) => void;
}

/**
 * Builds the engine over the accounts. Their GramJS work runs in a thread of its own when it can (a database
 * file both threads open, and Telegram or a simulated one reachable over a socket): decoding is CPU the
 * bot's thread must not wait behind. A world given in this thread (tests) keeps everything here.
 */
export async function createAccountSide({ config, logger, db, cipher, sandbox, onFatal }: AccountSideOptions): Promise<AccountSide> {
  // One way to build every account's client; the sandbox only swaps the transport. Each account presents
  // its own credential and device, which the engine assigns once from these (README, Accounts: device and app credential).
  const { credentials } = config.telegram;
  const clients = telegramClientFactory({
    transport: sandbox ? sandboxTransport(sandbox.endpoint) : undefined,
    leases: createSessionLeases(db),
  });
  const runnerOptions: Omit<TelegramOperationsOptions, 'db'> = {
    scrape: { participantsCap: sandbox?.info.participantsCap ?? 10_000 },
    send: config.engine.send,
  };
  const reachable = sandbox === undefined || sandbox.socket !== undefined;
  const thread =
    config.engine.accountsThread && reachable && db.path !== ':memory:'
      ? await startAccountThread({
          databasePath: db.path,
          sandbox: sandbox?.socket,
          floodSleepThreshold: 0,
          scrape: { participantsCap: runnerOptions.scrape?.participantsCap ?? 10_000 },
          send: config.engine.send,
          logger: logger.child({ module: 'accounts' }),
          onCrash: onFatal,
        })
      : undefined;
  // The accounts thread writes most (members, page by page), so it folds the WAL back into the database:
  // a checkpoint (and its fsync) on the bot's thread would stall the panel's answers.
  if (thread) db.sqlite.pragma('wal_autocheckpoint = 0');
  const engine = createEngine<unknown>({
    db,
    logger,
    cipher,
    clients: thread ? thread.clients : clients,
    credentials,
    classify: classifyTelegramError,
    scrapeConcurrency: config.engine.scrapeConcurrency,
    timeouts: config.engine.timeouts,
    floodSleepThresholdS: config.engine.floodSleepThresholdS,
    budgets: config.engine.budgets,
  });
  const reports = { onHit: engine.emitMonitorHit.bind(engine), recordHealthCheck: engine.recordHealthCheck.bind(engine) };
  const local = telegramRunners({ db, ...runnerOptions }, reports);
  thread?.reportTo(reports);
  const operations = registerTelegramOperations(engine, { db, ...runnerOptions, logger: logger.child({ module: 'checks' }) }, thread ? thread.remote(local) : local);
  const login = createLoginService({
    engine,
    loginClient: (session, identity) => clients.loginClient(session, identity),
    store: createKvRepository(db),
    cipher,
    logger: logger.child({ module: 'login' }),
  });
  const importer = createSessionImporter({ engine, probe: (session, identity) => clients.loginClient(session, identity), logger });
  return {
    engine,
    operations,
    login,
    importer,
    thread,
    async stop() {
      await login.stop();
      await engine.stop();
      await thread?.stop();
    },
  };
}
