import { randomBytes } from 'node:crypto';
import { run, type RunnerHandle } from '@grammyjs/runner';
import { Bot, GrammyError, InlineKeyboard, InputFile } from 'grammy';
import { afterEach, describe, expect, it } from 'vitest';
import { NOT_MODIFIED, type BotApiServer } from '../../../src/sandbox/bot-api/index.js';
import { ADA, BOT, TOKEN, startServer } from './helpers.js';

/** Stops polling bots before the servers they poll go away. */
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/** A real grammY bot polling the server with bot.start(); handler errors fail the test. */
async function pollingBot(setup: (bot: Bot, url: string) => void): Promise<{ server: BotApiServer; bot: Bot; url: string; errors: unknown[] }> {
  const { server, url } = await startServer();
  const bot = new Bot(TOKEN, { client: { apiRoot: url } });
  const errors: unknown[] = [];
  bot.catch((error) => {
    errors.push(error.error);
  });
  setup(bot, url);
  const started = new Promise<void>((resolve) => {
    const polling = bot.start({ onStart: () => resolve() });
    stops.push(async () => {
      await bot.stop();
      await polling;
      await server.stop();
    });
  });
  await started;
  return { server, bot, url, errors };
}

describe('BotApiServer with grammY', () => {
  it('does deliver /start to bot.command() by polling and show the reply in the chat', async () => {
    const { server, bot, errors } = await pollingBot((b) => {
      b.command('start', (ctx) => ctx.reply(`Welcome, ${ctx.from?.first_name ?? '?'}`));
    });
    expect(bot.botInfo).toMatchObject({ id: BOT.id, username: BOT.username });
    server.userSends(ADA, '/start');
    const reply = await server.waitFor((m) => m.chatId === ADA.id);
    expect(reply).toMatchObject({ sender: 'bot', text: 'Welcome, Ada', editCount: 0 });
    expect(server.history(ADA.id).map((m) => [m.sender, m.text])).toEqual([
      ['user', '/start'],
      ['bot', 'Welcome, Ada'],
    ]);
    expect(errors).toEqual([]);
  });

  it('does edit a message and give grammY the not-modified error for an identical edit', async () => {
    let notModified: unknown;
    const { server, errors } = await pollingBot((b) => {
      b.command('progress', async (ctx) => {
        const message = await ctx.reply('step 1');
        await ctx.api.editMessageText(ctx.chat.id, message.message_id, 'step 2');
        notModified = await ctx.api.editMessageText(ctx.chat.id, message.message_id, 'step 2').catch((e: unknown) => e);
        await ctx.reply('done');
      });
    });
    server.userSends(ADA, '/progress');
    await server.waitFor((m) => m.text === 'done');
    expect(notModified).toBeInstanceOf(GrammyError);
    expect(notModified).toMatchObject({ error_code: 400, description: `Bad Request: ${NOT_MODIFIED}` });
    expect(server.history(ADA.id)[1]).toMatchObject({ text: 'step 2', editCount: 1 });
    expect(errors).toEqual([]);
  });

  it('does route a button press to bot.callbackQuery() and return the answer text', async () => {
    const { server, errors } = await pollingBot((b) => {
      b.command('menu', (ctx) => ctx.reply('Pick one', { reply_markup: new InlineKeyboard().text('Refresh', 'refresh').text('Quiet', 'quiet') }));
      b.callbackQuery('refresh', async (ctx) => {
        await ctx.answerCallbackQuery({ text: 'Refreshed' });
        await ctx.editMessageText(`Refreshed by ${ctx.from.first_name}`);
      });
      b.callbackQuery('quiet', (ctx) => ctx.answerCallbackQuery());
    });
    server.userSends(ADA, '/menu');
    const menu = await server.waitFor((m) => m.text === 'Pick one');
    expect(menu.replyMarkup?.inline_keyboard.flat().map((b) => b.text)).toEqual(['Refresh', 'Quiet']);

    const edited = server.waitFor((_message, event) => event.kind === 'edited');
    expect(await server.userPresses(ADA, menu.messageId, 'refresh')).toBe('Refreshed');
    expect(await edited).toMatchObject({ messageId: menu.messageId, text: 'Refreshed by Ada', replyMarkup: undefined, editCount: 1 });
    expect(await server.userPresses(ADA, menu.messageId, 'refresh').catch((e: unknown) => e)).toBeInstanceOf(Error);
    expect(errors).toEqual([]);
  });

  it('does take a multipart InputFile upload and store the exact bytes', async () => {
    // Bytes that look like multipart framing must survive the parser.
    const bytes = Buffer.concat([Buffer.from('user_id,username\r\n--boundary\r\n\r\n'), randomBytes(4096)]);
    const { server, errors } = await pollingBot((b) => {
      b.command('export', (ctx) => ctx.replyWithDocument(new InputFile(bytes, 'members export.csv'), { caption: 'Members' }));
    });
    server.userSends(ADA, '/export');
    const message = await server.waitFor((m) => m.document !== undefined);
    expect(message.document).toMatchObject({ file_name: 'members export.csv', mime_type: 'text/csv', file_size: bytes.length });
    expect(message.caption).toBe('Members');
    const stored = server.files.get(message.document?.file_id ?? '');
    expect(stored?.uploadedBy).toBe('bot');
    expect(Buffer.compare(stored?.bytes ?? Buffer.alloc(0), bytes)).toBe(0);
    expect(errors).toEqual([]);
  });

  it('does let the bot download a document a user sent, through getFile and the file URL', async () => {
    const { server, errors } = await pollingBot((b, url) => {
      b.on('message:document', async (ctx) => {
        const file = await ctx.getFile();
        const res = await fetch(`${url}/file/bot${TOKEN}/${file.file_path ?? ''}`);
        const targets = (await res.text()).split('\n').filter((line) => line.trim() !== '');
        await ctx.reply(`${ctx.message.caption ?? ''} ${ctx.message.document.file_name ?? ''}: ${targets.join(', ')}`);
      });
    });
    server.userSendsDocument(ADA, { file_name: 'targets.txt', bytes: '@bigchat\nt.me/+AbCdEf123\n\nhttps://t.me/other\n', caption: '/bulk' });
    const reply = await server.waitFor((m) => m.text !== undefined);
    expect(reply.text).toBe('/bulk targets.txt: @bigchat, t.me/+AbCdEf123, https://t.me/other');
    expect(errors).toEqual([]);
  });

  it('does register commands with setMyCommands', async () => {
    const { server, bot } = await pollingBot(() => {});
    await bot.api.setMyCommands([
      { command: 'start', description: 'What the panel can do' },
      { command: 'status', description: 'Live panel' },
    ]);
    expect(server.myCommands().map((c) => c.command)).toEqual(['start', 'status']);
    expect((await bot.api.getMyCommands()).length).toBe(2);
  });

  it('does serve @grammyjs/runner and let it stop cleanly', async () => {
    const { server, url } = await startServer();
    const bot = new Bot(TOKEN, { client: { apiRoot: url } });
    bot.command('status', (ctx) => ctx.reply('All quiet'));
    const handle: RunnerHandle = run(bot);
    stops.push(() => (handle.isRunning() ? handle.stop() : Promise.resolve()));
    server.userSends(ADA, '/status');
    expect((await server.waitFor((m) => m.text === 'All quiet')).chatId).toBe(ADA.id);
    await handle.stop();
    expect(handle.isRunning()).toBe(false);
  });
});
