import { asc, eq } from 'drizzle-orm';
import type { DatabaseHandle } from '../client.js';
import { schedules, type ScheduleRow } from '../schema.js';

export interface NewSchedule {
  /** A cron expression, validated by the caller. */
  readonly cron: string;
  /** Where the report goes. */
  readonly chatId: number;
  readonly createdBy?: number | null;
}

export interface SchedulesRepository {
  add(schedule: NewSchedule, now?: number): ScheduleRow;
  /** Active schedules, oldest first. */
  list(): ScheduleRow[];
  /** Deletes the schedule; false when there was none with that id. */
  remove(id: number): boolean;
  /** Records that the schedule's report was sent at `at`. */
  markRun(id: number, at: number): void;
}

export function createSchedulesRepository(db: DatabaseHandle): SchedulesRepository {
  const { orm } = db;
  return {
    add(schedule, now = Date.now()) {
      return orm
        .insert(schedules)
        .values({ cron: schedule.cron, chatId: schedule.chatId, createdBy: schedule.createdBy ?? null, createdAt: now })
        .returning()
        .get();
    },

    list() {
      return orm.select().from(schedules).where(eq(schedules.active, true)).orderBy(asc(schedules.id)).all();
    },

    remove(id) {
      return orm.delete(schedules).where(eq(schedules.id, id)).run().changes > 0;
    },

    markRun(id, at) {
      orm.update(schedules).set({ lastRunAt: at }).where(eq(schedules.id, id)).run();
    },
  };
}
