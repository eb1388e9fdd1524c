import type { Update } from 'grammy/types';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuditRepository } from '../../src/db/repositories/audit.js';
import { ADMIN, BOT_INFO, STRANGER, createBotHarness, type BotHarness } from './harness.js';

const GROUP = -1001234567890;

let h: BotHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

let updateId = 5_000_000;
const botIn = (status: string, from: number, chat = { id: GROUP, type: 'supergroup', title: 'Reports' }, old = 'left'): Update =>
  ({
    update_id: updateId++,
    my_chat_member: {
      chat,
      from: { id: from, is_bot: from === BOT_INFO.id, first_name: 'Someone' },
      date: 1,
      old_chat_member: { status: old, user: BOT_INFO },
      new_chat_member: { status, user: BOT_INFO, ...(status === 'kicked' ? { until_date: 0 } : {}) },
    },
  }) as unknown as Update;

describe('the panel in groups', () => {
  it('does greet a group an admin added it to, with the chat id, and leave one a stranger added it to', async () => {
    h = await createBotHarness();
    await h.bot.handleUpdate(botIn('member', ADMIN));
    expect(h.of('sendMessage')).toHaveLength(1);
    expect(h.of('sendMessage')[0]?.payload).toMatchObject({ chat_id: GROUP, text: expect.stringContaining(`This chat's id is ${GROUP}.`) });
    h.clear();
    await h.bot.handleUpdate(botIn('member', STRANGER, { id: -1009, type: 'supergroup', title: 'Spam' }));
    expect(h.calls.map((c) => [c.method, c.payload.chat_id])).toEqual([['leaveChat', -1009]]);
    // Blocked in a private chat, or left on its own: nothing to say.
    h.clear();
    await h.bot.handleUpdate(botIn('kicked', ADMIN, { id: ADMIN, type: 'private', first_name: 'Admin' } as never, 'member'));
    await h.bot.handleUpdate(botIn('left', BOT_INFO.id, { id: -1009, type: 'supergroup', title: 'Spam' }, 'member'));
    expect(h.calls).toEqual([]);
  });

  it('does tell every admin when it is removed from a group that schedules send to', async () => {
    h = await createBotHarness({ env: { ADMIN_IDS: `${ADMIN},4343` } });
    await h.send(`/schedule add "0 9 * * *" ${GROUP}`);
    h.clear();
    await h.bot.handleUpdate(botIn('kicked', ADMIN, { id: GROUP, type: 'supergroup', title: 'Reports' }, 'member'));
    expect(h.of('sendMessage').map((c) => c.payload.chat_id)).toEqual([ADMIN, 4343]);
    expect(h.texts()[0]).toBe(`⚠️ I was removed from “Reports” (chat ${GROUP}). schedule #1 (/schedule remove 1) sends there and will fail until an admin adds me back.`);
  });

  it('does ignore strangers’ chatter and other bots’ commands in groups, and refuse a stranger’s command once', async () => {
    h = await createBotHarness();
    await h.send('hello everyone', { from: STRANGER, chatId: GROUP });
    await h.send('/status@some_other_bot', { from: ADMIN, chatId: GROUP });
    expect(h.calls).toEqual([]);
    await h.send('/status', { from: STRANGER, chatId: GROUP });
    expect(h.texts()).toEqual(['This panel is private.']);
    await h.send(`/status@${BOT_INFO.username}`, { from: ADMIN, chatId: GROUP });
    expect(h.texts().at(-1)).toMatch(/^📟 Switchboard status/);
    expect((await createAuditRepository(h.db).recent(5)).map((a) => [a.userId, a.action, a.outcome])).toEqual([
      [ADMIN, 'status', 'ok'],
      [STRANGER, 'status', 'refused: not an admin'],
      [ADMIN, 'status', 'ignored: meant for another bot'],
    ]);
  });
});
