import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { SchedulesRepository } from '../../db/repositories/schedules.js';
import type { ScheduleRow } from '../../db/schema.js';
import type { Clock } from '../../clock.js';
import type { ArgResult, ReportSchedules, ScheduleInfo } from '../ports.js';

export interface ReportSchedulerOptions {
  readonly schedules: SchedulesRepository;
  /** Builds and sends the report of a schedule; a throw is logged and the schedule keeps running. */
  readonly deliver: (schedule: ScheduleRow) => Promise<void>;
  readonly logger: Logger;
  readonly clock: Clock;
  /**
   * Time zone the cron expressions are read in.
   * @default 'UTC'
   */
  readonly timezone?: string;
  /**
   * Shortest time allowed between two runs of a schedule, in ms; more frequent ones are refused.
   * @default 60000
   */
  readonly minIntervalMs?: number;
}

const EXAMPLE = 'Use five fields — minute hour day-of-month month day-of-week — in quotes, like "0 9 * * *" for every day at 09:00';

/**
 * Checks a cron expression with croner: it must parse, fire again, and not more often than
 * `minIntervalMs`. Answers in plain words.
 */
export function checkCron(expression: string, options: { now: number; timezone?: string; minIntervalMs?: number }): ArgResult<string> {
  const text = expression.trim().replace(/\s+/g, ' ');
  if (text === '') return { ok: false, message: `The schedule is empty. ${EXAMPLE}.` };
  let cron: Cron;
  try {
    cron = new Cron(text, { paused: true, timezone: options.timezone ?? 'UTC' });
  } catch (error) {
    const why = (error as Error).message.replace(/^CronPattern:\s*/i, '').replace(/\.$/, '');
    return { ok: false, message: `"${text}" is not a valid schedule (${why}). ${EXAMPLE}.` };
  }
  try {
    const next = cron.nextRuns(3, new Date(options.now));
    if (next.length === 0) return { ok: false, message: `"${text}" never fires (no such date comes again). ${EXAMPLE}.` };
    const min = options.minIntervalMs ?? 60_000;
    for (let i = 1; i < next.length; i += 1) {
      if ((next[i] as Date).getTime() - (next[i - 1] as Date).getTime() < min) {
        return { ok: false, message: `"${text}" fires too often: reports can come at most once every ${Math.round(min / 1000)} seconds.` };
      }
    }
    return { ok: true, value: text };
  } finally {
    cron.stop();
  }
}

/**
 * Sends scheduled reports. Schedules live in the database; on start each is armed with croner, and one whose
 * last run is older than its previous due time (the panel was down) is caught up once, at once.
 */
export class ReportScheduler implements ReportSchedules {
  readonly #options: ReportSchedulerOptions;
  readonly #jobs = new Map<number, Cron>();
  readonly #running = new Set<Promise<void>>();
  #started = false;

  constructor(options: ReportSchedulerOptions) {
    this.#options = options;
  }

  /** Arms every stored schedule and catches up the missed ones; resolves when the catch-ups are sent. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const now = this.#options.clock.now();
    const catchUps: Promise<void>[] = [];
    for (const row of await this.#options.schedules.list()) {
      if (!this.#arm(row)) continue;
      const probe = new Cron(row.cron, { paused: true, timezone: this.#options.timezone ?? 'UTC' });
      const due = probe.previousRuns(1, new Date(now))[0];
      probe.stop();
      const lastSeen = row.lastRunAt ?? row.createdAt;
      if (due && due.getTime() > lastSeen) {
        this.#options.logger.info({ scheduleId: row.id, due: due.toISOString() }, 'catching up a missed scheduled report');
        catchUps.push(this.#fire(row.id));
      }
    }
    await Promise.all(catchUps);
  }

  /** Stops every timer and waits for reports being sent. */
  async stop(): Promise<void> {
    this.#started = false;
    for (const job of this.#jobs.values()) job.stop();
    this.#jobs.clear();
    await Promise.allSettled([...this.#running]);
  }

  /** Validates a cron expression as `add` would (croner, the time zone, the shortest interval). */
  check(expression: string): ArgResult<string> {
    return checkCron(expression, this.#checkOptions());
  }

  /** Validates and stores a schedule, and arms it when the scheduler runs. */
  async add(expression: string, chatId: number, createdBy: number | null): Promise<ArgResult<ScheduleInfo>> {
    const checked = checkCron(expression, this.#checkOptions());
    if (!checked.ok) return checked;
    const row = await this.#options.schedules.add({ cron: checked.value, chatId, createdBy }, this.#options.clock.now());
    if (this.#started) this.#arm(row);
    return { ok: true, value: this.#info(row) };
  }

  remove(id: number): Promise<boolean> {
    this.#jobs.get(id)?.stop();
    this.#jobs.delete(id);
    return this.#options.schedules.remove(id);
  }

  async list(): Promise<ScheduleInfo[]> {
    return (await this.#options.schedules.list()).map((row) => this.#info(row));
  }

  #checkOptions() {
    return {
      now: this.#options.clock.now(),
      ...(this.#options.timezone ? { timezone: this.#options.timezone } : {}),
      ...(this.#options.minIntervalMs !== undefined ? { minIntervalMs: this.#options.minIntervalMs } : {}),
    };
  }

  #info(row: ScheduleRow): ScheduleInfo {
    let nextRunAt: number | null = null;
    try {
      const probe = new Cron(row.cron, { paused: true, timezone: this.#options.timezone ?? 'UTC' });
      nextRunAt = probe.nextRun(new Date(this.#options.clock.now()))?.getTime() ?? null;
      probe.stop();
    } catch {
      nextRunAt = null;
    }
    return { ...row, nextRunAt };
  }

  #arm(row: ScheduleRow): boolean {
    this.#jobs.get(row.id)?.stop();
    try {
      const job = new Cron(row.cron, { timezone: this.#options.timezone ?? 'UTC', protect: true, unref: true }, () => this.#fire(row.id));
      this.#jobs.set(row.id, job);
      return true;
    } catch (error) {
      // A row written by an older version with an expression croner no longer accepts.
      this.#options.logger.warn({ err: error, scheduleId: row.id }, 'a stored schedule cannot be read; skipping it');
      return false;
    }
  }

  #fire(id: number): Promise<void> {
    const task = (async () => {
      try {
        const row = (await this.#options.schedules.list()).find((r) => r.id === id);
        if (!row) return;
        try {
          await this.#options.deliver(row);
        } catch (error) {
          this.#options.logger.error({ err: error, scheduleId: id }, 'a scheduled report could not be sent');
        } finally {
          await this.#options.schedules.markRun(id, this.#options.clock.now());
        }
      } catch (error) {
        // The database failed (reading the schedule or recording the run): the schedule stays armed.
        this.#options.logger.error({ err: error, scheduleId: id }, 'a scheduled report could not be read or recorded');
      }
    })();
    this.#running.add(task);
    void task.finally(() => this.#running.delete(task));
    return task;
  }
}
