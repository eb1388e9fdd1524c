import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import pino, { type Logger } from 'pino';
import { createApp, type App } from './app.js';
import { ConfigError, loadConfig, loadDotEnv } from './config.js';
import { databaseUrlSecrets } from './db/database-url.js';
import { createLogger } from './logger.js';
import { startChatPrompt, type ChatPrompt } from './sandbox/chat-prompt.js';
import { createPanelApp } from './panel-app.js';
import { createWorkerApp } from './worker-app.js';
import { createPlayground, unavailableLine, type Playground } from './sandbox/playground/index.js';

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
  const secrets = new Set([config.bot.token, ...config.telegram.credentials.map((c) => c.apiHash), config.security.sessionSecret, ...databaseUrlSecrets(config.database.url)]);
  const logger = createLogger({
    level: config.log.level,
    secrets,
    ...(interactive ? { destination: pino.destination({ dest: logFile, sync: true, append: true }) } : {}),
  });

  if (config.process.role === 'worker') return runFleetProcess(logger, () => createWorkerApp({ config, logger }), 'shutting down: handing the accounts back');
  if (config.process.role === 'panel') return runFleetProcess(logger, () => createPanelApp({ config, logger }), 'shutting down the panel');

  let prompt: ChatPrompt | undefined;
  let playground: Playground | undefined;
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
    Promise.resolve(playground?.stop())
      .then(() => app.stop())
      .then(
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
  // With BOT_API_ROOT the bot talks to another Bot API server: its chats are not this process's to show.
  if (!app.botApi) {
    if (config.telegram.mode === 'sandbox' && config.sandbox.playgroundPort !== 0) logger.info('no playground: BOT_API_ROOT points the bot at another Bot API server');
    return;
  }
  const user = { id: config.bot.adminIds[0] ?? 1, first_name: 'Admin' };
  const sandbox = app.sandbox;
  const scan = sandbox ? { scan: (phone: string, token: string) => sandbox.endpoint.acceptLoginToken(phone, token) } : {};
  let playgroundLine = '';
  if (config.sandbox.playgroundPort !== 0) {
    playground = createPlayground({ chat: app.botApi, user, logger: logger.child({ module: 'playground' }), ...scan });
    const started = await playground.start(config.sandbox.playgroundPort);
    if (started.kind === 'listening') playgroundLine = `Open ${started.url} to chat with the panel in your browser (the playground).\n`;
    else {
      logger.warn({ port: started.port, reason: started.reason }, 'playground not started');
      process.stderr.write(`${unavailableLine(started)}\n`);
      playground = undefined;
    }
  }
  if (interactive) {
    process.stdout.write(`Switchboard is running in sandbox mode: a simulated Telegram, offline. Logs: ${logFile}\n${playgroundLine}Ctrl-C stops it.\n`);
    prompt = startChatPrompt({ server: app.botApi, user, onExit: () => shutdown('SIGINT'), ...scan });
  }
}

/** A process of a fleet: started, then stopped at the first signal (a second one exits at once). */
interface FleetProcess {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * ROLE=worker (no bot, no chat: it holds its share of the accounts until a signal hands them back) and ROLE=panel (the
 * bot over the shared database; no accounts).
 */
async function runFleetProcess(logger: Logger, create: () => Promise<FleetProcess>, stopping: string): Promise<void> {
  let fleetProcess: FleetProcess;
  try {
    fleetProcess = await create();
  } catch (error) {
    logger.fatal({ err: error }, 'start failed');
    process.stderr.write(`Switchboard could not start: ${(error as Error).message}\n`);
    process.exit(1);
  }
  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) process.exit(130);
    shuttingDown = true;
    logger.info({ signal }, stopping);
    fleetProcess.stop().then(
      () => process.exit(process.exitCode ?? 0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  try {
    await fleetProcess.start();
  } catch (error) {
    logger.fatal({ err: error }, 'start failed');
    process.stderr.write(`Switchboard could not start: ${(error as Error).message}\n`);
    await fleetProcess.stop().catch(() => undefined);
    process.exit(1);
  }
}

await main();
