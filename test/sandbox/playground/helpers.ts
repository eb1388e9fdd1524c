import { afterEach } from 'vitest';
import type { BotApiServer, ChatUser } from '../../../src/sandbox/bot-api/index.js';
import { createPlayground, type Playground, type PlaygroundOptions } from '../../../src/sandbox/playground/index.js';
import { pino } from 'pino';

const running: Playground[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((playground) => playground.stop()));
});

/** A playground on a free port over `server`'s chat with `user`, stopped after the test. */
export async function startPlayground(server: BotApiServer, user: ChatUser, options: Partial<PlaygroundOptions> = {}): Promise<{ playground: Playground; url: string }> {
  const playground = createPlayground({ chat: server, user, logger: pino({ level: 'silent' }), ...options });
  running.push(playground);
  const started = await playground.start(0);
  if (started.kind !== 'listening') throw new Error(`the playground did not start: ${started.reason}`);
  return { playground, url: started.url };
}

/** One Server-Sent Event. */
export interface StreamEvent {
  readonly event: string;
  readonly data: unknown;
}

/** Reads `/api/events` as a browser's EventSource would, collecting the events as they come. */
export async function openEvents(url: string): Promise<{ events: StreamEvent[]; close(): void }> {
  const controller = new AbortController();
  const response = await fetch(`${url}api/events`, { signal: controller.signal });
  if (response.body === null) throw new Error('no event stream');
  const events: StreamEvent[] = [];
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) });
        }
      }
    } catch {
      // aborted
    }
  })();
  return { events, close: () => controller.abort() };
}

/** POSTs JSON to the playground as its page does. */
export async function postJson(url: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
