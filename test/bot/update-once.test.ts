import type { Update } from 'grammy/types';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createHandledUpdates } from '../../src/bot/handled-updates.js';
import { reportInterrupted } from '../../src/bot/update-once.js';
import { ADMIN, STRANGER, createBotHarness, type BotHarness } from './harness.js';

let h: BotHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const command = (updateId: number, text: string, from = ADMIN): Update =>
  ({
    update_id: updateId,
    message: {
      message_id: updateId,
      date: 1,
      chat: { id: from, type: 'private', first_name: 'User' },
      from: { id: from, is_bot: false, first_name: 'User' },
      text,
      entities: [{ type: 'bot_command', offset: 0, length: text.split(' ')[0]?.length ?? 0 }],
    },
  }) as unknown as Update;

describe('updateOnce', () => {
  it('does handle an update Telegram delivers twice only once, and record it', async () => {
    h = await createBotHarness();
    await h.bot.handleUpdate(command(900_001, '/schedule add "0 9 * * *"'));
    await h.bot.handleUpdate(command(900_001, '/schedule add "0 9 * * *"'));
    expect(h.texts().filter((t) => t.startsWith('✅ Schedule'))).toHaveLength(1);
    expect(h.db.sqlite.prepare('select count(*) as n from schedules').get()).toEqual({ n: 1 });
    expect(h.db.sqlite.prepare('select update_id, chat_id, action, finished_at is not null as finished from handled_updates').all()).toEqual([
      { update_id: 900_001, chat_id: ADMIN, action: '/schedule', finished: 1 },
    ]);
  });

  it('does tell the admin at start which command a crash cut short, once, and skip it when it comes again', async () => {
    h = await createBotHarness();
    const store = createHandledUpdates(h.db);
    // What a crash in the middle of handling leaves: a claim without a finish.
    await store.claim({ updateId: 900_002, chatId: ADMIN, action: '/scrape' }, Date.now());
    await store.claim({ updateId: 900_003, chatId: null, action: '/status' }, Date.now());
    await h.bot.panel.start();
    const notices = h.texts().filter((t) => t.startsWith('⚠️'));
    expect(notices).toEqual(['⚠️ The panel restarted while it was handling your /scrape, so it may have been done only in part. Check /ops before sending it again.']);
    expect(h.of('sendMessage').find((c) => String(c.payload.text).startsWith('⚠️'))?.payload.chat_id).toBe(ADMIN);
    expect(await store.unfinished()).toEqual([]);
    h.clear();
    await h.bot.handleUpdate(command(900_002, '/scrape @bigchat'));
    expect(h.calls).toEqual([]);
    expect(await reportInterrupted({ store, api: h.bot.api, clock: { now: Date.now, setTimeout, clearTimeout }, logger: pino({ level: 'silent' }) })).toBe(0);
  });

  it('does keep no chat to tell for strangers’ updates, and prunes ids older than two days', async () => {
    h = await createBotHarness();
    await h.bot.handleUpdate(command(900_004, '/status', STRANGER));
    expect(h.db.sqlite.prepare('select chat_id from handled_updates where update_id = 900004').get()).toEqual({ chat_id: null });
    const store = createHandledUpdates(h.db);
    await store.claim({ updateId: 1, chatId: null, action: null }, Date.now() - 3 * 86_400_000);
    expect(await store.prune(Date.now() - 2 * 86_400_000)).toBe(1);
    expect(await store.claim({ updateId: 1, chatId: null, action: null }, Date.now())).toBe(true);
  });
});
