import type { TelegramClient } from 'telegram';
import type { DatabaseHandle } from '../../db/client.js';
import { createMembersRepository } from '../../db/repositories/members.js';
import { createMonitorsRepository } from '../../db/repositories/monitors.js';
import type { Engine } from '../engine.js';
import { healthOperation, startHealthChecks, type HealthCheckOptions } from './health.js';
import { joinOperation } from './join.js';
import { monitorOperation } from './monitor.js';
import { scrapeOperation, type ScrapeOptions } from './scrape.js';
import { sendOperation, type SendOptions } from './send.js';

export interface TelegramOperationsOptions {
  readonly db: DatabaseHandle;
  readonly scrape?: Omit<ScrapeOptions, 'members'>;
  readonly send?: Omit<SendOptions, 'db' | 'members'>;
  readonly health?: HealthCheckOptions & {
    /**
     * Whether to check idle accounts periodically.
     * @default true
     */
    readonly enabled?: boolean;
  };
}

export interface TelegramOperations {
  /** Stops a monitor: its watch ends at once and it is not re-armed. */
  stopMonitor(monitorId: number): boolean;
  /** Re-arms active monitors after a restart; call after `engine.start()`. */
  start(): void;
}

/** Registers scrape, join, monitor, send and health on the engine. */
export function registerTelegramOperations(engine: Engine<TelegramClient | undefined>, options: TelegramOperationsOptions): TelegramOperations {
  const members = createMembersRepository(options.db);
  const monitors = createMonitorsRepository(options.db);
  const monitor = monitorOperation({ members, monitors, onHit: (hit) => engine.emitMonitorHit(hit) });
  engine
    .register(scrapeOperation({ members, ...options.scrape }))
    .register(joinOperation({ members }))
    .register(monitor)
    .register(sendOperation({ db: options.db, members, ...options.send }))
    .register(healthOperation(engine));
  return {
    stopMonitor: (monitorId) => monitor.stop(monitorId),
    start() {
      const running = new Set(
        engine
          .listOperations({ limit: 1000, status: 'queued' })
          .concat(engine.listOperations({ limit: 1000, status: 'running' }))
          .filter((op) => op.kind === 'monitor')
          .map((op) => (op.params as { monitorId?: number }).monitorId),
      );
      for (const row of monitors.listActive()) {
        if (running.has(row.id)) continue;
        const pinned = row.accountId !== null && engine.getAccount(row.accountId) ? row.accountId : null;
        engine.submit({ kind: 'monitor', accountId: pinned, params: { target: row.target, keywords: row.keywords, monitorId: row.id } });
      }
      if (options.health?.enabled ?? true) startHealthChecks(engine, options.health);
    },
  };
}

export { parseTarget, describeTarget, type Target } from './targets.js';
export { classifyTelegramError, TELEGRAM_ERRORS } from './telegram-errors.js';
export type { ScrapeParams, ScrapeResult } from './scrape.js';
export type { JoinParams, JoinResult } from './join.js';
export type { MonitorParams, MonitorResult } from './monitor.js';
export type { SendParams, SendResult } from './send.js';
