import { createApp } from './app.js';
import { ConfigError, loadConfig, loadDotEnv } from './config.js';
import { createLogger } from './logger.js';

/** Composition root: config → logger → db → engine (→ sandbox and bot), with graceful shutdown. */
async function main(): Promise<void> {
  loadDotEnv();
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const secrets = new Set([config.bot.token, config.telegram.apiHash, config.security.sessionSecret]);
  const logger = createLogger({ level: config.log.level, secrets });
  const app = await createApp({ config, logger });

  // The panel runs until a signal, even while nothing else (bot polling, sandbox timers) holds the loop.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  let shuttingDown = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    clearInterval(keepAlive);
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);

  try {
    await app.start();
  } catch (error) {
    logger.fatal({ err: error }, 'start failed');
    await app.stop().catch(() => undefined);
    process.exit(1);
  }
}

await main();
