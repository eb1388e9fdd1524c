import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  NOT_MODIFIED,
  UserActionError,
  WaitForTimeoutError,
  BotApiServerStoppedError,
  createBotApiServer,
  formatViolation,
  type BotMessageEvent,
} from '../../../src/sandbox/bot-api/index.js';
import { ADA, BOB, BOT, TOKEN, callJson, pngHeader, startServer } from './helpers.js';

const KEYBOARD = { inline_keyboard: [[{ text: 'Refresh', callback_data: 'refresh' }]] };

describe('BotApiServer', () => {
  describe('routing', () => {
    it('does answer getMe over GET and POST with the bot identity', async () => {
      const { url } = await startServer();
      const get = (await (await fetch(`${url}/bot${TOKEN}/getMe`)).json()) as { ok: boolean; result: Record<string, unknown> };
      const post = await callJson(url, 'getMe');
      expect(get.ok).toBe(true);
      expect(get.result).toMatchObject({ id: BOT.id, is_bot: true, username: BOT.username, first_name: BOT.first_name });
      expect(post.body.result).toEqual(get.result);
    });

    it('does answer 401 Unauthorized for a wrong token', async () => {
      const { url } = await startServer();
      const answer = await callJson(url, 'getMe', {}, '7100001:wrong');
      expect(answer).toEqual({ status: 401, body: { ok: false, error_code: 401, description: 'Unauthorized' } });
    });

    it('does answer 404 Not Found for an unknown method or path, and match method names in any case', async () => {
      const { server, url } = await startServer();
      expect(await callJson(url, 'sendDice', { chat_id: ADA.id })).toEqual({ status: 404, body: { ok: false, error_code: 404, description: 'Not Found' } });
      expect(await callJson(url, 'sendTelepathy')).toEqual({ status: 404, body: { ok: false, error_code: 404, description: 'Not Found' } });
      expect((await fetch(`${url}/nothing-here`)).status).toBe(404);
      expect((await callJson(url, 'GETME')).body.ok).toBe(true);
      // The sandbox serves few methods, but only a call the Bot API does not have breaks the specification.
      expect(server.conformance.take().map(formatViolation)).toEqual(['sendTelepathy method: the Bot API (Bot API 10.1) has no such method']);
    });

    it('does read parameters from the query string and urlencoded forms', async () => {
      const { server, url } = await startServer();
      server.openChat(ADA);
      const query = await fetch(`${url}/bot${TOKEN}/sendMessage?chat_id=${ADA.id}&text=${encodeURIComponent('from query')}`);
      const form = await fetch(`${url}/bot${TOKEN}/sendMessage`, {
        method: 'POST',
        body: new URLSearchParams({ chat_id: String(ADA.id), text: 'from form', reply_markup: JSON.stringify(KEYBOARD) }),
      });
      expect(query.status).toBe(200);
      expect(form.status).toBe(200);
      expect(server.history(ADA.id).map((m) => [m.text, m.replyMarkup])).toEqual([
        ['from query', undefined],
        ['from form', KEYBOARD],
      ]);
    });

    it('does log method names and never the token', async () => {
      const lines: string[] = [];
      const destination = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      });
      const { url } = await startServer({ logger: pino({ level: 'debug' }, destination) });
      await callJson(url, 'getMe');
      await callJson(url, 'sendMessage', { chat_id: 1, text: 'x' });
      await callJson(url, 'getMe', {}, `${TOKEN}x`);
      expect(lines.some((line) => line.includes('"method":"getMe"'))).toBe(true);
      expect(lines.some((line) => line.includes('chat not found'))).toBe(true);
      expect(lines.join('')).not.toContain(TOKEN);
    });

    it('does answer 413 Request Entity Too Large for an upload above the limit', async () => {
      const { server, url } = await startServer({ maxUploadBytes: 1000 });
      server.openChat(ADA);
      const form = new FormData();
      form.set('chat_id', String(ADA.id));
      form.set('document', new Blob([new Uint8Array(5000)]), 'big.bin');
      const res = await fetch(`${url}/bot${TOKEN}/sendDocument`, { method: 'POST', body: form });
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({ ok: false, error_code: 413, description: 'Request Entity Too Large' });
      expect(server.history(ADA.id)).toEqual([]);
      expect(server.files.list()).toEqual([]);
    });
  });

  describe('sendMessage', () => {
    it('does refuse an unknown chat, an empty text and a text above 4096 characters', async () => {
      const { server, url } = await startServer();
      expect((await callJson(url, 'sendMessage', { chat_id: 999, text: 'hi' })).body.description).toBe('Bad Request: chat not found');
      server.openChat(ADA);
      const empty = await callJson(url, 'sendMessage', { chat_id: ADA.id, text: '  \n ' });
      expect(empty).toEqual({ status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: message text is empty' } });
      expect((await callJson(url, 'sendMessage', { chat_id: ADA.id, text: 'x'.repeat(4097) })).body.description).toBe(
        'Bad Request: message is too long',
      );
      expect((await callJson(url, 'sendMessage', { chat_id: ADA.id, text: 'x'.repeat(4096) })).status).toBe(200);
    });

    it('does return the Message with its keyboard and the message it replies to', async () => {
      const { server, url } = await startServer({ now: () => 1_700_000_000_123 });
      const asked = server.userSends(ADA, 'hello');
      const answer = await callJson(url, 'sendMessage', {
        chat_id: ADA.id,
        text: 'Hi Ada',
        parse_mode: 'HTML',
        reply_markup: KEYBOARD,
        reply_parameters: { message_id: asked.messageId },
      });
      expect(answer.body.result).toMatchObject({
        message_id: 2,
        date: 1_700_000_000,
        from: { id: BOT.id, is_bot: true },
        chat: { id: ADA.id, type: 'private', first_name: 'Ada', username: 'ada' },
        text: 'Hi Ada',
        reply_markup: KEYBOARD,
        reply_to_message: { message_id: 1, text: 'hello', from: { id: ADA.id, is_bot: false } },
      });
      expect(server.history(ADA.id)[1]).toMatchObject({ sender: 'bot', parseMode: 'HTML', replyToMessageId: 1 });
      const missing = await callJson(url, 'sendMessage', { chat_id: ADA.id, text: 'x', reply_to_message_id: 77 });
      expect(missing.body.description).toBe('Bad Request: message to be replied not found');
      // Telegram still reads the parameter Bot API 7.0 replaced with reply_parameters; the checker flags it.
      expect(server.conformance.take().map(formatViolation)).toEqual(['sendMessage params: unknown parameter reply_to_message_id']);
    });

    it('does refuse a callback_data above 64 bytes and a keyboard of plain text buttons', async () => {
      const { server, url } = await startServer();
      server.openChat(ADA);
      const long = { inline_keyboard: [[{ text: 'x', callback_data: 'y'.repeat(65) }]] };
      expect((await callJson(url, 'sendMessage', { chat_id: ADA.id, text: 'a', reply_markup: long })).body.description).toBe(
        'Bad Request: BUTTON_DATA_INVALID',
      );
      const plain = { inline_keyboard: [[{ text: 'x' }]] };
      expect((await callJson(url, 'sendMessage', { chat_id: ADA.id, text: 'a', reply_markup: plain })).body.description).toBe(
        "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
      );
    });
  });

  describe('editing', () => {
    it('does edit text, count edits, and refuse an edit that changes nothing', async () => {
      const { server, url } = await startServer();
      server.openChat(ADA);
      const sent = await callJson(url, 'sendMessage', { chat_id: ADA.id, text: 'step 1', reply_markup: KEYBOARD });
      const { message_id } = sent.body.result as { message_id: number };
      const edit = (text: string, markup?: unknown) =>
        callJson(url, 'editMessageText', { chat_id: ADA.id, message_id, text, reply_markup: markup });

      expect((await edit('step 2', KEYBOARD)).body.result).toMatchObject({ text: 'step 2', reply_markup: KEYBOARD });
      expect(await edit('step 2', KEYBOARD)).toEqual({
        status: 400,
        body: { ok: false, error_code: 400, description: `Bad Request: ${NOT_MODIFIED}` },
      });
      // Same text, keyboard dropped: a change, as in Telegram.
      expect((await edit('step 2')).status).toBe(200);
      expect(server.history(ADA.id)).toMatchObject([{ text: 'step 2', replyMarkup: undefined, editCount: 2 }]);
    });

    it('does refuse edits of missing messages and of the user’s messages', async () => {
      const { server, url } = await startServer();
      const own = server.userSends(ADA, 'mine');
      const missing = await callJson(url, 'editMessageText', { chat_id: ADA.id, message_id: 42, text: 'x' });
      expect(missing.body.description).toBe('Bad Request: message to edit not found');
      const foreign = await callJson(url, 'editMessageText', { chat_id: ADA.id, message_id: own.messageId, text: 'x' });
      expect(foreign.body.description).toBe("Bad Request: message can't be edited");
      const empty = await callJson(url, 'editMessageText', { chat_id: ADA.id, message_id: own.messageId, text: '' });
      expect(empty.body.description).toBe('Bad Request: message text is empty');
    });

    it('does edit only the keyboard with editMessageReplyMarkup', async () => {
      const { server, url } = await startServer();
      server.openChat(ADA);
      await callJson(url, 'sendMessage', { chat_id: ADA.id, text: 'panel', reply_markup: KEYBOARD });
      const other = { inline_keyboard: [[{ text: 'Back', callback_data: 'back' }]] };
      expect((await callJson(url, 'editMessageReplyMarkup', { chat_id: ADA.id, message_id: 1, reply_markup: other })).status).toBe(200);
      const same = await callJson(url, 'editMessageReplyMarkup', { chat_id: ADA.id, message_id: 1, reply_markup: other });
      expect(same.body.description).toBe(`Bad Request: ${NOT_MODIFIED}`);
      expect(server.history(ADA.id)).toMatchObject([{ text: 'panel', replyMarkup: other, editCount: 1 }]);
    });

    it('does delete messages and tell listeners what the bot did', async () => {
      const { server, url } = await startServer();
      server.openChat(ADA);
      const events: BotMessageEvent[] = [];
      server.onBotMessage((event) => events.push(event));
      await callJson(url, 'sendMessage', { chat_id: ADA.id, text: 'one' });
      await callJson(url, 'sendMessage', { chat_id: ADA.id, text: 'two' });
      await callJson(url, 'editMessageText', { chat_id: ADA.id, message_id: 1, text: 'one!' });
      expect((await callJson(url, 'deleteMessage', { chat_id: ADA.id, message_id: 2 })).body.result).toBe(true);
      expect((await callJson(url, 'deleteMessage', { chat_id: ADA.id, message_id: 2 })).body.description).toBe(
        'Bad Request: message to delete not found',
      );
      expect(events.map((e) => [e.kind, e.message.messageId, e.message.text])).toEqual([
        ['sent', 1, 'one'],
        ['sent', 2, 'two'],
        ['edited', 1, 'one!'],
        ['deleted', 2, 'two'],
      ]);
      expect(server.history(ADA.id).map((m) => m.text)).toEqual(['one!']);
    });

    it('does tell onMessage listeners of every message, the users\' own too', async () => {
      const { server, url } = await startServer();
      const bot: BotMessageEvent[] = [];
      const all: BotMessageEvent[] = [];
      server.onBotMessage((event) => bot.push(event));
      const stop = server.onMessage((event) => all.push(event));
      server.userSends(ADA, 'hello');
      await callJson(url, 'sendMessage', { chat_id: ADA.id, text: 'hi' });
      await callJson(url, 'deleteMessage', { chat_id: ADA.id, message_id: 1 });
      const seen = (events: BotMessageEvent[]) => events.map((e) => [e.kind, e.message.sender, e.message.messageId]);
      expect(seen(all)).toEqual([
        ['sent', 'user', 1],
        ['sent', 'bot', 2],
        ['deleted', 'user', 1],
      ]);
      // onBotMessage keeps to what the bot does: its messages and its deletions.
      expect(seen(bot)).toEqual([
        ['sent', 'bot', 2],
        ['deleted', 'user', 1],
      ]);
      stop();
      server.userSends(ADA, 'again');
      expect(all).toHaveLength(3);
    });

    it('does accept known chat actions only', async () => {
      const { server, url } = await startServer();
      server.openChat(ADA);
      expect((await callJson(url, 'sendChatAction', { chat_id: ADA.id, action: 'typing' })).body.result).toBe(true);
      expect((await callJson(url, 'sendChatAction', { chat_id: ADA.id, action: 'dancing' })).body.description).toBe(
        'Bad Request: wrong parameter action in request',
      );
    });
  });

  describe('getUpdates', () => {
    it('does answer pending updates at once and forget those confirmed by offset', async () => {
      const { server, url } = await startServer({ firstUpdateId: 1 });
      server.userSends(ADA, '/start');
      server.userSends(BOB, 'hello /help there');
      const first = (await callJson(url, 'getUpdates', { timeout: 30 })).body.result as Array<{ update_id: number; message: unknown }>;
      expect(first.map((u) => u.update_id)).toEqual([1, 2]);
      expect(first[0]?.message).toMatchObject({ text: '/start', entities: [{ type: 'bot_command', offset: 0, length: 6 }] });
      expect(first[1]?.message).toMatchObject({ entities: [{ type: 'bot_command', offset: 6, length: 5 }] });
      expect((await callJson(url, 'getUpdates', { offset: 2 })).body.result).toHaveLength(1);
      expect((await callJson(url, 'getUpdates', { offset: 3 })).body.result).toEqual([]);
      expect((await callJson(url, 'getUpdates', { offset: 1, limit: 5 })).body.result).toEqual([]);
    });

    it('does number updates from a random 9-digit id up, as Telegram after a week without updates', async () => {
      const { server, url } = await startServer();
      server.userSends(ADA, 'one');
      server.userSends(ADA, 'two');
      const ids = ((await callJson(url, 'getUpdates')).body.result as Array<{ update_id: number }>).map((u) => u.update_id);
      expect(ids[0]).toBeGreaterThanOrEqual(100_000_000);
      expect(ids[0]).toBeLessThan(1_000_000_000);
      expect(ids[1]).toBe((ids[0] ?? 0) + 1);
    });

    it('does keep an update until an offset confirms it, so a bot that died before confirming gets it again', async () => {
      const { server, url } = await startServer({ firstUpdateId: 40 });
      server.userSends(ADA, '/scrape @chat');
      expect((await callJson(url, 'getUpdates')).body.result).toMatchObject([{ update_id: 40 }]);
      // No offset: nothing was confirmed, whatever the client did with the update.
      expect((await callJson(url, 'getUpdates')).body.result).toMatchObject([{ update_id: 40 }]);
      expect(server.pendingUpdates().map((u) => u.update_id)).toEqual([40]);
      expect((await callJson(url, 'getUpdates', { offset: 41 })).body.result).toEqual([]);
      expect(server.pendingUpdates()).toEqual([]);
    });

    it('does create only the update types allowed_updates names, keeping the setting until changed', async () => {
      const { server, url } = await startServer();
      server.openChat(ADA);
      await callJson(url, 'sendMessage', { chat_id: ADA.id, text: 'panel', reply_markup: KEYBOARD });
      expect((await callJson(url, 'getUpdates', { allowed_updates: ['callback_query'] })).body.result).toEqual([]);
      server.userSends(ADA, 'dropped: messages are not allowed');
      void server.userPresses(ADA, 1, 'refresh', { timeoutMs: 20 });
      const [press] = (await callJson(url, 'getUpdates')).body.result as Array<Record<string, unknown>>;
      expect(Object.keys(press ?? {}).sort()).toEqual(['callback_query', 'update_id']);
      expect(server.pendingUpdates()).toHaveLength(1);
      // An empty list restores the default: everything but chat_member and reactions.
      await callJson(url, 'getUpdates', { offset: (press?.update_id as number) + 1, allowed_updates: [] });
      server.userSends(ADA, 'kept');
      expect((await callJson(url, 'getUpdates')).body.result).toMatchObject([{ message: { text: 'kept' } }]);
    });

    it('does hold a long poll until an update arrives and answer it promptly', async () => {
      const { server, url } = await startServer({ firstUpdateId: 1 });
      const startedAt = Date.now();
      const poll = callJson(url, 'getUpdates', { timeout: 30 });
      setTimeout(() => server.userSends(ADA, 'ping'), 20);
      const answer = await poll;
      expect(answer.body.result).toMatchObject([{ update_id: 1, message: { text: 'ping' } }]);
      expect(Date.now() - startedAt).toBeLessThan(2000);
    });

    it('does answer [] when the poll timeout ends', async () => {
      const { url } = await startServer({ longPollSecondMs: 30 });
      const startedAt = Date.now();
      expect((await callJson(url, 'getUpdates', { timeout: 1 })).body.result).toEqual([]);
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(25);
      expect((await callJson(url, 'getUpdates', { timeout: 0 })).body.result).toEqual([]);
    });

    it('does end an older poll with 409 Conflict when a newer one arrives', async () => {
      const { url } = await startServer();
      let olderDone = false;
      const older = callJson(url, 'getUpdates', { timeout: 30 }).finally(() => (olderDone = true));
      // A newer call ends the older one only if it arrives after it; one that overtakes it ends nothing, so the
      // newer call is repeated until the older has been answered, rather than sent once after a guessed pause.
      const newer: Array<Awaited<ReturnType<typeof callJson>>> = [];
      for (let i = 0; i < 500 && !olderDone; i += 1) newer.push(await callJson(url, 'getUpdates', { timeout: 0 }));
      expect(newer.map((answer) => answer.body.result)).toEqual(newer.map(() => []));
      expect(await older).toEqual({
        status: 409,
        body: {
          ok: false,
          error_code: 409,
          description: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
        },
      });
    });

    it('does release held polls with [] on stop()', async () => {
      const { server, url } = await startServer();
      // Of two long polls, the one that arrives second ends the first with 409 and is held itself: once one
      // has been answered, the other is surely held (a guessed pause cannot promise that on a busy machine).
      const polls = [callJson(url, 'getUpdates', { timeout: 30 }), callJson(url, 'getUpdates', { timeout: 30 })] as const;
      const first = await Promise.race(polls.map((poll, i) => poll.then(() => i)));
      expect((await polls[first]!).status).toBe(409);
      const poll = polls[1 - first]!;
      const startedAt = Date.now();
      await server.stop();
      expect((await poll).body.result).toEqual([]);
      expect(Date.now() - startedAt).toBeLessThan(1000);
      await expect(fetch(`${url}/bot${TOKEN}/getMe`)).rejects.toThrow();
    });

    it('does drop pending updates on deleteWebhook with drop_pending_updates', async () => {
      const { server, url } = await startServer();
      server.userSends(ADA, 'old');
      expect((await callJson(url, 'getWebhookInfo')).body.result).toMatchObject({ url: '', pending_update_count: 1 });
      expect((await callJson(url, 'deleteWebhook', { drop_pending_updates: true })).body.result).toBe(true);
      expect((await callJson(url, 'getUpdates')).body.result).toEqual([]);
    });
  });

  describe('files', () => {
    it('does store a photo with its size and refuse bytes that are no image', async () => {
      const { server, url } = await startServer();
      server.openChat(ADA);
      const form = new FormData();
      form.set('chat_id', String(ADA.id));
      form.set('photo', new Blob([pngHeader(640, 480)]), 'chart.png');
      const answer = (await (await fetch(`${url}/bot${TOKEN}/sendPhoto`, { method: 'POST', body: form })).json()) as {
        result: { photo: Array<{ file_id: string; width: number; height: number }> };
      };
      expect(answer.result.photo).toMatchObject([{ width: 640, height: 480 }]);
      expect(server.history(ADA.id)[0]?.photo?.[0]?.file_id).toBe(answer.result.photo[0]?.file_id);

      const notImage = new FormData();
      notImage.set('chat_id', String(ADA.id));
      notImage.set('photo', new Blob(['plain text']), 'a.png');
      const refused = await fetch(`${url}/bot${TOKEN}/sendPhoto`, { method: 'POST', body: notImage });
      expect(await refused.json()).toMatchObject({ error_code: 400, description: 'Bad Request: IMAGE_PROCESS_FAILED' });
    });

    it('does resend a stored file by file_id and refuse unknown ids', async () => {
      const { server, url } = await startServer();
      const sent = server.userSendsDocument(ADA, { file_name: 'list.txt', bytes: '@a\n@b\n' });
      const fileId = sent.document?.file_id ?? '';
      const again = await callJson(url, 'sendDocument', { chat_id: ADA.id, document: fileId, caption: 'back to you' });
      expect(again.body.result).toMatchObject({ document: { file_id: fileId, file_name: 'list.txt', mime_type: 'text/plain' }, caption: 'back to you' });
      expect((await callJson(url, 'sendDocument', { chat_id: ADA.id, document: 'nope' })).body.description).toBe(
        'Bad Request: wrong file identifier/HTTP URL specified',
      );
      expect((await callJson(url, 'sendDocument', { chat_id: ADA.id })).body.description).toBe('Bad Request: there is no document in the request');
      expect((await callJson(url, 'getFile', { file_id: 'nope' })).body.description).toBe('Bad Request: invalid file_id');
      expect(server.conformance.take().map(formatViolation)).toEqual(['sendDocument params: missing required parameter document']);
    });

    it('does serve files under /file/bot<TOKEN>/ and refuse files above the download limit', async () => {
      const { server, url } = await startServer({ maxDownloadBytes: 10 });
      const small = server.userSendsDocument(ADA, { file_name: 'a.txt', bytes: 'tiny' });
      const big = server.userSendsDocument(ADA, { file_name: 'b.txt', bytes: 'far too big for the limit' });
      const file = (await callJson(url, 'getFile', { file_id: small.document?.file_id })).body.result as { file_path: string; file_size: number };
      expect(file.file_size).toBe(4);
      const download = await fetch(`${url}/file/bot${TOKEN}/${file.file_path}`);
      expect(download.headers.get('content-type')).toBe('text/plain');
      expect(await download.text()).toBe('tiny');
      expect((await fetch(`${url}/file/bot${TOKEN}/documents/none.txt`)).status).toBe(404);
      expect((await fetch(`${url}/file/botWRONG/${file.file_path}`)).status).toBe(401);
      expect((await callJson(url, 'getFile', { file_id: big.document?.file_id })).body.description).toBe('Bad Request: file is too big');
    });
  });

  describe('callback queries', () => {
    it('does settle a press with null when the bot does not answer in time, and refuse the late answer', async () => {
      const { server, url } = await startServer();
      server.openChat(ADA);
      await callJson(url, 'sendMessage', { chat_id: ADA.id, text: 'panel', reply_markup: KEYBOARD });
      expect(await server.userPresses(ADA, 1, 'refresh', { timeoutMs: 20 })).toBeNull();
      const [update] = (await callJson(url, 'getUpdates')).body.result as Array<{ callback_query: { id: string; data: string } }>;
      expect(update?.callback_query).toMatchObject({ data: 'refresh', message: { message_id: 1, text: 'panel' }, from: { id: ADA.id } });
      const late = await callJson(url, 'answerCallbackQuery', { callback_query_id: update?.callback_query.id });
      expect(late.body.description).toBe('Bad Request: query is too old and response timeout expired or query ID is invalid');
    });

    it('does reject presses of buttons that do not exist', async () => {
      const { server, url } = await startServer();
      server.openChat(ADA);
      await callJson(url, 'sendMessage', { chat_id: ADA.id, text: 'panel', reply_markup: KEYBOARD });
      await expect(server.userPresses(ADA, 1, 'other')).rejects.toBeInstanceOf(UserActionError);
      await expect(server.userPresses(ADA, 9, 'refresh')).rejects.toThrow(/message 9 is not in the chat/);
    });
  });

  describe('commands', () => {
    it('does keep commands per scope and refuse invalid ones', async () => {
      const { server, url } = await startServer();
      const commands = [{ command: 'status', description: 'Live panel' }];
      expect((await callJson(url, 'setMyCommands', { commands })).body.result).toBe(true);
      expect((await callJson(url, 'getMyCommands')).body.result).toEqual(commands);
      expect(server.myCommands()).toEqual(commands);
      expect(server.myCommands({ type: 'all_private_chats' })).toEqual([]);
      expect((await callJson(url, 'setMyCommands', { commands: [{ command: 'Bad-One', description: 'x' }] })).body.description).toBe(
        'Bad Request: BOT_COMMAND_INVALID',
      );
    });

    it('does give a private chat the menu Telegram shows there: its chat scope, all private chats, then the default', async () => {
      const { server, url } = await startServer();
      const list = (command: string) => [{ command, description: command }];
      expect(server.commandMenu(ADA.id)).toEqual([]);
      await callJson(url, 'setMyCommands', { commands: list('everyone') });
      expect(server.commandMenu(ADA.id)).toEqual(list('everyone'));
      await callJson(url, 'setMyCommands', { commands: list('private'), scope: { type: 'all_private_chats' } });
      await callJson(url, 'setMyCommands', { commands: list('italian'), scope: { type: 'all_private_chats' }, language_code: 'it' });
      expect(server.commandMenu(ADA.id)).toEqual(list('private'));
      expect(server.commandMenu(ADA.id, 'it')).toEqual(list('italian'));
      // Scope fields in any order name the same scope.
      await callJson(url, 'setMyCommands', { commands: list('ada'), scope: { chat_id: ADA.id, type: 'chat' } });
      expect(server.commandMenu(ADA.id)).toEqual(list('ada'));
      expect(server.myCommands({ type: 'chat', chat_id: ADA.id })).toEqual(list('ada'));
      expect(server.commandMenu(BOB.id)).toEqual(list('private'));
      await callJson(url, 'deleteMyCommands', { scope: { type: 'chat', chat_id: ADA.id } });
      expect(server.commandMenu(ADA.id)).toEqual(list('private'));
    });
  });

  describe('waitFor', () => {
    it('does reject after the timeout, naming what the bot sent', async () => {
      const { server, url } = await startServer();
      server.openChat(ADA);
      await callJson(url, 'sendMessage', { chat_id: ADA.id, text: 'something else' });
      const error = await server.waitFor((m) => m.text === 'never', 30).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WaitForTimeoutError);
      expect((error as Error).message).toContain('no bot message matched within 30 ms');
      expect((error as Error).message).toContain('sent #1 in chat 501: "something else"');
    });

    it('does reject open waits when the server stops', async () => {
      const server = createBotApiServer({ token: TOKEN, bot: BOT });
      await server.start();
      const waiting = expect(server.waitFor(() => true, 5000)).rejects.toBeInstanceOf(BotApiServerStoppedError);
      await server.stop();
      await waiting;
    });
  });
});
