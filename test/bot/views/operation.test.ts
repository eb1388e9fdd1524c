import { describe, expect, it } from 'vitest';
import { renderOperation } from '../../../src/bot/views/operation.js';
import type { ScrapeResult } from '../../../src/engine/operations/scrape.js';
import type { Operation } from '../../../src/engine/types.js';

const base: Operation = {
  id: 7,
  kind: 'scrape',
  type: 'scraping',
  params: { target: '@bigchat' },
  status: 'running',
  priority: 5,
  pinnedAccountId: null,
  accountId: 3,
  attempts: 1,
  progress: { done: 10_000, total: 25_000 },
  result: null,
  error: null,
  notice: null,
  requestedBy: 1,
  reportChatId: 1,
  reportMessageId: 2,
  parentId: null,
  createdAt: 0,
  startedAt: 0,
  finishedAt: null,
};

describe('renderOperation', () => {
  it('says what a running operation is waiting for', () => {
    const text = renderOperation({ ...base, notice: 'Telegram asked this account to wait 30 s (flood control). Waiting it out, then resuming.' }, { now: 0 }).text;
    expect(text).toContain('⏸ Telegram asked this account to wait 30 s');
    expect(renderOperation(base, { now: 0 }).text).not.toContain('⏸');
  });

  it('says why a moved operation waits again', () => {
    const text = renderOperation(
      { ...base, status: 'queued', attempts: 1, error: { kind: 'flood', message: 'Telegram asked this account to wait 10 min (flood control).' } },
      { now: 0 },
    ).text;
    expect(text).toContain('Waiting to try again');
    expect(text).toContain('wait 10 min (flood control)');
  });

  describe('the ✅ of a scrape', () => {
    const result: ScrapeResult = {
      chatId: 1001,
      title: 'Big chat',
      username: 'bigchat',
      chatKind: 'supergroup',
      source: 'participants',
      mode: 'deep',
      found: 25_000,
      new: 24_000,
      known: 1000,
      total: 25_000,
      coverage: { list: 10_000, search: 15_000, messages: 0 },
      durationMs: 185_000,
      note: null,
    };
    const done = (r: unknown) => renderOperation({ ...base, status: 'succeeded', result: r, finishedAt: 185_000 }, { now: 0 });

    it('tells the coverage: found of the count, and which way found them', () => {
      expect(done(result).text).toBe(
        [
          '✅ Scrape @bigchat (#7) done',
          'Big chat (@bigchat)',
          'Found 25,000 of 25,000 members (100%).',
          "10,000 from the member list, 15,000 from search past Telegram's listing cap.",
          'New: 24,000 · already known: 1,000',
          'Took 3 min 05 s.',
        ].join('\n'),
      );
      expect(done({ ...result, found: 9840, new: 9840, known: 0, coverage: { list: 8000, search: 1840, messages: 0 } }).text).toContain(
        "Found 9,840 of 25,000 members (39%).\n8,000 from the member list, 1,840 from search past Telegram's listing cap.",
      );
    });

    it('says a hidden chat’s members came from message authors, and keeps the note', () => {
      const note = 'The member list is hidden, so members were taken from the authors of messages of the last 30 days.';
      const text = done({ ...result, source: 'messages', mode: 'messages', found: 250, new: 250, known: 0, total: 3000, coverage: { list: 0, search: 0, messages: 250 }, note }).text;
      expect(text).toContain('Found 250 of 3,000 members (8%).\nAll from message authors.');
      expect(text).toContain(`Note: ${note}`);
    });

    it('offers the export in each format and the stats of the chat', () => {
      const buttons = done(result).keyboard?.inline_keyboard.flat().map((b) => [b.text, 'callback_data' in b ? b.callback_data : undefined]);
      expect(buttons).toEqual([
        ['📄 Export CSV', 'ex:1001'],
        ['📗 Excel', 'ex:1001:x'],
        ['🧾 JSON', 'ex:1001:j'],
        ['📊 Stats', 'sx:1001'],
      ]);
    });

    it('tells the source of a result stored before coverage was counted', () => {
      const { coverage: _, ...old } = result;
      const text = done(old).text;
      expect(text).toContain('Found 25,000 of 25,000 members (100%).');
      expect(text).toContain("Source: the member list, searched past Telegram's listing cap");
    });
  });
});
