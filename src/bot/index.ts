import { autoRetry } from '@grammyjs/auto-retry';
import { Composer } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { DatabaseHandle } from '../db/client.js';
import { createSessionCipher, type SessionCipher } from '../db/session-crypto.js';
import { adminFilter } from './admin-filter.js';
import { auditTrail, readCommand } from './audit.js';
import { systemClock, type Clock } from '../clock.js';
import { registerCommands } from './commands.js';
import type { BotContext } from './context.js';
import { conversationsFeature } from './conversations/index.js';
import { createRepositories, type FeatureDeps } from './deps.js';
import { accountsFeature } from './features/accounts.js';
import { bulkFeature } from './features/bulk.js';
import { checkFeature } from './features/check.js';
import { importFeature } from './features/import.js';
import { exportFeature } from './features/export.js';
import { joinFeature } from './features/join.js';
import { monitorFeature } from './features/monitor.js';
import { proxyFeature } from './features/proxy.js';
import { opsFeature } from './features/ops.js';
import { reportFeature } from './features/report.js';
import { scheduleFeature } from './features/schedule.js';
import { scrapeFeature } from './features/scrape.js';
import { sendFeature } from './features/send.js';
import { startFeature } from './features/start.js';
import { statsFeature } from './features/stats.js';
import { statusFeature } from './features/status.js';
import { groupChatsFeature } from './group-chats.js';
import { createHandledUpdates, type HandledUpdates } from './handled-updates.js';
import type { AccountLogin, MonitorControl, PanelEngine, Repositories, SessionImport } from './ports.js';
import { buildReport, sendReport } from './report/report.js';
import { ReportScheduler } from './report/scheduler.js';
import { answerUnknownButton } from './screen.js';
import { AccountAlerts } from './services/account-alerts.js';
import { BulkTracker } from './services/bulk-tracker.js';
import { MonitorAlerts } from './services/monitor-alerts.js';
import { ProgressReporter } from './services/progress.js';
import { SwitchboardBot, type PanelServiceSet } from './switchboard-bot.js';
import { reportInterrupted, updateOnce } from './update-once.js';

/** Telegram's public Bot API, grammY's default. */
const DEFAULT_API_ROOT = 'https://api.telegram.org';
const DEFAULT_CONVERSATION_TIMEOUT_MS = 5 * 60_000;

export interface CreateBotOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly engine: PanelEngine;
  /**
   * The one-process database (SQLite): the bot's repositories and handled updates are made over it. Give either this
   * or `storage`.
   */
  readonly db?: DatabaseHandle;
  /**
   * The bot's repositories and handled updates, made by the caller (a panel over PostgreSQL, `src/panel-app.ts`).
   * @default made over `db`
   */
  readonly storage?: BotStorage;
  /** Stops monitors (/monitor stop): the registered Telegram operations (`registerTelegramOperations(...)`) fit. */
  readonly monitors: MonitorControl;
  /**
   * Bot API base URL.
   * @default config.bot.apiRoot, else Telegram's public Bot API
   */
  readonly apiRoot?: string;
  /**
   * The bot's own user; given, no getMe call is made (tests, or a known bot).
   * @default fetched by `bot.init()`
   */
  readonly botInfo?: UserFromGetMe;
  /** @default the process clock */
  readonly clock?: Clock;
  /**
   * Least time between two edits of one progress message, in ms.
   * @default 3000
   */
  readonly progressIntervalMs?: number;
  /**
   * Monitor hits arriving within this many ms go out as one message.
   * @default 2000
   */
  readonly alertWindowMs?: number;
  /**
   * Time zone of /schedule cron expressions.
   * @default 'UTC'
   */
  readonly timezone?: string;
  /**
   * Retry Bot API calls refused with 429 (flood) or 5xx.
   * @default true
   */
  readonly autoRetry?: boolean;
  /**
   * Downloads a file the admin sent, by its Bot API `file_path`.
   * @default an HTTP GET of `${apiRoot}/file/bot${token}/${filePath}`
   */
  readonly downloadFile?: (filePath: string) => Promise<Uint8Array>;
  /**
   * Logs accounts in by phone, login code and two-step password (the engine's `createLoginService`
   * fits). Without it, /addaccount takes session strings only.
   * @default none: session strings only
   */
  readonly login?: AccountLogin;
  /**
   * Checks and adds imported sessions for /import (the engine's `createSessionImporter` fits).
   * @default none: /import says it is not set up
   */
  readonly importer?: SessionImport;
  /**
   * How long each question of a conversation (/addaccount, /scrape and /schedule add without arguments)
   * waits for its answer, in ms. A later answer is told the conversation timed out.
   * @default 300000 (5 minutes)
   */
  readonly conversationTimeoutMs?: number;
  /**
   * Encrypts the stored state of conversations, which holds login codes and passwords while they are
   * asked. Pass the engine's session cipher to derive its key once.
   * @default a cipher keyed by config.security.sessionSecret
   */
  readonly conversationCipher?: SessionCipher;
}

