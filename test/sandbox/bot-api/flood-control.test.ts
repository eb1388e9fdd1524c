import { Bot, GrammyError } from 'grammy';
import { describe, expect, it } from 'vitest';
import type { BotApiCall } from '../../../src/sandbox/bot-api/index.js';
import { ADA, TOKEN, callJson, startServer } from './helpers.js';

describe('BotApiServer 429 injection', () => {
  it('does refuse the next N calls of a method with Telegram’s flood answer, then serve it', async () => {
    const { server, url } = await startServer();
    server.openChat(ADA);
    const calls: BotApiCall[] = [];
    server.onCall((call) => calls.push(call));
    server.tooManyRequests({ method: 'sendMessage', count: 2, retryAfter: 3 });
    const flood = { status: 429, body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 3', parameters: { retry_after: 3 } } };
    expect(await callJson(url, 'sendMessage', { chat_id: ADA.id, text: 'a' })).toEqual(flood);
    expect((await callJson(url, 'getMe')).status).toBe(200);
    expect(await callJson(url, 'SENDMESSAGE', { chat_id: ADA.id, text: 'b' })).toEqual(flood);
    expect((await callJson(url, 'sendMessage', { chat_id: ADA.id, text: 'c' })).status).toBe(200);
    expect(server.history(ADA.id).map((m) => m.text)).toEqual(['c']);
    expect(calls.map((c) => `${c.method} ${c.status}`)).toEqual(['sendMessage 429', 'getMe 200', 'SENDMESSAGE 429', 'sendMessage 200']);
  });

  it('does refuse any method when none is named, from the start with the option, and give grammY the retry_after', async () => {
    const { url } = await startServer({ tooManyRequests: [{ retryAfter: 5 }] });
    const bot = new Bot(TOKEN, { client: { apiRoot: url } });
    const error = await bot.api.getMe().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GrammyError);
    expect(error).toMatchObject({ error_code: 429, parameters: { retry_after: 5 } });
    expect((await bot.api.getMe()).is_bot).toBe(true);
  });

  it('does not confirm updates with a refused getUpdates', async () => {
    const { server, url } = await startServer();
    server.userSends(ADA, 'hello');
    const [update] = (await callJson(url, 'getUpdates')).body.result as Array<{ update_id: number }>;
    server.tooManyRequests({ method: 'getUpdates' });
    expect((await callJson(url, 'getUpdates', { offset: (update?.update_id ?? 0) + 1 })).status).toBe(429);
    expect(server.pendingUpdates().map((u) => u.update_id)).toEqual([update?.update_id]);
  });

  it('does refuse rules Telegram could not send: retry_after below one second, or no calls', async () => {
    const { server } = await startServer();
    expect(() => server.tooManyRequests({ retryAfter: 0.5 })).toThrow(RangeError);
    expect(() => server.tooManyRequests({ count: 0 })).toThrow(RangeError);
  });
});
