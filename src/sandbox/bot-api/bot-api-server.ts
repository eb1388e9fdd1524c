import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BotCommand, BotCommandScope, Update, User, UserFromGetMe } from '@grammyjs/types';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { createBotCommands } from './bot-commands.js';
import { createCallbackQueries } from './callback-queries.js';
import { createChatStore, type BotChatMessage, type BotMessageEvent, type ChatInfo, type ChatUser } from './chat-store.js';
import { createConformanceRecorder, type ConformanceRecorder } from './conformance/recorder.js';
import { createFileStore, type FileAccess } from './file-store.js';
import { createFloodControl, type TooManyRequestsRule } from './flood-control.js';
import { createGroupActions, type GroupActions } from './group-actions.js';
import { createHttpHandler, type BotApiCall } from './http-handler.js';
import { createUpdateQueue } from './update-queue.js';
import { createUserActions, type UserActions } from './user-actions.js';
import { createBotMessageWaits, type BotMessagePredicate } from './wait-for.js';

const MB = 1024 * 1024;
/** Room for multipart framing and the other fields of an upload at the size limit. */
const BODY_OVERHEAD_BYTES = MB;

export interface BotApiServerOptions {
  /** The token the bot calls with; any other gets 401 Unauthorized. Never logged. */
  readonly token: string;
  /** The bot's identity: getMe's answer and the sender of its messages. */
  readonly bot: { readonly id: number; readonly username: string; readonly first_name: string };
  /**
   * Receives one debug line per call (method name, never the URL with the token) and errors.
   * @default a silent logger
   */
  readonly logger?: Logger;
  /**
   * Current time in milliseconds, for message dates.
   * @default Date.now
   */
  readonly now?: () => number;
  /**
   * Interface to listen on.
   * @default '127.0.0.1'
   */
  readonly host?: string;
  /**
   * Largest file a call may upload; above it the answer is 413 Request Entity Too Large.
   * @default 50 MB (Telegram's limit for bots)
   */
  readonly maxUploadBytes?: number;
  /**
   * Largest file getFile hands out; above it the answer is `Bad Request: file is too big`.
   * @default 20 MB (Telegram's limit for bots)
   */
  readonly maxDownloadBytes?: number;
  /**
   * Milliseconds one second of a getUpdates `timeout` lasts. Tests shorten it, so a poll with
   * `timeout: 1` ends after a few milliseconds instead of a real second.
   * @default 1000
   */
  readonly longPollSecondMs?: number;
  /**
   * How long a button press waits for answerCallbackQuery before the user's app gives up.
   * @default 15000
   */
  readonly callbackAnswerTimeoutMs?: number;
  /**
   * Users whose private chat is open from the start, so the bot may write to them first (e.g. a
   * scheduled report to an admin). Anyone else's chat opens when they first send something.
   * @default []
   */
  readonly users?: readonly ChatUser[];
  /**
   * Checks every call and answer against the Bot API specification and collects what breaks it.
   * Tests assert it found nothing; the default logs each violation at warn and never fails a call.
   * @default a recorder logging to `logger`
   */
  readonly conformance?: ConformanceRecorder;
  /**
   * Calls to answer with 429 Too Many Requests from the start; more can be added with `tooManyRequests`.
   * @default []
   */
  readonly tooManyRequests?: readonly TooManyRequestsRule[];
  /**
   * The id of the first update.
   * @default random, as Telegram's after a week without updates
   */
  readonly firstUpdateId?: number;
}

/** A local Bot API server plus the other side of its chats: private chats and groups. */
export interface BotApiServer extends UserActions, GroupActions {
  /** Listens on `port` (0: any free one). `url` is the `apiRoot` to give grammY. */
  start(port?: number): Promise<{ readonly url: string }>;
  /**
   * Answers held getUpdates calls with no updates, settles open button presses with `null`, rejects
   * open `waitFor` calls, and closes the server with all its connections.
   */
  stop(): Promise<void>;
  /** The `apiRoot` while the server listens. */
  readonly url: string | undefined;
  /** The chat's messages in order: edits applied, deleted ones gone. Empty for an unknown chat. */
  history(chatId: number): BotChatMessage[];
  /** Calls `listener` for every message the bot sends, edits or deletes. Returns the unsubscribe function. */
  onBotMessage(listener: (event: BotMessageEvent) => void): () => void;
  /**
   * Calls `listener` for every message sent, edited or deleted in any chat, the users' own included.
   * Returns the unsubscribe function.
   */
  onMessage(listener: (event: BotMessageEvent) => void): () => void;
  /** The bot's own user, the sender of its messages. */
  readonly bot: User;
  /**
   * Resolves with the first bot message sent or edited from now on that matches `predicate`;
   * rejects with `WaitForTimeoutError` after `timeoutMs` (default 5000).
   */
  waitFor(predicate: BotMessagePredicate, timeoutMs?: number): Promise<BotChatMessage>;
  /** Files uploaded by the bot or sent by users, with their bytes. */
  readonly files: FileAccess;
  /** The command list setMyCommands left for a scope and language (default scope, no language). */
  myCommands(scope?: BotCommandScope, languageCode?: string): BotCommand[];
  /** The command menu a user's Telegram app shows in their private chat with the bot (chat scope, all private chats, default). */
  commandMenu(userId: number, languageCode?: string): BotCommand[];
  /** A chat as the server knows it: its kind, title and the bot's standing in it. */
  chat(chatId: number): ChatInfo | undefined;
  /**
   * Answers the next `count` calls of `method` (any method when left out) with
   * `{ ok: false, error_code: 429, description: 'Too Many Requests: retry after N', parameters: { retry_after: N } }`
   * instead of running them: a refused getUpdates confirms nothing.
   */
  tooManyRequests(rule?: TooManyRequestsRule): void;
  /** Updates not yet confirmed by a getUpdates offset, oldest first. */
  pendingUpdates(): Update[];
  /** Calls `listener` for every method call once it is answered. Returns the unsubscribe function. */
  onCall(listener: (call: BotApiCall) => void): () => void;
  /** The conformance recorder checking this server's exchanges. */
  readonly conformance: ConformanceRecorder;
}

