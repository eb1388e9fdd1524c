import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Bot, InlineKeyboard, InputFile } from 'grammy';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createBotApiServer } from '../../src/sandbox/bot-api/index.js';
import { startChatPrompt } from '../../src/sandbox/chat-prompt.js';
import { guardConformance } from './bot-api/conformance-guard.js';

const token = '123456:sandbox-test-token';
let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !check(); i += 1) await new Promise((r) => setTimeout(r, 5));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

describe('Chat prompt', () => {
  it('types as the admin, prints replies and edits, presses numbered buttons and saves documents', async () => {
    const server = guardConformance(createBotApiServer({ token, bot: { id: 999, username: 'switchboard_bot', first_name: 'Switchboard' }, logger: pino({ level: 'silent' }), longPollSecondMs: 20 }));
    const { url } = await server.start();
    cleanup.push(() => server.stop());
    const bot = new Bot(token, { client: { apiRoot: url } });
    bot.command('start', (ctx) => ctx.reply('Hello admin', { reply_markup: new InlineKeyboard().text('Refresh', 'st:r').text('Export', 'ex:1') }));
    bot.callbackQuery('st:r', async (ctx) => {
      await ctx.editMessageText('Refreshed');
      await ctx.answerCallbackQuery('done');
    });
    bot.callbackQuery('ex:1', async (ctx) => {
      await ctx.answerCallbackQuery();
      await ctx.replyWithDocument(new InputFile(Buffer.from('user_id\n1\n'), 'members.csv'));
    });
    void bot.start({ timeout: 1 });
    cleanup.push(() => bot.stop());

    const dir = mkdtempSync(join(tmpdir(), 'switchboard-prompt-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const prompt = startChatPrompt({ server, user: { id: 1, first_name: 'Admin' }, downloads: dir, input, output });
    cleanup.push(() => prompt.close());

    input.write('/start\n');
    await until(() => printed.includes('Hello admin'), 'the reply');
    expect(printed).toMatch(/\[1\] Refresh {2}\[2\] Export/);
    input.write('1\n');
    // The bot edits, then answers the press: the answer is printed last, so it is what to wait for.
    await until(() => printed.includes('ⓘ done'), 'the answer to the press');
    expect(printed).toMatch(/bot ✎ #\d+: Refreshed/);
    input.write('/start\n');
    await until(() => (printed.match(/Hello admin/g) ?? []).length === 2, 'the second reply');
    input.write('2\n');
    await until(() => printed.includes('saved to'), 'the document');
    const saved = /saved to (\S+)/.exec(printed)?.[1] ?? '';
    expect(readFileSync(saved, 'utf8')).toBe('user_id\n1\n');
  });
});
