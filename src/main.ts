import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import pino from 'pino';
import { createApp, type App } from './app.js';
import { ConfigError, loadConfig, loadDotEnv } from './config.js';
import { createLogger } from './logger.js';
import { startChatPrompt, type ChatPrompt } from './sandbox/chat-prompt.js';

/** Composition root: config → logger → db → engine → bot (and, offline, the sandbox), with graceful shutdown. */
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
  // Offline on a terminal, the terminal is the chat with the bot: logs go to a file next to the database.
  const interactive = config.telegram.mode === 'sandbox' && !config.bot.apiRoot && process.stdin.isTTY === true;
  const logFile = resolve(dirname(config.database.path), 'switchboard.log');
  if (interactive) mkdirSync(dirname(logFile), { recursive: true });
  const secrets = new Set([config.bot.token, ...config.telegram.credentials.map((c) => c.apiHash), config.security.sessionSecret]);
  const logger = createLogger({
    level: config.log.level,
    secrets,
    ...(interactive ? { destination: pino.destination({ dest: logFile, sync: true, append: true }) } : {}),
  });

  let prompt: ChatPrompt | undefined;
  let shuttingDown = false;
  let app: App;
  try {
    app = await createApp({
      config,
      logger,
      onFatal: (error) => {
        process.stderr.write(`Switchboard must stop: ${error.message}. Queued and running work resumes at the next start.\n`);
        process.exitCode = 1;
        shutdown('fatal');
      },
    });
  } catch (error) {
    logger.fatal({ err: error }, 'start failed');
    process.stderr.write(`Switchboard could not start: ${(error as Error).message}\n`);
    process.exit(1);
  }
  function shutdown(signal: string): void {
    if (shuttingDown) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    prompt?.close();
    if (interactive) process.stdout.write('\nStopping… (unfinished work resumes at the next start)\n');
    app.stop().then(
      () => process.exit(process.exitCode ?? 0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  }
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));

  try {
    await app.start();
  } catch (error) {
    logger.fatal({ err: error }, 'start failed');
    process.stderr.write(`Switchboard could not start: ${(error as Error).message}\n`);
    await app.stop().catch(() => undefined);
    process.exit(1);
  }
  if (interactive && app.botApi) {
    process.stdout.write(`Switchboard is running in sandbox mode: a simulated Telegram, offline. Logs: ${logFile}\nCtrl-C stops it.\n`);
    const admin = config.bot.adminIds[0] ?? 1;
    const sandbox = app.sandbox;
    prompt = startChatPrompt({
      server: app.botApi,
      user: { id: admin, first_name: 'Admin' },
      onExit: () => shutdown('SIGINT'),
      ...(sandbox ? { scan: (phone: string, token: string) => sandbox.endpoint.acceptLoginToken(phone, token) } : {}),
    });
  }
}

await main();
