import { afterEach, describe, expect, it } from 'vitest';
import { OperationFailure } from '../../src/engine/index.js';
import { controlledRunner, createBotHarness, flush, type BotHarness } from './harness.js';

let h: BotHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const result = (found: number) => ({ chatId: found, title: 't', username: null, chatKind: 'supergroup', source: 'participants', mode: 'participants', found, new: found, known: 0, total: found, durationMs: 1, note: null });

async function withScrape(list = '') {
  const scrape = controlledRunner('scrape', 'scraping');
  h = await createBotHarness({
    accounts: 3,
    register: (e) => e.register(scrape.definition),
    // A short edit interval keeps the test fast; the 3 s default is covered in progress.test.ts.
    bot: { downloadFile: async () => new TextEncoder().encode(list), progressIntervalMs: 20 },
  });
  return { scrape, harness: h };
}

describe('/bulk', () => {
  it('scrapes many chats with one group message and a summary when all have ended', async () => {
    const { scrape, harness } = await withScrape();
    await harness.send('/bulk @alpha_chat https://t.me/beta_chat @gamma_chat @alpha_chat --limit 100');
    const ops = harness.engine.listOperations().reverse();
    expect(ops.map((o) => o.params)).toEqual([
      { target: '@alpha_chat', limit: 100, join: false },
      { target: 'https://t.me/beta_chat', limit: 100, join: false },
      { target: '@gamma_chat', limit: 100, join: false },
    ]);
    // One message for the group, none per operation.
    expect(harness.of('sendMessage')).toHaveLength(1);
    expect(harness.texts()[0]).toContain('Bulk scrape of 3 chats');
    expect(JSON.stringify(harness.of('sendMessage')[0]?.payload.reply_markup)).toContain(`bk:${ops[0]?.id}:c`);

    const [a, b, c] = await Promise.all(ops.map((o) => scrape.started(o.id)));
    a?.resolve(result(120));
    b?.reject(new OperationFailure({ kind: 'private', message: 'The chat is private.' }));
    c?.resolve({ ...result(30), total: 100, coverage: { list: 20, search: 10, messages: 0 } });
    await Promise.all(ops.map((o) => harness.engine.waitFor(o.id)));
    await harness.bot.panel.services.progress.editor.idle({ chatId: 4242, messageId: 101 });
    await flush();
    const final = String(harness.of('editMessageText').at(-1)?.payload.text);
    expect(final).toMatch(/^✅ Bulk scrape finished: 2 of 3 chats scraped, 1 failed\./);
    expect(final).toContain('Members found: 150 (150 new)');
    expect(final).toContain('✅ @alpha_chat: 120 of 120 members (100%)\n');
    expect(final).toContain('✅ @gamma_chat: 30 of 100 members (30%) — 20 from the list, 10 from search');
    expect(final).toContain('❌ https://t.me/beta_chat: The chat is private.');
  });

  it('reads a .txt list, one chat a line, skipping blanks and comments', async () => {
    const { harness } = await withScrape('@alpha_chat\n\n# a comment\nhttps://t.me/beta_chat\r\n');
    await harness.send('', { document: { file_id: 'f', file_unique_id: 'u', file_name: 'chats.txt', mime_type: 'text/plain', file_size: 60 }, caption: '/bulk --days 3' });
    expect(harness.of('getFile')).toHaveLength(1);
    expect(harness.engine.listOperations().map((o) => o.params).reverse()).toEqual([
      { target: '@alpha_chat', days: 3, join: false },
      { target: 'https://t.me/beta_chat', days: 3, join: false },
    ]);
  });

  it('submits nothing when a line of the list is not a chat', async () => {
    const { harness } = await withScrape('@alpha_chat\nnot a chat!\n');
    await harness.send('', { document: { file_id: 'f', file_unique_id: 'u', file_name: 'chats.txt', mime_type: 'text/plain' } });
    expect(harness.texts()).toHaveLength(1);
    expect(harness.texts()[0]).toContain('line 2: "not a chat!" is not a chat');
    expect(harness.engine.listOperations()).toEqual([]);
  });

  it('cancels the rest of a group from its button', async () => {
    const { scrape, harness } = await withScrape();
    await harness.send('/bulk @alpha_chat @beta_chat');
    const ops = harness.engine.listOperations();
    await Promise.all(ops.map((o) => scrape.started(o.id)));
    const groupId = Math.min(...ops.map((o) => o.id));
    await harness.press(`bk:${groupId}:c`);
    await Promise.all(ops.map((o) => harness.engine.waitFor(o.id)));
    expect(ops.map((o) => harness.engine.getOperation(o.id)?.status)).toEqual(['cancelled', 'cancelled']);
    expect(harness.of('answerCallbackQuery')[0]?.payload.text).toBe('Stopping 2 scrapes…');
    await harness.bot.panel.services.progress.editor.idle({ chatId: 4242, messageId: 101 });
    await flush();
    expect(String(harness.of('editMessageText').at(-1)?.payload.text)).toMatch(/^⏹ Bulk scrape finished: 0 of 2/);
  });
});

describe('/bulk across a restart', () => {
  it('finishes the group summary in the same message after the panel restarts', async () => {
    const { scrape, harness } = await withScrape();
    await harness.send('/bulk @alpha_chat @beta_chat');
    const ops = harness.engine.listOperations();
    const runs = await Promise.all(ops.map((o) => scrape.started(o.id)));
    await flush();
    await harness.bot.panel.stop();

    const second = await createBotHarness({ engineHarness: { engine: harness.engine, db: harness.db }, bot: { progressIntervalMs: 20 } });
    await second.bot.panel.start();
    for (const run of runs) run.resolve(result(5));
    await Promise.all(ops.map((o) => harness.engine.waitFor(o.id)));
    await second.bot.panel.services.progress.editor.idle({ chatId: 4242, messageId: 101 });
    await flush();
    const final = second.of('editMessageText').at(-1);
    expect(final?.payload.message_id).toBe(101);
    expect(String(final?.payload.text)).toMatch(/^✅ Bulk scrape finished: 2 of 2 chats scraped\./);
    expect(second.of('sendMessage')).toHaveLength(0);
    await second.bot.panel.stop();
  });
});
