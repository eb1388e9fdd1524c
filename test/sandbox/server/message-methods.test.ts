import bigInt from 'big-integer';
import { Api, type TelegramClient } from 'telegram';
import { NewMessage, type NewMessageEvent } from 'telegram/events/index.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { POOL_ID_BASE } from '../../../src/sandbox/index.js';
import { ALPHA, BRAVO, rpcError, startSandbox, testWorldInput, type Sandbox } from '../helpers.js';

/** Collects the texts of new messages the client sees in `chatId` (a marked id). */
function collect(client: TelegramClient, chatId: number): NewMessageEvent[] {
  const seen: NewMessageEvent[] = [];
  client.addEventHandler((event: NewMessageEvent) => {
    seen.push(event);
  }, new NewMessage({ chats: [chatId] }));
  return seen;
}

/** How long a live update may take to arrive: generous for a busy machine, as the wait ends when it is there. */
const LIVE = { timeout: 10_000, interval: 5 };

const withAlphaIn = (chats: number[], extra = {}) => {
  const input = testWorldInput(extra);
  return { ...input, accounts: input.accounts!.map((a) => (a.phone === ALPHA ? { ...a, joined: chats } : a)) };
};

describe('message methods', () => {
  let sandbox: Sandbox;
  afterEach(async () => {
    vi.useRealTimers();
    await sandbox.close();
  });

  describe('timeline updates', () => {
    it('fires a NewMessage handler of a member when the timeline posts', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
      sandbox = startSandbox(
        withAlphaIn([2001], { timeline: [{ atSeconds: 20, chat: 2001, from: 42, text: 'anyone selling a used bike?', everySeconds: 20 }] }),
      );
      const alpha = await sandbox.connect(ALPHA);
      const bravo = await sandbox.connect(BRAVO); // not a member
      const alphaSeen = collect(alpha, -1002001);
      const bravoSeen = collect(bravo, -1002001);
      await vi.advanceTimersByTimeAsync(20_000);
      expect(alphaSeen).toHaveLength(1);
      const event = alphaSeen[0]!;
      expect(event.message.message).toBe('anyone selling a used bike?');
      expect(event.message.senderId?.toJSNumber()).toBe(POOL_ID_BASE + 42);
      expect(event.message.out).toBe(false);
      const sender = (await event.message.getSender()) as Api.User;
      expect(sender.username).toBe('user42');
      expect(((await event.message.getChat()) as Api.Channel).title).toBe('Medium chat');
      await vi.advanceTimersByTimeAsync(40_000);
      expect(alphaSeen.map((e) => e.message.id)).toEqual([1, 2, 3]);
      expect(bravoSeen).toHaveLength(0);
    });

    it('gives the author of a live message with its status and phone', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
      vi.setSystemTime(1_750_000_000_000);
      // 78 = 13 × 6: online, with a phone.
      sandbox = startSandbox(withAlphaIn([2001], { timeline: [{ atSeconds: 20, chat: 2001, from: 78, text: 'hello' }] }));
      const alpha = await sandbox.connect(ALPHA);
      const seen = collect(alpha, -1002001);
      await vi.advanceTimersByTimeAsync(20_000);
      expect(seen).toHaveLength(1);
      const sender = (await seen[0]!.message.getSender()) as Api.User;
      expect(sender.phone).toBe('99900000078');
      expect(sender.status).toEqual(new Api.UserStatusOnline({ expires: 1_750_000_020 + 300 }));
    });

    it('also delivers to a connection watching the chat it opened', async () => {
      sandbox = startSandbox();
      const bravo = await sandbox.connect(BRAVO);
      const seen = collect(bravo, -1002001);
      const chat = sandbox.world.chat(2001)!;
      sandbox.world.postChatMessage(chat, { kind: 'pool', n: 5 }, 'before watching');
      await bravo.getMessages('mediumchat', { limit: 1 });
      sandbox.world.postChatMessage(chat, { kind: 'pool', n: 6 }, 'while watching');
      await vi.waitFor(() => expect(seen.map((e) => e.message.message)).toEqual(['while watching']), LIVE);
    });
  });

  describe('messages.GetHistory', () => {
    it('pages the history newest first, with the authors', async () => {
      sandbox = startSandbox();
      const client = await sandbox.connect(ALPHA);
      const messages = await client.getMessages('hiddenchat', { limit: 250 });
      expect(messages).toHaveLength(250);
      expect(messages.total).toBe(300);
      expect([...messages].map((m) => m.id)).toEqual(Array.from({ length: 250 }, (_, i) => 300 - i));
      const m = messages[0]!;
      // Message 300 of authors 3001..3025 taken in turn: 3001 + 299 % 25.
      expect(m.senderId?.toJSNumber()).toBe(POOL_ID_BASE + 3001 + (299 % 25));
      expect(((await m.getSender()) as Api.User).firstName).toBe(`First${3001 + (299 % 25)}`);
      const newestDate = m.date;
      const oldest = messages.at(-1)!;
      expect(newestDate).toBeGreaterThan(oldest.date);
      expect(newestDate).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
      expect(oldest.date).toBeGreaterThan(Math.floor(Date.now() / 1000) - 10 * 86_400);
      expect(sandbox.trace.filter((t) => t.method === 'messages.GetHistory')).toHaveLength(3);
    });

    it('gives the authors of a hidden chat with their last-seen status and phone', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(1_750_000_000_000);
      sandbox = startSandbox();
      vi.setSystemTime(1_750_000_600_000);
      const client = await sandbox.connect(ALPHA);
      const history = await client.invoke(
        new Api.messages.GetHistory({ peer: 'hiddenchat', offsetId: 0, offsetDate: 0, addOffset: 0, limit: 25, maxId: 0, minId: 0, hash: bigInt(0) }),
      );
      if (!(history instanceof Api.messages.ChannelMessages)) throw new Error('expected a channel history');
      // The 25 newest messages have all 25 authors, 3001..3025.
      const users = new Map((history.users as Api.User[]).map((u) => [u.id.toJSNumber() - POOL_ID_BASE, u]));
      expect([...users.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => 3001 + i));
      // 3001 mod 6 = 1: offline, last online 1 day (3001 mod 30) and 1 hour (3001 mod 24) before the start.
      expect(users.get(3001)?.status).toEqual(new Api.UserStatusOffline({ wasOnline: 1_750_000_000 - 86_400 - 3_600 }));
      // 3006 mod 6 = 0: online, as of now.
      expect(users.get(3006)?.status).toEqual(new Api.UserStatusOnline({ expires: 1_750_000_600 + 300 }));
      expect(users.get(3002)?.status).toBeInstanceOf(Api.UserStatusRecently);
      // 3005 mod 6 = 5: long ago, no status at all (GramJS reads an absent field as null).
      expect(users.get(3005)?.status).toBeNull();
      // 3003 = 13 × 231: its phone is visible; 3016 = 13 × 232 too.
      expect(users.get(3003)).toMatchObject({ phone: '99900003003', status: expect.any(Api.UserStatusLastWeek) as unknown });
      expect(users.get(3016)?.phone).toBe('99900003016');
      expect(users.get(3004)?.phone).toBeNull();
    });

    it('honours offset_date', async () => {
      sandbox = startSandbox();
      const client = await sandbox.connect(ALPHA);
      const [pivot] = await client.getMessages('hiddenchat', { limit: 1, offsetId: 101 });
      const older = await client.getMessages('hiddenchat', { limit: 3, offsetDate: pivot!.date });
      expect([...older].map((m) => m.id)).toEqual([99, 98, 97]);
    });

    it('answers limit 0 with the default page of 20, as Telegram does', async () => {
      sandbox = startSandbox();
      const client = await sandbox.connect(ALPHA);
      const page = (peer: string) =>
        client.invoke(new Api.messages.GetHistory({ peer, offsetId: 0, offsetDate: 0, addOffset: 0, limit: 0, maxId: 0, minId: 0, hash: bigInt(0) }));
      const chat = await page('hiddenchat');
      if (!(chat instanceof Api.messages.ChannelMessages)) throw new Error('expected a channel history');
      expect(chat.messages.map((m) => m.id)).toEqual(Array.from({ length: 20 }, (_, i) => 300 - i));
      expect(chat.count).toBe(300);

      const alpha = sandbox.world.account(ALPHA)!;
      for (let i = 1; i <= 25; i += 1) sandbox.world.sendPrivate(alpha, POOL_ID_BASE + 42, `note ${i}`);
      const dialog = await page('user42');
      if (dialog instanceof Api.messages.MessagesNotModified) throw new Error('expected messages');
      expect(dialog.messages.map((m) => (m as Api.Message).message)).toEqual(Array.from({ length: 20 }, (_, i) => `note ${25 - i}`));
    });
  });

  describe('messages.SendMessage', () => {
    it('sends to a chat the account is in; other members get it live', async () => {
      sandbox = startSandbox();
      const alpha = await sandbox.connect(ALPHA);
      const bravo = await sandbox.connect(BRAVO);
      for (const c of [alpha, bravo]) await c.invoke(new Api.channels.JoinChannel({ channel: await c.getInputEntity('mediumchat') }));
      const bravoSeen = collect(bravo, -1002001);
      const alphaSeen = collect(alpha, -1002001);
      const sent = await alpha.sendMessage('mediumchat', { message: 'hello from alpha' });
      expect(sent.id).toBe(1);
      expect(sent.out).toBe(true);
      await vi.waitFor(() => expect(bravoSeen.map((e) => e.message.message)).toEqual(['hello from alpha']), LIVE);
      expect(bravoSeen[0]!.message.senderId?.toJSNumber()).toBe(7_000_001);
      expect(sandbox.world.sentMessages()).toEqual([
        expect.objectContaining({ account: ALPHA, to: { kind: 'chat', chatId: 2001 }, id: 1, text: 'hello from alpha' }),
      ]);
      const [last] = await bravo.getMessages('mediumchat', { limit: 1 });
      expect(last?.message).toBe('hello from alpha');
      // The sending connection has the message in its answer, not as an update: a later message of the chat
      // reaches it, and nothing came before that one.
      sandbox.world.postChatMessage(sandbox.world.chat(2001)!, { kind: 'pool', n: 7 }, 'a later message');
      await vi.waitFor(() => expect(alphaSeen.map((e) => e.message.message)).toEqual(['a later message']), LIVE);
    });

    it('sends to a user', async () => {
      sandbox = startSandbox();
      const alpha = await sandbox.connect(ALPHA);
      const sent = await alpha.sendMessage('user42', { message: 'hi 42' });
      expect(sent.message).toBe('hi 42');
      const history = await alpha.getMessages('user42', { limit: 10 });
      expect([...history].map((m) => m.message)).toEqual(['hi 42']);
      expect(sandbox.world.sentMessages()[0]).toMatchObject({ to: { kind: 'user', userId: POOL_ID_BASE + 42 } });
    });

    it('delivers a private message to another sandbox account', async () => {
      sandbox = startSandbox();
      const alpha = await sandbox.connect(ALPHA);
      const bravo = await sandbox.connect(BRAVO);
      for (const c of [alpha, bravo]) await c.invoke(new Api.channels.JoinChannel({ channel: await c.getInputEntity('mediumchat') }));
      const received: NewMessageEvent[] = [];
      bravo.addEventHandler((e: NewMessageEvent) => {
        received.push(e);
      }, new NewMessage({ incoming: true }));
      // Alpha learns Bravo's access hash the way a scraper would: from the member list.
      const [bravoUser] = await alpha.getParticipants('mediumchat', { search: 'bravo' });
      await alpha.sendMessage(bravoUser!, { message: 'psst' });
      await vi.waitFor(() => expect(received.map((e) => e.message.message)).toEqual(['psst']), LIVE);
      expect(received[0]!.message.senderId?.toJSNumber()).toBe(7_000_001);
      expect(received[0]!.isPrivate).toBe(true);
    });

    it('refuses chats the account may not write to', async () => {
      sandbox = startSandbox();
      const alpha = await sandbox.connect(ALPHA);
      expect((await rpcError(alpha.sendMessage('mediumchat', { message: 'x' }))).errorMessage).toBe('CHAT_WRITE_FORBIDDEN');
      await alpha.invoke(new Api.channels.JoinChannel({ channel: await alpha.getInputEntity('broadcast') }));
      expect((await rpcError(alpha.sendMessage('broadcast', { message: 'x' }))).errorMessage).toBe('CHAT_WRITE_FORBIDDEN');
      await alpha.invoke(new Api.channels.JoinChannel({ channel: await alpha.getInputEntity('mediumchat') }));
      expect((await rpcError(alpha.invoke(new Api.messages.SendMessage({ peer: 'mediumchat', message: ' ' }))))).toMatchObject({
        errorMessage: 'MESSAGE_EMPTY',
      });
    });
  });
});