/** Where the bot keeps what it stores: its repositories and the updates it took on. */
export interface BotStorage {
  readonly repos: Repositories;
  readonly handledUpdates: HandledUpdates;
}

/** The bot's storage in the one-process database. */
export function sqliteStorage(db: DatabaseHandle, clock: Clock = systemClock): BotStorage {
  return { repos: createRepositories(db, clock), handledUpdates: createHandledUpdates(db) };
}

function defaultDownloader(apiRoot: string, token: string, logger: Logger): (filePath: string) => Promise<Uint8Array> {
  return async (filePath) => {
    // A local Bot API server may answer with an absolute path on its own disk.
    const url = /^https?:\/\//.test(filePath) ? filePath : `${apiRoot}/file/bot${token}/${filePath.replace(/^\/+/, '')}`;
    const response = await fetch(url);
    if (!response.ok) {
      logger.warn({ status: response.status }, 'file download failed');
      throw new Error(`file download failed with HTTP ${response.status}`);
    }
    return new Uint8Array(await response.arrayBuffer());
  };
}

/**
 * Builds the admin bot. Engine events are followed from here on, so create the bot before
 * `engine.start()`: progress of resumed operations then keeps editing its old messages.
 * Then `await bot.panel.start()` and start polling (see `startPolling`).
 */
