import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { DatabaseHandle } from '../db/client.js';
import { createAuditRepository, type AuditRepository } from '../db/repositories/audit.js';
import { createKvRepository, type KvRepository } from '../db/repositories/kv.js';
import { createMembersRepository, type MembersRepository } from '../db/repositories/members.js';
import { createMonitorsRepository, type MonitorsRepository } from '../db/repositories/monitors.js';
import { createReportsRepository, type ReportsRepository } from '../db/repositories/reports.js';
import { createSchedulesRepository, type SchedulesRepository } from '../db/repositories/schedules.js';
import type { Engine } from '../engine/engine.js';
import type { LoginStep } from '../engine/login.js';
import type { Clock } from './clock.js';

/** The part of the engine the bot uses; the bot never sees the Telegram client type. */
export type PanelEngine = Pick<
  Engine<unknown>,
  | 'submit'
  | 'submitMany'
  | 'cancel'
  | 'getOperation'
  | 'listOperations'
  | 'internalKinds'
  | 'setAccountHealth'
  | 'waitFor'
  | 'setReportMessage'
  | 'status'
  | 'metrics'
  | 'listAccounts'
  | 'getAccount'
  | 'addAccount'
  | 'removeAccount'
  | 'pauseAccount'
  | 'resumeAccount'
  | 'events'
>;

/** What the bot needs of the registered Telegram operations (`registerTelegramOperations`). */
export interface MonitorControl {
  /** Stops a monitor: its watch ends at once and it is not re-armed. False when it was not active. */
  stopMonitor(monitorId: number): boolean;
}

export interface Repositories {
  readonly members: MembersRepository;
  readonly monitors: MonitorsRepository;
  readonly schedules: SchedulesRepository;
  readonly audit: AuditRepository;
  readonly kv: KvRepository;
  readonly reports: ReportsRepository;
}

/** Everything a feature may use, handed to each feature factory. */
export interface PanelDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly engine: PanelEngine;
  readonly operations: MonitorControl;
  readonly repos: Repositories;
  readonly clock: Clock;
}

export function createRepositories(db: DatabaseHandle, clock: Clock): Repositories {
  return {
    members: createMembersRepository(db),
    monitors: createMonitorsRepository(db),
    schedules: createSchedulesRepository(db),
    audit: createAuditRepository(db),
    kv: createKvRepository(db, { now: () => clock.now() }),
    reports: createReportsRepository(db),
  };
}

/** The long-lived parts of the panel that features hand work to. */
export interface PanelServices {
  readonly progress: import('./progress.js').ProgressReporter;
  readonly bulk: import('./bulk-tracker.js').BulkTracker;
  readonly alerts: import('./monitor-alerts.js').MonitorAlerts;
  readonly scheduler: import('./report/scheduler.js').ReportScheduler;
  /** Downloads a file the admin sent (a /bulk list), by its Bot API `file_path`. */
  readonly downloadFile: (filePath: string) => Promise<Uint8Array>;
}

/**
 * Logging an account in by phone, code and two-step password: the engine's login service
 * (`createLoginService`) fits this shape. Each call answers with where the login stands.
 */
export interface AccountLogin {
  /** Sends the login code to the phone's Telegram app or by SMS. */
  start(phone: string): Promise<LoginStep>;
  /** Signs in with the code; asks for the two-step password when the account has one. */
  code(loginId: string, code: string): Promise<LoginStep>;
  password(loginId: string, password: string): Promise<LoginStep>;
  /** Abandons a started login; nothing happens for one that already ended. */
  cancel(loginId: string): Promise<void>;
}

export type { LoginStep };

export interface FeatureDeps extends PanelDeps {
  readonly services: PanelServices;
  /** Phone login for /addaccount; without it only session strings can be added. */
  readonly login?: AccountLogin;
}
