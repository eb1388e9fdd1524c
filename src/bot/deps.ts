import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { DatabaseHandle } from '../db/client.js';
import { createAuditRepository } from '../db/repositories/audit.js';
import { createKvRepository } from '../db/repositories/kv.js';
import { createPortMemberReader } from '../db/repositories/member-reader-port.js';
import { createMonitorsRepository } from '../db/repositories/monitors.js';
import { createReportsRepository } from '../db/repositories/reports.js';
import { createSchedulesRepository } from '../db/repositories/schedules.js';
import type { Clock } from '../clock.js';
import type { AccountLogin, MonitorControl, PanelEngine, PanelServices, Repositories, SessionImport } from './ports.js';

/** Everything a feature may use, handed to each feature factory. */
export interface PanelDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly engine: PanelEngine;
  /** Stops monitors (/monitor stop); the engine's registered Telegram operations. */
  readonly monitors: MonitorControl;
  readonly repos: Repositories;
  readonly clock: Clock;
}

export function createRepositories(db: DatabaseHandle, clock: Clock): Repositories {
  return {
    members: createPortMemberReader(db),
    monitors: createMonitorsRepository(db),
    schedules: createSchedulesRepository(db),
    audit: createAuditRepository(db),
    kv: createKvRepository(db, { now: () => clock.now() }),
    reports: createReportsRepository(db),
  };
}

export interface FeatureDeps extends PanelDeps {
  readonly services: PanelServices;
  /** Phone login for /addaccount; without it only session strings can be added. */
  readonly login?: AccountLogin;
  /** Checks and adds imported sessions for /import; without it /import says it is not set up. */
  readonly importer?: SessionImport;
}
