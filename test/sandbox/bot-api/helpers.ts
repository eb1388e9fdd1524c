import { afterEach } from 'vitest';
import { createBotApiServer, type BotApiServer, type BotApiServerOptions, type ChatUser } from '../../../src/sandbox/bot-api/index.js';
import { guardConformance } from './conformance-guard.js';

export const TOKEN = '7100001:sandbox-test-token';
export const BOT = { id: 7_100_001, username: 'switchboard_test_bot', first_name: 'Switchboard' } as const;
export const ADA: ChatUser = { id: 501, first_name: 'Ada', username: 'ada' };
export const BOB: ChatUser = { id: 502, first_name: 'Bob' };

const running: BotApiServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.stop()));
});

/** A started server, stopped after the test, whose exchanges must all conform to the Bot API specification. */
export async function startServer(options: Partial<BotApiServerOptions> = {}): Promise<{ server: BotApiServer; url: string }> {
  const server = guardConformance(createBotApiServer({ token: TOKEN, bot: BOT, ...options }));
  running.push(server);
  const { url } = await server.start();
  return { server, url };
}

/** What a Bot API call answered. */
export interface ApiAnswer {
  readonly status: number;
  readonly body: { ok: boolean; result?: unknown; error_code?: number; description?: string };
}

/** Calls a method with a JSON body, as a plain HTTP client would. */
export async function callJson(url: string, method: string, params: Record<string, unknown> = {}, token = TOKEN): Promise<ApiAnswer> {
  const res = await fetch(`${url}/bot${token}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(params),
  });
  return { status: res.status, body: (await res.json()) as ApiAnswer['body'] };
}

/** The signature and IHDR chunk of a PNG: enough for the sandbox to read the size. */
export function pngHeader(width: number, height: number): Buffer {
  const header = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(header, 0);
  header.writeUInt32BE(13, 8);
  header.write('IHDR', 12, 'latin1');
  header.writeUInt32BE(width, 16);
  header.writeUInt32BE(height, 20);
  return header;
}
