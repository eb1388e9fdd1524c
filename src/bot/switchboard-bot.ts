import { Bot } from 'grammy';
import type { BotContext } from './context.js';
import type { PanelServices } from './ports.js';
import type { ReportScheduler } from './report/scheduler.js';
import type { BulkTracker } from './services/bulk-tracker.js';
import type { MonitorAlerts } from './services/monitor-alerts.js';
import type { ProgressReporter } from './services/progress.js';

/** The panel's services as built: what features see of them, and the parts only the panel drives. */
export interface PanelServiceSet extends PanelServices {
  readonly progress: ProgressReporter;
  readonly bulk: BulkTracker;
  /** Absent where monitors are not kept (a panel over PostgreSQL). */
  readonly alerts: MonitorAlerts | undefined;
  readonly scheduler: ReportScheduler;
}

/** The panel's long-lived parts and their lifecycle. */
export interface Panel {
  readonly services: PanelServiceSet;
  /**
   * Tells admins about commands a crash cut short, registers the command menu, picks up /bulk groups of
   * an earlier run, and arms the report schedules (catching up a missed one). Does not poll for updates.
   */
  start(): Promise<void>;
  /** Stops the schedules, sends batched alerts, and unsubscribes from the engine. Idempotent. */
  stop(): Promise<void>;
}

/** The admin bot: a grammY bot with the panel attached. */
export class SwitchboardBot extends Bot<BotContext> {
  panel!: Panel;
}
