import pino, { type Logger } from 'pino';
import type { TelegramClient } from 'telegram';
import type { DatabaseHandle } from '../../db/client.js';
import { createMembersRepository } from '../../db/repositories/members.js';
import { createOperationsRepository } from '../../db/repositories/operations.js';
import { createMonitorsRepository } from '../../db/repositories/monitors.js';
import type { Engine } from '../engine.js';
import type { MonitorHit, RunnerDefinition } from '../types.js';
import { proxyCheckOperation } from './proxy-check.js';
import { checkOperation, type CheckOptions } from './check.js';
import { recordCheckResults, startDailyChecks, type CheckScheduleOptions } from './check-schedule.js';
import { healthOperation, startHealthChecks, type HealthCheckOptions } from './health.js';
import { joinOperation } from './join.js';
import { monitorOperation } from './monitor.js';
import { scrapeOperation, type ScrapeOptions } from './scrape.js';
import { sendOperation, type SendOptions } from './send.js';

export interface TelegramOperationsOptions {
  readonly db: DatabaseHandle;
  readonly scrape?: Omit<ScrapeOptions, 'members'>;
  readonly send?: Omit<SendOptions, 'lastSentAt' | 'members'>;
  readonly health?: HealthCheckOptions & {
    /**
     * Whether to check idle accounts periodically.
     * @default true
     */
    readonly enabled?: boolean;
  };
  /** The check of sessions and @SpamBot verdicts (README.md, "Account checks"), and its daily round. */
  readonly checks?: CheckOptions & CheckScheduleOptions;
  /**
   * Where the check round logs what it could not read.
   * @default undefined (silent)
   */
  readonly logger?: Logger;
}

export interface TelegramOperations {
  /** Stops a monitor: its watch ends at once and it is not re-armed. */
  stopMonitor(monitorId: number): Promise<boolean>;
  /** Re-arms active monitors after a restart; call after `engine.start()`. */
  start(): Promise<void>;
}

/** What the runners report to whoever runs the engine (in this thread or the main one). */
export interface RunnerReports {
  readonly onHit: (hit: MonitorHit) => void;
  readonly recordHealthCheck: Engine<unknown>['recordHealthCheck'];
}

/** The runners of scrape, join, monitor, send and health, and the control of running monitors. */
export interface TelegramRunners {
  readonly definitions: readonly RunnerDefinition<never, TelegramClient | undefined, never, unknown>[];
  /** Stops a monitor's watch (and marks it stopped); false when it was not active. */
  stopMonitor(monitorId: number): Promise<boolean>;
  /** Ends a monitor's watch in this process, leaving its row as it is (it was stopped elsewhere). */
  abortMonitor(monitorId: number): boolean;
}

/** Builds the Telegram runners on a database; where they run (this thread, the accounts thread) is the caller's choice. */
export function telegramRunners(options: Omit<TelegramOperationsOptions, 'health' | 'logger'>, reports: RunnerReports): TelegramRunners {
  const members = createMembersRepository(options.db);
  const monitors = createMonitorsRepository(options.db);
  const sendsOf = createOperationsRepository(options.db);
  const monitor = monitorOperation({ members, monitors, onHit: reports.onHit });
  const definitions = [
    scrapeOperation({ members, ...options.scrape }),
    joinOperation({ members }),
    monitor,
    sendOperation({ lastSentAt: (accountId) => sendsOf.lastSucceeded('send', accountId), members, ...options.send }),
    healthOperation(reports),
    proxyCheckOperation(),
    checkOperation(reports, options.checks),
  ] as unknown as TelegramRunners['definitions'];
  return { definitions, stopMonitor: (monitorId) => monitor.stop(monitorId), abortMonitor: (monitorId) => monitor.abort(monitorId) };
}

/**
 * Registers scrape, join, monitor, send and health on the engine. `runners` replaces the runners built
 * here (the accounts thread hands in stand-ins that run the real ones there).
 */
export function registerTelegramOperations(
  engine: Engine<unknown>,
  options: TelegramOperationsOptions,
  runners: TelegramRunners = telegramRunners(options, { onHit: (hit) => engine.emitMonitorHit(hit), recordHealthCheck: (id, profile) => engine.recordHealthCheck(id, profile) }),
): TelegramOperations {
  for (const definition of runners.definitions) engine.register(definition as unknown as RunnerDefinition<never, unknown, never, unknown>);
  recordCheckResults(engine, options.logger ?? pino({ level: 'silent' }), options.checks);
  return {
    stopMonitor: (monitorId) => runners.stopMonitor(monitorId),
    async start() {
      // Every unfinished monitor operation, however much other work waits: one re-armed twice would watch twice.
      const running = new Set(engine.unfinishedOperations('monitor').map((op) => (op.params as { monitorId?: number }).monitorId));
      const monitors = createMonitorsRepository(options.db);
      for (const row of await monitors.listActive()) {
        if (running.has(row.id)) continue;
        const pinned = row.accountId !== null && engine.getAccount(row.accountId) ? row.accountId : null;
        // A watch the admin set up is not dropped for want of a look-up: it waits for its account's budget.
        engine.submit({ kind: 'monitor', accountId: pinned, overBudget: 'wait', params: { target: row.target, keywords: row.keywords, monitorId: row.id } });
      }
      if (options.health?.enabled ?? true) startHealthChecks(engine, options.health);
      if (options.checks?.daily ?? true) startDailyChecks(engine, options.checks);
    },
  };
}

export { PROXY_CHECK, type ProxyCheckResult } from './proxy-check.js';
export { parseTarget, describeTarget, type Target } from './targets.js';
export { classifyTelegramError, TELEGRAM_ERRORS } from './telegram-errors.js';
export type { ScrapeParams, ScrapeResult } from './scrape.js';
export type { JoinParams, JoinResult } from './join.js';
export type { MonitorParams, MonitorResult } from './monitor.js';
export type { SendParams, SendResult } from './send.js';
export type { CheckParams, CheckResult, CheckVerdict } from './check.js';
export { parseSpamBotAnswer, type SpamBotReading, type SpamVerdict } from './spam-bot-answer.js';
