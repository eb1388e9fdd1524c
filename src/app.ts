import type { Logger } from 'pino';
import type { Config } from './config.js';
import { createDatabase, type DatabaseHandle } from './db/client.js';
import { createSessionCipher } from './db/session-crypto.js';
import { createEngine, type Engine } from './engine/index.js';

export interface App {
  readonly config: Config;
  readonly db: DatabaseHandle;
  readonly engine: Engine;
  /** Starts the engine (resuming unfinished work). */
  start(): Promise<void>;
  /** Stops everything within the cleanup budget and closes the database; idempotent. */
  stop(): Promise<void>;
}

export interface AppDependencies {
  readonly config: Config;
  readonly logger: Logger;
}

/** Wires config → db → engine. `main.ts` adds the process concerns (signals, exit codes). */
export function createApp({ config, logger }: AppDependencies): App {
  const db = createDatabase(config.database.path);
  const cipher = createSessionCipher(config.security.sessionSecret);
  const engine = createEngine({
    db,
    logger,
    cipher,
    scrapeConcurrency: config.engine.scrapeConcurrency,
    timeouts: config.engine.timeouts,
    floodSleepThresholdS: config.engine.floodSleepThresholdS,
  });
  let stopping: Promise<void> | undefined;
  return {
    config,
    db,
    engine,
    async start() {
      await engine.start();
      const status = engine.status();
      logger.info(
        { mode: config.telegram.mode, accounts: status.accounts.length, queued: status.queued, database: db.path },
        config.telegram.mode === 'sandbox' ? 'Switchboard started in sandbox mode (offline, simulated Telegram)' : 'Switchboard started in live mode',
      );
    },
    stop() {
      stopping ??= (async () => {
        try {
          await engine.stop();
        } finally {
          db.close();
          logger.info('Switchboard stopped');
        }
      })();
      return stopping;
    },
  };
}
