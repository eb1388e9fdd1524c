import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN, controlledRunner, createBotHarness, type BotHarness } from '../harness.js';

let h: BotHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const OTHER_ADMIN = 4343;

async function withScrape(): Promise<BotHarness> {
  const scrape = controlledRunner('scrape', 'scraping');
  h = await createBotHarness({ register: (e) => e.register(scrape.definition), env: { ADMIN_IDS: `${ADMIN},${OTHER_ADMIN}` } });
  return h;
}

const last = (harness: BotHarness) => harness.texts().at(-1) ?? '';

describe('/scrape wizard', () => {
  it('asks target, limit and join, and submits what /scrape TARGET --limit N --join submits', async () => {
    const harness = await withScrape();
    await harness.send('/scrape');
    expect(last(harness)).toContain('Which chat should I scrape?');
    await harness.send('not a chat!');
    expect(last(harness)).toBe(
      '"not a chat!" is not a chat: use @username, https://t.me/name or an invite link like t.me/+AbCdEf123.\n\nTry again, or /cancel to stop.',
    );
    await harness.send('https://t.me/bigchat');
    expect(last(harness)).toContain('How many members at most?');
    await harness.send('lots');
    expect(last(harness)).toContain('The limit must be a whole number');
    await harness.send('0');
    expect(last(harness)).toContain('The limit must be from 1 to 10,000,000');
    await harness.send('5,000');
    expect(last(harness)).toContain('Join the chat first if it needs it?');
    expect(harness.engine.listOperations()).toEqual([]);
    await harness.send('yes');

    await harness.send('/scrape https://t.me/bigchat --limit 5000 --join');
    const [byCommand, byWizard] = harness.engine.listOperations();
    expect(byWizard).toMatchObject({ kind: 'scrape', params: { target: 'https://t.me/bigchat', limit: 5000, join: true }, pinnedAccountId: null, requestedBy: ADMIN, reportChatId: ADMIN });
    expect(byWizard?.params).toEqual(byCommand?.params);
    // The progress reporter's message is the answer, as for the command.
    expect(harness.texts().filter((t) => /Scrape https:\/\/t\.me\/bigchat \(#\d\)/.test(t))).toHaveLength(2);
  });

  it('reads all as no limit and no as no join', async () => {
    const harness = await withScrape();
    for (const text of ['/scrape', '@bigchat', 'ALL', 'no']) await harness.send(text);
    expect(harness.engine.listOperations().map((o) => o.params)).toEqual([{ target: '@bigchat', join: false }]);
  });

  it('gives up after three bad answers to one question', async () => {
    const harness = await withScrape();
    for (const text of ['/scrape', '!', '?', '#']) await harness.send(text);
    expect(last(harness)).toBe('"#" is not a chat: use @username, https://t.me/name or an invite link like t.me/+AbCdEf123.\n\nThat was the last try; start again with /scrape.');
    await harness.send('@bigchat');
    expect(last(harness)).toBe('Send /help to see what I can do.');
    expect(harness.engine.listOperations()).toEqual([]);
  });

  it('asks again for a message that is not text', async () => {
    const harness = await withScrape();
    await harness.send('/scrape');
    await harness.send('', { document: { file_id: 'f', file_unique_id: 'u', file_name: 'a.pdf' } });
    expect(last(harness)).toBe('Send the answer as a text message, or /cancel to stop.');
    for (const text of ['@bigchat', '10', 'n']) await harness.send(text);
    expect(harness.engine.listOperations().map((o) => o.params)).toEqual([{ target: '@bigchat', limit: 10, join: false }]);
  });

  it('leaves on /cancel without submitting anything', async () => {
    const harness = await withScrape();
    for (const text of ['/scrape', '@bigchat', '/cancel']) await harness.send(text);
    expect(last(harness)).toBe('Cancelled. Nothing was changed.');
    await harness.send('10');
    expect(last(harness)).toBe('Send /help to see what I can do.');
    expect(harness.engine.listOperations()).toEqual([]);
  });

  it('keeps the order of answers that arrive at once (sequentialized per chat)', async () => {
    const harness = await withScrape();
    // The runner hands updates over concurrently; without per-chat ordering these would race on the stored state.
    await Promise.all(['/scrape', '@bigchat', '42', 'yes'].map((text) => harness.send(text)));
    expect(harness.engine.listOperations().map((o) => o.params)).toEqual([{ target: '@bigchat', limit: 42, join: true }]);
  });

  it('lets buttons and other admins in a group pass by while it waits', async () => {
    const harness = await withScrape();
    const GROUP = -100555;
    await harness.send('/scrape', { chatId: GROUP });
    // A second conversation in the admin's private chat: conversations are kept per chat.
    await harness.send('/scrape');
    await harness.press('st:r');
    expect(harness.of('answerCallbackQuery')).toHaveLength(1);
    for (const text of ['@privatechat', 'all', 'yes']) await harness.send(text);
    await harness.send('/status', { chatId: GROUP, from: OTHER_ADMIN });
    expect(last(harness)).toMatch(/^📟 Switchboard status/);
    await harness.send('@notmine', { chatId: GROUP, from: OTHER_ADMIN });
    for (const text of ['@bigchat', '7', 'no']) await harness.send(text, { chatId: GROUP });
    expect(harness.engine.listOperations().map((o) => [o.params, o.reportChatId])).toEqual([
      [{ target: '@bigchat', limit: 7, join: false }, GROUP],
      [{ target: '@privatechat', join: true }, ADMIN],
    ]);
  });
});
