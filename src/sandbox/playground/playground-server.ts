import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { ChatUser } from '../bot-api/index.js';
import type { LoginTokenScan } from '../wire/connection.js';
import { createEventStreams } from './event-stream.js';
import { messageView } from './message-view.js';
import { createPlaygroundApi, type PlaygroundChat } from './playground-api.js';
import { loadStaticFiles } from './static-files.js';

/** The only interface the playground listens on: it commands the panel as its admin, so it is never reachable from elsewhere. */
export const PLAYGROUND_HOST = '127.0.0.1';

export interface PlaygroundOptions {
  /** The local Bot API server whose chat the page shows (the embedded one of sandbox mode). */
  readonly chat: PlaygroundChat;
  /** Who the page is: the first admin. */
  readonly user: ChatUser;
  readonly logger: Logger;
  /**
   * The simulated Telegram's scan of a QR login code by an account's phone (SandboxEndpoint.acceptLoginToken),
   * for `!scan PHONE` typed in the page.
   * @default undefined (no scanning)
   */
  readonly scan?: (phone: string, token: string) => Promise<LoginTokenScan>;
  /**
   * Largest file the page may upload, in bytes.
   * @default 50 MB (as the local Bot API server takes; the bot itself downloads at most 20 MB)
   */
  readonly maxUploadBytes?: number;
}

/** How starting ended: listening, or the port could not be had (a plain line for the admin, not a crash). */
export type PlaygroundStart =
  | { readonly kind: 'listening'; readonly url: string }
  | { readonly kind: 'unavailable'; readonly port: number; readonly reason: 'in-use' | 'not-permitted' };

export interface Playground {
  /** Listens on 127.0.0.1:`port` (0: any free port). */
  start(port: number): Promise<PlaygroundStart>;
  /** Ends the live streams and closes the server; idempotent. */
  stop(): Promise<void>;
  /** `http://127.0.0.1:PORT/` while listening. */
  readonly url: string | undefined;
}

/**
 * The playground (README: Playground): a web chat with the bot as the admin's Telegram
 * app shows it, on node:http alone: plain files, a JSON API, and Server-Sent Events for live messages.
 */
export function createPlayground(options: PlaygroundOptions): Playground {
  const { chat, user, logger } = options;
  const streams = createEventStreams();
  let port = 0;
  let url: string | undefined;
  let unsubscribe: (() => void) | undefined;
  const server: Server = createServer(
    createPlaygroundApi({
      chat,
      user,
      logger,
      files: loadStaticFiles(),
      streams,
      maxUploadBytes: options.maxUploadBytes ?? 50 * 1024 * 1024,
      scan: options.scan,
      port: () => port,
    }),
  );

  return {
    get url() {
      return url;
    },
    async start(wanted) {
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(wanted, PLAYGROUND_HOST, () => {
            server.off('error', reject);
            resolve();
          });
        });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') return { kind: 'unavailable', port: wanted, reason: 'in-use' };
        if (code === 'EACCES') return { kind: 'unavailable', port: wanted, reason: 'not-permitted' };
        throw error;
      }
      port = (server.address() as AddressInfo).port;
      url = `http://${PLAYGROUND_HOST}:${port}/`;
      unsubscribe = chat.onMessage((event) => {
        if (event.message.chatId !== user.id) return;
        streams.broadcast('message', { kind: event.kind, message: messageView(event.message) });
      });
      logger.info({ url }, 'playground listening');
      return { kind: 'listening', url };
    },
    async stop() {
      unsubscribe?.();
      unsubscribe = undefined;
      url = undefined;
      streams.close();
      if (!server.listening) return;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** The one line `npm start` prints when the playground cannot listen. */
export function unavailableLine(start: Extract<PlaygroundStart, { kind: 'unavailable' }>): string {
  const why = start.reason === 'in-use' ? `port ${start.port} is in use` : `port ${start.port} needs privileges this process lacks`;
  return `The playground is off: ${why}. Set PLAYGROUND_PORT to a free port (0 turns it off); the panel runs on without it.`;
}
