import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkCron } from '../../src/bot/report/scheduler.js';
import { createSchedulesRepository } from '../../src/db/repositories/schedules.js';
import { createHarness } from '../engine/harness.js';
import { until } from '../until.js';
import { createBotHarness, flush, type BotHarness } from './harness.js';

const harnesses: BotHarness[] = [];
afterEach(async () => {
  vi.useRealTimers();
  const all = harnesses.splice(0);
  for (const h of all) await h.bot.panel.stop();
  // Harnesses may share one engine and database: close each once.
  const closed = new Set<unknown>();
  for (const h of all) {
    if (closed.has(h.engine)) continue;
    closed.add(h.engine);
    await h.close();
  }
});

async function make(options: Parameters<typeof createBotHarness>[0] = {}) {
  const h = await createBotHarness(options);
  harnesses.push(h);
  return h;
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('/schedule', () => {
  it('adds, lists and removes schedules', async () => {
    const h = await make();
    await h.send('/schedule add "0 9 * * *"');
    expect(h.texts().at(-1)).toMatch(/^✅ Schedule #1 added: "0 9 \* \* \*" to this chat\. Next report: \d{4}-\d\d-\d\d 09:00 UTC\.$/);
    await h.send('/schedule add @daily -1001234');
    expect(h.of('getChat').at(-1)?.payload.chat_id).toBe(-1001234);
    await h.send('/schedule list');
    const list = h.texts().at(-1) ?? '';
    expect(list).toContain('#1 "0 9 * * *" → this chat');
    expect(list).toContain('#2 "@daily" → chat -1001234');
    await h.send('/schedule remove 1');
    expect(h.texts().at(-1)).toBe('🗑 Schedule #1 removed.');
    expect((await createSchedulesRepository(h.db).list()).map((s) => s.id)).toEqual([2]);
  });

  it('refuses a chat the bot cannot reach and stores nothing', async () => {
    const h = await make({ answer: (method) => (method === 'getChat' ? { ok: false, error_code: 400, description: 'Bad Request: chat not found' } : undefined) });
    await h.send('/schedule add "0 9 * * *" -100999');
    expect(h.texts()).toEqual(['I cannot reach chat -100999: add the bot to it first, then try again.']);
    expect(await createSchedulesRepository(h.db).list()).toEqual([]);
  });

  it('validates cron expressions with croner', () => {
    const now = Date.UTC(2024, 0, 1);
    expect(checkCron('0  9 * * *', { now })).toEqual({ ok: true, value: '0 9 * * *' });
    expect(checkCron('0 25 * * *', { now })).toMatchObject({ ok: false, message: expect.stringContaining('Invalid value for hour: 25') });
    expect(checkCron('every day', { now })).toMatchObject({ ok: false });
    expect(checkCron('* * * * * *', { now })).toMatchObject({ ok: false, message: expect.stringContaining('too often') });
    expect(checkCron('', { now })).toMatchObject({ ok: false, message: expect.stringContaining('empty') });
  });
});

describe('scheduled reports', () => {
  it('catches up a missed run once after a restart, not twice', async () => {
    const engineHarness = await createHarness(1);
    const schedules = createSchedulesRepository(engineHarness.db);
    const now = Date.now();
    const row = await schedules.add({ cron: '0 * * * *', chatId: 777 }, now - 3 * 3_600_000);
    await schedules.markRun(row.id, now - 2 * 3_600_000);

    const first = await make({ engineHarness });
    await first.bot.panel.start();
    expect(first.of('sendMessage').filter((c) => c.payload.chat_id === 777)).toHaveLength(1);
    expect(first.of('sendPhoto')).toHaveLength(1);
    expect((await schedules.list())[0]?.lastRunAt).toBeGreaterThanOrEqual(now);
    await first.bot.panel.stop();

    const second = await make({ engineHarness });
    await second.bot.panel.start();
    expect(second.of('sendPhoto')).toHaveLength(0);
  });

  it('fires on schedule with croner and sends text and chart', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(new Date('2024-03-01T08:59:30Z'));
    const h = await make();
    await h.send('/schedule add "0 9 * * *"');
    await h.bot.panel.start();
    expect(h.of('sendPhoto')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(31_000);
    // The report is sent, then the run is recorded: wait for the record, the last of the two.
    const schedules = createSchedulesRepository(h.db);
    await until(async () => ((await schedules.list())[0]?.lastRunAt ?? null) !== null, 'the scheduled run to be recorded');
    const photos = h.of('sendPhoto');
    expect(photos).toHaveLength(1);
    expect(photos[0]?.files.photo?.bytes.subarray(0, 8).equals(PNG)).toBe(true);
    expect((await schedules.list())[0]?.lastRunAt).toBe(Date.parse('2024-03-01T09:00:00Z'));
  });
});

describe('/report', () => {
  it('sends a text summary and a PNG chart', async () => {
    const h = await make({
      register: (e) => {
        e.register({ kind: 'job', type: 'other', run: async () => 'ok' });
        e.register({
          kind: 'bad',
          type: 'other',
          run: async () => {
            throw new Error('boom');
          },
        });
      },
    });
    for (const kind of ['job', 'job', 'bad']) {
      const r = h.engine.submit({ kind });
      if (r.kind === 'queued') await h.engine.waitFor(r.operation.id);
    }
    // The engine commits finishes in groups once per event-loop turn; the report reads the database.
    await flush();
    await h.send('/report');
    const text = h.texts().at(-1) ?? '';
    expect(text).toMatch(/^📊 Report for the last 24 hours/);
    expect(text).toContain('Operations: 2 done, 1 failed, 0 cancelled');
    expect(text).toContain('Members scraped: 0 new');
    expect(text).toContain('Flood waits: 0');
    expect(text).toContain('Accounts: 2 (2 idle)');
    const photo = h.of('sendPhoto')[0]?.files.photo;
    expect(photo?.bytes.subarray(0, 8).equals(PNG)).toBe(true);
    expect(photo?.bytes.length).toBeGreaterThan(5_000);
  });
});
