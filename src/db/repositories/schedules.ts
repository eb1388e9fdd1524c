import { sql } from 'drizzle-orm';
import type { ScheduleRow } from '../schema.js';
import type { SqlHandle } from '../sql/sql-port.js';

export interface NewSchedule {
  /** A cron expression, validated by the caller. */
  readonly cron: string;
  /** Where the report goes. */
  readonly chatId: number;
  readonly createdBy?: number | null;
}

export interface SchedulesRepository {
  add(schedule: NewSchedule, now?: number): Promise<ScheduleRow>;
  /** Active schedules, oldest first. */
  list(): Promise<ScheduleRow[]>;
  /** Deletes the schedule; false when there was none with that id. */
  remove(id: number): Promise<boolean>;
  /** Records that the schedule's report was sent at `at`. */
  markRun(id: number, at: number): Promise<void>;
}

interface ScheduleSqlRow {
  id: number;
  cron: string;
  chat_id: number;
  created_by: number | null;
  active: number;
  last_run_at: number | null;
  created_at: number;
}

const columns = sql`id, cron, chat_id, created_by, active, last_run_at, created_at`;

function toRow(row: ScheduleSqlRow): ScheduleRow {
  return {
    id: row.id,
    cron: row.cron,
    chatId: row.chat_id,
    createdBy: row.created_by,
    active: row.active === 1,
    lastRunAt: row.last_run_at,
    createdAt: row.created_at,
  };
}

export function createSchedulesRepository(db: SqlHandle): SchedulesRepository {
  const port = db.sql;
  return {
    async add(schedule, now = Date.now()) {
      const row = await port.get<ScheduleSqlRow>(sql`
        INSERT INTO schedules (cron, chat_id, created_by, created_at)
        VALUES (${schedule.cron}, ${schedule.chatId}, ${schedule.createdBy ?? null}, ${now})
        RETURNING ${columns}`);
      if (row === undefined) throw new Error('INSERT … RETURNING gave no row');
      return toRow(row);
    },

    async list() {
      const rows = await port.all<ScheduleSqlRow>(sql`SELECT ${columns} FROM schedules WHERE active = 1 ORDER BY id`);
      return rows.map(toRow);
    },

    async remove(id) {
      return (await port.run(sql`DELETE FROM schedules WHERE id = ${id}`)).changes > 0;
    },

    async markRun(id, at) {
      await port.run(sql`UPDATE schedules SET last_run_at = ${at} WHERE id = ${id}`);
    },
  };
}
