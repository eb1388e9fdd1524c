import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createBotApiServer, type BotApiServer } from '../../../src/sandbox/bot-api/index.js';
import { guardConformance } from './conformance-guard.js';

const token = '42:chat-methods-token';
let server: BotApiServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe('getChat', () => {
  it('describes an open private chat and refuses an unknown one as Telegram does', async () => {
    server = guardConformance(createBotApiServer({ token, bot: { id: 42, username: 'chat_bot', first_name: 'Chat' }, logger: pino({ level: 'silent' }), users: [{ id: 7, first_name: 'Ada', username: 'ada' }] }));
    const { url } = await server.start();
    const call = async (chatId: number) => (await fetch(`${url}/bot${token}/getChat?chat_id=${chatId}`)).json();
    expect(await call(7)).toMatchObject({ ok: true, result: { id: 7, type: 'private', first_name: 'Ada', username: 'ada', accepted_gift_types: { gifts_from_channels: false } } });
    expect(await call(8)).toEqual({ ok: false, error_code: 400, description: 'Bad Request: chat not found' });
  });
});
