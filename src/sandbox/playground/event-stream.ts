import type { ServerResponse } from 'node:http';

/** Open Server-Sent Events responses (https://html.spec.whatwg.org/multipage/server-sent-events.html). */
export interface EventStreams {
  /** Takes over a response: sends the stream's headers and keeps it until the client leaves or `close()`. */
  open(response: ServerResponse): void;
  /** Sends one event to one stream. */
  send(response: ServerResponse, event: string, data: unknown): void;
  /** Sends one event to every open stream. */
  broadcast(event: string, data: unknown): void;
  /** Ends every stream. */
  close(): void;
}

/** A comment line now and then keeps idle streams from being cut by proxies or the browser. */
const HEARTBEAT_MS = 25_000;

export function createEventStreams(): EventStreams {
  const streams = new Set<ServerResponse>();
  let heartbeat: NodeJS.Timeout | undefined;

  const write = (response: ServerResponse, event: string, data: unknown) => {
    // JSON has no raw newlines, so the payload is one `data:` line.
    response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };

  return {
    open(response) {
      response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
      response.write('retry: 1000\n\n');
      streams.add(response);
      response.on('close', () => {
        streams.delete(response);
        if (streams.size === 0 && heartbeat !== undefined) {
          clearInterval(heartbeat);
          heartbeat = undefined;
        }
      });
      heartbeat ??= setInterval(() => {
        for (const stream of streams) stream.write(': keep-alive\n\n');
      }, HEARTBEAT_MS).unref();
    },
    send: write,
    broadcast(event, data) {
      for (const stream of streams) write(stream, event, data);
    },
    close() {
      if (heartbeat !== undefined) clearInterval(heartbeat);
      heartbeat = undefined;
      for (const stream of streams) stream.end();
      streams.clear();
    },
  };
}