/**
 * Creates a local HTTP server that speaks the Bot API (see its README), so a grammY bot runs offline
 * with `new Bot(token, { client: { apiRoot: url } })`. Built on node:http alone.
 */
export function createBotApiServer(options: BotApiServerOptions): BotApiServer {
  const logger = options.logger ?? pino({ level: 'silent' });
  const now = options.now ?? Date.now;
  const host = options.host ?? '127.0.0.1';
  const limits = {
    maxUploadBytes: options.maxUploadBytes ?? 50 * MB,
    maxDownloadBytes: options.maxDownloadBytes ?? 20 * MB,
    longPollSecondMs: options.longPollSecondMs ?? 1000,
  };
  const me: UserFromGetMe = {
    id: options.bot.id,
    is_bot: true,
    first_name: options.bot.first_name,
    username: options.bot.username,
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
    can_connect_to_business: false,
    has_main_web_app: false,
    has_topics_enabled: false,
    allows_users_to_create_topics: false,
    can_manage_bots: false,
    supports_join_request_queries: false,
  };

  const chats = createChatStore({
    bot: { id: me.id, is_bot: true, first_name: me.first_name, username: me.username },
    clock: () => Math.floor(now() / 1000),
    logger,
  });
  for (const user of options.users ?? []) chats.openChat(user);
  const files = createFileStore();
  const updates = createUpdateQueue(options.firstUpdateId === undefined ? {} : { firstUpdateId: options.firstUpdateId });
  const conformance = options.conformance ?? createConformanceRecorder({ logger });
  const floods = createFloodControl(options.tooManyRequests);
  const callListeners = new Set<(call: BotApiCall) => void>();
  const callbacks = createCallbackQueries();
  const commands = createBotCommands();
  const waits = createBotMessageWaits(chats);
  const userActions = createUserActions({
    chats,
    files,
    updates,
    callbacks,
    callbackAnswerTimeoutMs: options.callbackAnswerTimeoutMs ?? 15_000,
  });
  const groupActions = createGroupActions({ chats, updates });

  const server: Server = createServer(
    createHttpHandler({
      token: options.token,
      maxBodyBytes: limits.maxUploadBytes + BODY_OVERHEAD_BYTES,
      files,
      logger,
      context: { me, chats, files, updates, callbacks, commands, limits },
      conformance,
      floods,
      onCall: (call) => {
        for (const listener of callListeners) listener(call);
      },
    }),
  );
  let url: string | undefined;
  let state: 'new' | 'listening' | 'stopped' = 'new';

  return {
    ...userActions,
    ...groupActions,
    conformance,
    get url() {
      return url;
    },
    async start(port = 0) {
      if (state !== 'new') throw new Error(`the Bot API server cannot start: it is ${state}`);
      state = 'listening';
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, host, () => {
            server.off('error', reject);
            resolve();
          });
        });
      } catch (error) {
        // A busy port leaves the server as new, so a caller may try another.
        state = 'new';
        throw error;
      }
      const address = server.address() as AddressInfo;
      url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
      logger.info({ url }, 'local Bot API server listening');
      return { url };
    },
    async stop() {
      if (state === 'stopped') return;
      const wasListening = state === 'listening';
      state = 'stopped';
      url = undefined;
      updates.close();
      callbacks.close();
      waits.close();
      if (!wasListening) return;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // One turn of the event loop lets the answers to the released long polls reach their sockets.
      await new Promise((resolve) => setImmediate(resolve));
      server.closeAllConnections();
      await closed;
    },
    history: (chatId) => chats.history(chatId),
    onBotMessage: (listener) => chats.onBotMessage(listener),
    onMessage: (listener) => chats.onMessage(listener),
    bot: chats.bot,
    waitFor: (predicate, timeoutMs) => waits.waitFor(predicate, timeoutMs),
    files: { get: (fileId) => files.get(fileId), list: () => files.list() },
    myCommands: (scope, languageCode) => commands.get(scope, languageCode),
    commandMenu: (userId, languageCode) => commands.privateChatMenu(userId, languageCode),
    chat: (chatId) => chats.chat(chatId),
    tooManyRequests: (rule = {}) => floods.add(rule),
    pendingUpdates: () => updates.pending(),
    onCall(listener) {
      callListeners.add(listener);
      return () => callListeners.delete(listener);
    },
  };
}
