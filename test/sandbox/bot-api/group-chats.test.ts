import { Bot, GrammyError } from 'grammy';
import type { ChatMemberUpdated } from 'grammy/types';
import { afterEach, describe, expect, it } from 'vitest';
import type { BotApiServer } from '../../../src/sandbox/bot-api/index.js';
import { until } from '../../until.js';
import { ADA, BOB, BOT, TOKEN, callJson, startServer } from './helpers.js';

const CAROL = { id: 503, first_name: 'Carol' };

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/** A real grammY bot that records what reaches it and polls with my_chat_member allowed. */
async function groupBot(setup: (bot: Bot) => void = () => {}): Promise<{ server: BotApiServer; bot: Bot; url: string; seen: string[]; memberships: ChatMemberUpdated[] }> {
  const { server, url } = await startServer({ longPollSecondMs: 20 });
  const bot = new Bot(TOKEN, { client: { apiRoot: url } });
  const seen: string[] = [];
  const memberships: ChatMemberUpdated[] = [];
  bot.on('my_chat_member', (ctx) => void memberships.push(ctx.myChatMember));
  bot.on('message', async (ctx, next) => {
    seen.push(ctx.message.text ?? (ctx.message.new_chat_members ? 'joined' : ctx.message.group_chat_created ? 'created' : '?'));
    await next();
  });
  setup(bot);
  await new Promise<void>((resolve) => {
    const polling = bot.start({ timeout: 1, allowed_updates: ['message', 'callback_query', 'my_chat_member'], onStart: () => resolve() });
    stops.push(async () => {
      await bot.stop();
      await polling;
    });
  });
  return { server, bot, url, seen, memberships };
}

