import { afterEach, describe, expect, it } from 'vitest';
import { parseCallbackData } from '../../src/bot/callback-data.js';
import { createAuditRepository } from '../../src/db/repositories/audit.js';
import { controlledRunner, createBotHarness, flush, type BotHarness } from './harness.js';

let h: BotHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The last message or edit the bot produced, as the client would show it. */
function lastScreen(harness: BotHarness) {
  const call = harness.calls.filter((c) => c.method === 'editMessageText' || c.method === 'sendMessage').at(-1);
  return { text: String(call?.payload.text), markup: call?.payload.reply_markup as { inline_keyboard: Array<Array<{ text: string; callback_data: string }>> } };
}

const buttons = (markup: ReturnType<typeof lastScreen>['markup']) => markup.inline_keyboard.flat().map((b) => b.callback_data);

describe('status panel', () => {
  it('shows accounts, queue, scrapes n/limit and metrics with buttons', async () => {
    h = await createBotHarness();
    await h.send('/status');
    const screen = lastScreen(h);
    expect(screen.text).toContain('Accounts: 2 — 2 idle');
    expect(screen.text).toContain('Scrapes: 0/5 running');
    expect(screen.text).toContain('Queue: 0 waiting');
    expect(buttons(screen.markup)).toEqual(['st:r', 'st:a', 'st:o']);
    for (const data of buttons(screen.markup)) expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
  });

  it('does not edit when a refresh changes nothing', async () => {
    h = await createBotHarness();
    await h.send('/status');
    const screen = lastScreen(h);
    h.clear();
    await h.press('st:r', { text: screen.text, markup: screen.markup });
    expect(h.of('editMessageText')).toHaveLength(0);
    expect(h.of('answerCallbackQuery')[0]?.payload.text).toBe('Nothing changed.');
  });

  it('swallows "message is not modified" from Telegram', async () => {
    h = await createBotHarness({
      answer: (method) => (method === 'editMessageText' ? { ok: false, error_code: 400, description: 'Bad Request: message is not modified' } : undefined),
    });
    await h.press('st:r', { text: 'something older' });
    expect(h.of('editMessageText')).toHaveLength(1);
    expect(h.of('answerCallbackQuery')).toHaveLength(1);
    expect(h.texts()).toEqual([]);
  });

  it('drills into an account and pauses, resumes and removes it with confirmation', async () => {
    h = await createBotHarness();
    await h.press('st:a');
    expect(buttons(lastScreen(h).markup)).toEqual(['ac:1', 'ac:2', 'st:r']);
    await h.press('ac:1');
    expect(lastScreen(h).text).toContain('Account #1 +15550000001');
    expect(buttons(lastScreen(h).markup)).toEqual(['ac:1:p', 'ac:1:x', 'st:a']);

    await h.press('ac:1:p');
    expect(h.engine.getAccount(1)?.paused).toBe(true);
    expect(lastScreen(h).text).toContain('(paused)');
    expect(buttons(lastScreen(h).markup)).toEqual(['ac:1:r', 'ac:1:x', 'st:a']);
    await h.press('ac:1:r');
    expect(h.engine.getAccount(1)?.paused).toBe(false);

    await h.press('ac:1:x');
    expect(lastScreen(h).text).toContain('Remove account #1');
    expect(buttons(lastScreen(h).markup)).toEqual(['ac:1:xy', 'ac:1']);
    expect(h.engine.getAccount(1)).toBeDefined();
    await h.press('ac:1:xy');
    expect(h.engine.getAccount(1)).toBeUndefined();
    expect(h.of('answerCallbackQuery').at(-1)?.payload.text).toBe('Account #1 removed.');
    expect(lastScreen(h).text).toContain('Accounts (1)');

    const actions = (await createAuditRepository(h.db).recent(10)).map((a) => a.outcome);
    expect(actions).toEqual(expect.arrayContaining(['paused account #1', 'resumed account #1', 'removed account #1']));
  });

  it('asks before /removeaccount removes anything', async () => {
    h = await createBotHarness();
    await h.send('/removeaccount 2');
    expect(lastScreen(h).text).toContain('Remove account #2');
    expect(h.engine.getAccount(2)).toBeDefined();
    expect(buttons(lastScreen(h).markup)).toContain('ac:2:xy');
  });

  it('drills into operations and cancels one', async () => {
    const scrape = controlledRunner('scrape', 'scraping');
    h = await createBotHarness({ register: (e) => e.register(scrape.definition) });
    const submitted = h.engine.submit({ kind: 'scrape', params: { target: '@bigchat' } });
    if (submitted.kind !== 'queued') throw new Error(submitted.message);
    const id = submitted.operation.id;
    await scrape.started(id);
    await h.press('st:o');
    expect(lastScreen(h).text).toContain(`Scrape @bigchat (#${id})`);
    expect(buttons(lastScreen(h).markup)).toEqual([`op:${id}`, 'st:r']);
    await h.press(`op:${id}`);
    expect(lastScreen(h).text).toContain('Status: running');
    expect(buttons(lastScreen(h).markup)).toEqual([`op:${id}:c`, 'st:o']);
    await h.press(`op:${id}:c`);
    await h.engine.waitFor(id);
    await flush();
    expect(h.engine.getOperation(id)?.status).toBe('cancelled');
    expect(String(h.of('answerCallbackQuery').at(-1)?.payload.text)).toMatch(/operation #\d+/);
  });

  it.each([
    ['ac:999', 'Account #999 no longer exists.'],
    ['ac:999:xy', 'Account #999 no longer exists.'],
    ['op:4040', 'Operation #4040 no longer exists.'],
    ['op:4040:c', 'Operation #4040 no longer exists.'],
    ['ex:5', 'No members of that chat are stored any more.'],
    ['bk:77:c', 'That bulk request has already finished.'],
    ['zz', 'This button is no longer valid.'],
    ['ac:1:zz', 'This button is no longer valid.'],
    ['ac:0', 'This button is no longer valid.'],
    ['ac:-1', 'This button is no longer valid.'],
    ['op:1:c:c', 'This button is no longer valid.'],
    ['st:x', 'This button is no longer valid.'],
    [`st:r${'x'.repeat(70)}`, 'This button is no longer valid.'],
    ['', 'This button is no longer valid.'],
  ])('answers stale or forged button data %j gracefully', async (data, answer) => {
    h = await createBotHarness();
    await h.press(data);
    expect(h.calls).toHaveLength(1);
    expect(h.calls[0]?.method).toBe('answerCallbackQuery');
    expect(String(h.calls[0]?.payload.text)).toContain(answer);
    expect(h.engine.listAccounts()).toHaveLength(2);
  });

  it('parses only the payloads it makes', () => {
    expect(parseCallbackData('ac:5:xy')).toEqual({ kind: 'account', id: 5, action: 'confirmRemove' });
    expect(parseCallbackData('op:12:c')).toEqual({ kind: 'operation', id: 12, action: 'cancel' });
    expect(parseCallbackData('ex:-1001234567890')).toEqual({ kind: 'export', chatId: -1001234567890, format: 'csv' });
    expect(parseCallbackData('ex:-1001234567890:x')).toEqual({ kind: 'export', chatId: -1001234567890, format: 'xlsx' });
    expect(parseCallbackData('ex:5:j')).toEqual({ kind: 'export', chatId: 5, format: 'json' });
    expect(parseCallbackData('ex:5:c')).toBeUndefined();
    expect(parseCallbackData('st:a')).toEqual({ kind: 'status', view: 'accounts' });
    expect(parseCallbackData('ac:1234567890123456')).toBeUndefined();
    expect(parseCallbackData('ex:99999999999999999')).toBeUndefined();
  });
});