export function createBot(options: CreateBotOptions): SwitchboardBot {
  const { config, engine, monitors } = options;
  const logger = options.logger.child({ module: 'bot' });
  const clock = options.clock ?? systemClock;
  const apiRoot = options.apiRoot ?? config.bot.apiRoot;
  const bot = new SwitchboardBot(config.bot.token, {
    ...(apiRoot ? { client: { apiRoot } } : {}),
    ...(options.botInfo ? { botInfo: options.botInfo } : {}),
  });
  if (options.autoRetry ?? true) bot.api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 60 }));

  const storage = options.storage ?? (options.db ? sqliteStorage(options.db, clock) : undefined);
  if (storage === undefined) throw new TypeError('createBot needs its database: db or storage');
  const { repos, handledUpdates } = storage;
  const progress = new ProgressReporter({ api: bot.api, engine, logger, clock, ...(options.progressIntervalMs ? { intervalMs: options.progressIntervalMs } : {}) });
  const alerts = repos.monitors && new MonitorAlerts({
    api: bot.api,
    engine,
    monitors: repos.monitors,
    fallbackChatId: config.bot.adminIds[0] ?? config.bot.reportChatId,
    logger,
    clock,
    ...(options.alertWindowMs ? { windowMs: options.alertWindowMs } : {}),
  });
  const accountAlerts = new AccountAlerts({ api: bot.api, engine, chatId: config.bot.reportChatId, logger });
  const bulk = new BulkTracker({ api: bot.api, engine, kv: repos.kv, editor: progress.editor, logger });
  const scheduler = new ReportScheduler({
    schedules: repos.schedules,
    logger,
    clock,
    ...(options.timezone ? { timezone: options.timezone } : {}),
    deliver: async (schedule) => {
      const report = await buildReport({ reports: repos.reports, members: repos.members, monitors: repos.monitors, engine }, clock.now());
      await sendReport(bot.api, schedule.chatId, report);
    },
  });
  const services: PanelServiceSet = {
    progress,
    bulk,
    alerts,
    scheduler,
    downloadFile: options.downloadFile ?? defaultDownloader(apiRoot ?? DEFAULT_API_ROOT, config.bot.token, logger),
  };
  progress.attach();
  alerts?.attach();
  accountAlerts.attach();
  bulk.attach();

  let stopping: Promise<void> | undefined;
  bot.panel = {
    services,
    async start() {
      await reportInterrupted({ store: handledUpdates, api: bot.api, clock, logger });
      await registerCommands(bot.api, config.bot.adminIds).catch((error: unknown) => logger.warn({ err: error }, 'could not register the command menu'));
      await bulk.restore();
      await scheduler.start();
    },
    stop() {
      stopping ??= (async () => {
        await scheduler.stop();
        await alerts?.detach();
        accountAlerts.detach();
        await bulk.detach();
        progress.detach();
      })();
      return stopping;
    },
  };

  const deps: FeatureDeps = { config, logger, engine, monitors, repos, clock, services, ...(options.login ? { login: options.login } : {}), ...(options.importer ? { importer: options.importer } : {}) };
  // First of all: an update Telegram delivers again after a restart is not handled twice.
  bot.use(updateOnce({ store: handledUpdates, clock, logger, adminIds: config.bot.adminIds }));
  bot.use(auditTrail({ audit: repos.audit, clock, logger }));
  bot.use(groupChatsFeature({ adminIds: config.bot.adminIds, schedules: repos.schedules, monitors: repos.monitors, logger }));
  bot.use(adminFilter({ adminIds: config.bot.adminIds, clock }));
  // After the admin filter: strangers never reach a conversation.
  bot.use(
    conversationsFeature({
      deps,
      kv: repos.kv,
      cipher: options.conversationCipher ?? createSessionCipher(config.security.sessionSecret),
      timeoutMs: options.conversationTimeoutMs ?? DEFAULT_CONVERSATION_TIMEOUT_MS,
    }),
  );
  bot.use(
    startFeature(),
    // Before the others: it sees every command (one ends an open /import window) and takes a document sent
    // while /import waits for sessions before /bulk takes it for a list; everything else passes on.
    importFeature(deps, options.progressIntervalMs ? { intervalMs: options.progressIntervalMs } : {}),
    statusFeature(deps),
    accountsFeature(deps),
    checkFeature(deps),
    scrapeFeature(deps),
    bulkFeature(deps),
    joinFeature(deps),
    monitorFeature(deps),
    sendFeature(deps),
    opsFeature(deps),
    exportFeature(deps),
    statsFeature(deps),
    reportFeature(deps),
    scheduleFeature(deps),
    proxyFeature(deps),
  );
  bot.use(fallbackFeature());

  bot.catch(async (error) => {
    logger.error({ err: error.error, updateId: error.ctx.update.update_id }, 'a bot handler failed');
    const ctx = error.ctx;
    try {
      if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: 'Something went wrong; it was logged. Try again.' });
      else if (ctx.chat) await ctx.reply('Something went wrong on the panel’s side; it was logged. Nothing else was changed by this message.');
    } catch {
      // The chat is unreachable; the log has it.
    }
  });
  return bot;
}

/** What nothing else handled: unknown commands get a hint, unknown buttons an answer. */
function fallbackFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.on('callback_query', answerUnknownButton);
  composer.on('message', async (ctx) => {
    const command = readCommand(ctx);
    if (command) {
      ctx.setOutcome('unknown command');
      await ctx.reply(`I don't know /${command.command}. /help lists what I can do.`);
      return;
    }
    if (ctx.chat.type === 'private') await ctx.reply('Send /help to see what I can do.');
  });
  return composer;
}

export { startPolling } from './run.js';
export { SwitchboardBot, type Panel, type PanelServiceSet } from './switchboard-bot.js';
export { registerCommands, COMMANDS, HELP_TEXT } from './commands.js';
export { REFUSAL } from './admin-filter.js';
export type { BotContext, PanelFlavor } from './context.js';
export type { PanelEngine, MonitorControl, PanelServices, AccountLogin, LoginStep } from './ports.js';
export type { Clock } from '../clock.js';
