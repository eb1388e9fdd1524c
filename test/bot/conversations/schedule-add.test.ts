import { afterEach, describe, expect, it } from 'vitest';
import { createSchedulesRepository } from '../../../src/db/repositories/schedules.js';
import { ADMIN, createBotHarness, type BotHarness, type BotHarnessOptions } from '../harness.js';

let h: BotHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function make(options: BotHarnessOptions = {}): Promise<BotHarness> {
  h = await createBotHarness(options);
  return h;
}

const last = (harness: BotHarness) => harness.texts().at(-1) ?? '';

describe('/schedule add conversation', () => {
  it('asks for the cron expression, checks it with croner, then the chat, and adds the schedule', async () => {
    const harness = await make();
    await harness.send('/schedule add');
    expect(last(harness)).toContain('Send a cron expression (read in UTC)');
    await harness.send('0 25 * * *');
    expect(last(harness)).toMatch(/^"0 25 \* \* \*" is not a valid schedule \(.*hour.*\)\. .*\n\nTry again, or \/cancel to stop\.$/s);
    await harness.send('"0 9 * * *"');
    expect(last(harness)).toContain('Which chat should get the reports?');
    expect(await createSchedulesRepository(harness.db).list()).toEqual([]);
    await harness.send('here');
    expect(last(harness)).toMatch(/^✅ Schedule #1 added: "0 9 \* \* \*" to this chat\. Next report: \d{4}-\d\d-\d\d 09:00 UTC\.$/);
    expect(await createSchedulesRepository(harness.db).list()).toMatchObject([{ id: 1, cron: '0 9 * * *', chatId: ADMIN, createdBy: ADMIN }]);
  });

  it('asks again for a chat the bot cannot reach, then takes a chat id', async () => {
    const harness = await make({
      answer: (method, payload) => (method === 'getChat' && payload.chat_id === -100999 ? { ok: false, error_code: 400, description: 'Bad Request: chat not found' } : undefined),
    });
    for (const text of ['/schedule add', '@daily', '-100999']) await harness.send(text);
    expect(last(harness)).toBe('I cannot reach chat -100999: add the bot to it first, then try again.\n\nTry again, or /cancel to stop.');
    await harness.send('chat please');
    expect(last(harness)).toBe('"chat please" is not a chat id: use a number like -1001234567890, or send here for this chat.\n\nTry again, or /cancel to stop.');
    await harness.send('-1001234');
    expect(last(harness)).toMatch(/^✅ Schedule #1 added: "@daily" to chat -1001234\./);
    expect(harness.of('getChat').map((c) => c.payload.chat_id)).toEqual([-100999, -1001234]);
  });

  it('leaves on /cancel and stores nothing', async () => {
    const harness = await make();
    for (const text of ['/schedule add', '0 9 * * *', '/cancel']) await harness.send(text);
    expect(last(harness)).toBe('Cancelled. Nothing was changed.');
    expect(await createSchedulesRepository(harness.db).list()).toEqual([]);
  });

  it('keeps the one-line form working', async () => {
    const harness = await make();
    await harness.send('/schedule add "0 9 * * *" -1001234');
    expect(last(harness)).toMatch(/^✅ Schedule #1 added: "0 9 \* \* \*" to chat -1001234\./);
    await harness.send('hello');
    expect(last(harness)).toBe('Send /help to see what I can do.');
  });
});
