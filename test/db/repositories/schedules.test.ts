import { expect, it } from 'vitest';
import { createSchedulesRepository } from '../../../src/db/repositories/schedules.js';
import { describeEachDialect } from '../dialects.js';

describeEachDialect('SchedulesRepository', (open) => {
  it('adds schedules and lists them oldest first', async () => {
    const schedules = createSchedulesRepository(await open());
    const a = await schedules.add({ cron: '0 9 * * *', chatId: -1_001_234_567_890, createdBy: 7_123_456_789 }, 1_000);
    const b = await schedules.add({ cron: '*/30 * * * *', chatId: 42 });
    expect(a).toEqual({
      id: 1,
      cron: '0 9 * * *',
      chatId: -1_001_234_567_890,
      createdBy: 7_123_456_789,
      active: true,
      lastRunAt: null,
      createdAt: 1_000,
    });
    expect(b).toMatchObject({ id: 2, createdBy: null });
    expect((await schedules.list()).map((s) => s.id)).toEqual([a.id, b.id]);
  });

  it('removes a schedule, telling whether there was one', async () => {
    const schedules = createSchedulesRepository(await open());
    const { id } = await schedules.add({ cron: '0 9 * * *', chatId: 42 });
    expect(await schedules.remove(id)).toBe(true);
    expect(await schedules.remove(id)).toBe(false);
    expect(await schedules.list()).toEqual([]);
  });

  it('records the last run', async () => {
    const schedules = createSchedulesRepository(await open());
    const { id } = await schedules.add({ cron: '0 9 * * *', chatId: 42 });
    await schedules.markRun(id, 123_456);
    expect((await schedules.list())[0]?.lastRunAt).toBe(123_456);
  });
});
