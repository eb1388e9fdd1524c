import { describe, expect, it } from 'vitest';
import { createSchedulesRepository } from '../../../src/db/repositories/schedules.js';
import { useMemoryDatabase } from '../helpers.js';

const openDatabase = useMemoryDatabase();

describe('SchedulesRepository', () => {
  it('adds schedules and lists them oldest first', () => {
    const schedules = createSchedulesRepository(openDatabase());
    const a = schedules.add({ cron: '0 9 * * *', chatId: -100123, createdBy: 1 }, 1_000);
    const b = schedules.add({ cron: '*/30 * * * *', chatId: 42 });
    expect(a).toMatchObject({ cron: '0 9 * * *', chatId: -100123, createdBy: 1, active: true, lastRunAt: null, createdAt: 1_000 });
    expect(schedules.list().map((s) => s.id)).toEqual([a.id, b.id]);
  });

  it('removes a schedule, telling whether there was one', () => {
    const schedules = createSchedulesRepository(openDatabase());
    const { id } = schedules.add({ cron: '0 9 * * *', chatId: 42 });
    expect(schedules.remove(id)).toBe(true);
    expect(schedules.remove(id)).toBe(false);
    expect(schedules.list()).toEqual([]);
  });

  it('records the last run', () => {
    const schedules = createSchedulesRepository(openDatabase());
    const { id } = schedules.add({ cron: '0 9 * * *', chatId: 42 });
    schedules.markRun(id, 123_456);
    expect(schedules.list()[0]?.lastRunAt).toBe(123_456);
  });
});