describe('BotApiServer groups', () => {
  it('does add the bot to a new supergroup with my_chat_member and the new_chat_members message, as Telegram', async () => {
    const { server, memberships, seen } = await groupBot();
    const group = server.createGroup(ADA, { title: 'Reports', members: [BOB] });
    expect(group).toMatchObject({ kind: 'supergroup', title: 'Reports', botStatus: 'member' });
    expect(String(group.id)).toMatch(/^-100\d+$/);
    await until(() => memberships.length === 1 && seen.length === 1, 'the membership update and the service message');
    expect(memberships[0]).toMatchObject({
      chat: { id: group.id, type: 'supergroup', title: 'Reports' },
      from: { id: ADA.id, is_bot: false },
      old_chat_member: { status: 'left', user: { id: BOT.id, is_bot: true } },
      new_chat_member: { status: 'member', user: { id: BOT.id } },
    });
    expect(seen).toEqual(['joined']);
    const basic = server.createGroup(ADA, { title: 'Old school', type: 'group', bot: 'admin' });
    expect(basic.id).toBeLessThan(0);
    expect(basic.id).toBeGreaterThan(-1_000_000_000_000);
    await until(() => memberships.length === 2 && seen.length === 2, 'the basic group');
    expect(memberships[1]?.new_chat_member).toMatchObject({ status: 'administrator', can_manage_chat: true, can_pin_messages: true });
    expect(seen[1]).toBe('created');
  });

  it('does hand the bot commands and replies to it in privacy mode, from several users, and everything once it is an admin', async () => {
    const { server, seen } = await groupBot((b) => {
      b.command('status', (ctx) => ctx.reply(`status for ${ctx.from?.first_name ?? '?'} in ${ctx.chat.type}`));
    });
    const group = server.createGroup(ADA, { title: 'Ops', members: [BOB] });
    server.userJoinsGroup(CAROL, group.id);
    server.userSends(ADA, 'just chatting', { chatId: group.id });
    server.userSends(BOB, `/status@${BOT.username}`, { chatId: group.id });
    server.userSends(CAROL, '/status@some_other_bot', { chatId: group.id });
    const reply = await server.waitFor((m) => m.chatId === group.id && m.sender === 'bot');
    expect(reply.text).toBe('status for Bob in supergroup');
    server.userSends(CAROL, 'thanks', { chatId: group.id, replyTo: reply.messageId });
    server.userSends(ADA, '/status', { chatId: group.id });
    await server.waitFor((m) => m.text === 'status for Ada in supergroup');
    await until(() => seen.includes('thanks'), 'the reply to the bot');
    expect(seen).toEqual(['joined', 'joined', `/status@${BOT.username}`, 'thanks', '/status']);
    expect(server.history(group.id).filter((m) => m.sender === 'user').map((m) => m.from?.first_name)).toEqual(['Ada', 'Carol', 'Ada', 'Bob', 'Carol', 'Carol', 'Ada']);

    const admins = server.createGroup(ADA, { title: 'Admins', bot: 'admin' });
    server.userSends(ADA, 'heard by an admin bot', { chatId: admins.id });
    await until(() => seen.includes('heard by an admin bot'), 'the plain message to an admin bot');
    expect(() => server.userSends({ id: 999, first_name: 'Outsider' }, 'hi', { chatId: group.id })).toThrow(/not a member of group/);
  });

  it('does answer getChat, getChatMember, getChatAdministrators and getChatMemberCount for groups', async () => {
    const { server, bot } = await groupBot();
    const group = server.createGroup(ADA, { title: 'Public', members: [BOB], username: 'publicreports' });
    expect(await bot.api.getChat(group.id)).toMatchObject({ id: group.id, type: 'supergroup', title: 'Public', username: 'publicreports', accepted_gift_types: { gifts_from_channels: false } });
    expect(await bot.api.getChat('@publicreports')).toMatchObject({ id: group.id });
    expect(await bot.api.getChatMember(group.id, ADA.id)).toMatchObject({ status: 'creator', user: { id: ADA.id } });
    expect(await bot.api.getChatMember(group.id, BOB.id)).toMatchObject({ status: 'member' });
    expect(await bot.api.getChatMember(group.id, BOT.id)).toMatchObject({ status: 'member', user: { is_bot: true } });
    server.openChat(CAROL);
    expect(await bot.api.getChatMember(group.id, CAROL.id)).toMatchObject({ status: 'left' });
    await expect(bot.api.getChatMember(group.id, 424242)).rejects.toMatchObject({ error_code: 400, description: 'Bad Request: user not found' });
    expect((await bot.api.getChatAdministrators(group.id)).map((m) => [m.status, m.user.id])).toEqual([['creator', ADA.id]]);
    expect(await bot.api.getChatMemberCount(group.id)).toBe(3);
    server.openChat(ADA);
    await expect(bot.api.getChatAdministrators(ADA.id)).rejects.toMatchObject({ description: 'Bad Request: there are no administrators in the private chat' });
    await expect(bot.api.getChat(-1009999999999)).rejects.toMatchObject({ description: 'Bad Request: chat not found' });
  });

  it('does send my_chat_member with status left on leaveChat, then refuse sends with 403 as Telegram', async () => {
    const { server, bot, memberships } = await groupBot();
    const supergroup = server.createGroup(ADA, { title: 'Super' });
    const basic = server.createGroup(ADA, { title: 'Basic', type: 'group' });
    await until(() => memberships.length === 2, 'both additions');
    expect((await bot.api.sendMessage(supergroup.id, 'hello group')).chat).toMatchObject({ id: supergroup.id, type: 'supergroup', title: 'Super' });
    expect(await bot.api.leaveChat(supergroup.id)).toBe(true);
    expect(await bot.api.leaveChat(basic.id)).toBe(true);
    await until(() => memberships.length === 4, 'the leave updates');
    expect(memberships[2]).toMatchObject({ chat: { id: supergroup.id }, from: { id: BOT.id }, old_chat_member: { status: 'member' }, new_chat_member: { status: 'left' } });
    const refused = await bot.api.sendMessage(supergroup.id, 'still here?').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GrammyError);
    expect(refused).toMatchObject({ error_code: 403, description: 'Forbidden: bot is not a member of the supergroup chat' });
    await expect(bot.api.sendMessage(basic.id, 'x')).rejects.toMatchObject({ error_code: 403, description: 'Forbidden: bot is not a member of the group chat' });
    // A private supergroup hides itself from a non-member; a basic group still answers reads.
    await expect(bot.api.getChat(supergroup.id)).rejects.toMatchObject({ error_code: 403 });
    expect(await bot.api.getChat(basic.id)).toMatchObject({ type: 'group', title: 'Basic' });
    await expect(bot.api.leaveChat(supergroup.id)).rejects.toMatchObject({ error_code: 403 });
    expect(server.chat(supergroup.id)?.botStatus).toBe('left');
  });

  it('does tell the bot it was removed, refuse it afterwards, and let it be added back', async () => {
    const { server, bot, memberships } = await groupBot();
    const group = server.createGroup(ADA, { title: 'Kicks', type: 'group', members: [BOB] });
    expect(() => server.userRemovesBot(BOB, group.id)).toThrow(/may not remove/);
    server.userRemovesBot(ADA, group.id);
    await until(() => memberships.length === 2, 'the removal');
    expect(memberships[1]?.new_chat_member).toEqual({ status: 'kicked', user: expect.objectContaining({ id: BOT.id }), until_date: 0 });
    await expect(bot.api.sendMessage(group.id, 'x')).rejects.toMatchObject({ description: 'Forbidden: bot was kicked from the group chat' });
    server.userSends(ADA, '/status', { chatId: group.id });
    server.userAddsBot(BOB, group.id);
    await until(() => memberships.length === 3, 'the bot added back');
    expect(memberships[2]).toMatchObject({ from: { id: BOB.id }, old_chat_member: { status: 'kicked' }, new_chat_member: { status: 'member' } });
    expect((await bot.api.sendMessage(group.id, 'back')).text).toBe('back');
  });

  it('does check every group exchange against the Bot API specification', async () => {
    const { server, url } = await startServer();
    const group = server.createGroup(ADA, { title: 'Raw', members: [BOB] });
    server.userSends(BOB, '/status', { chatId: group.id });
    const updates = (await callJson(url, 'getUpdates')).body.result as Array<Record<string, unknown>>;
    expect(updates.map((u) => Object.keys(u).find((k) => k !== 'update_id'))).toEqual(['my_chat_member', 'message', 'message']);
    await callJson(url, 'getChatAdministrators', { chat_id: group.id, return_bots: true });
    expect(server.conformance.violations()).toEqual([]);
    expect(server.conformance.exchanges).toBe(2);
  });
});
