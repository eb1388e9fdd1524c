import type { UserFromGetMe } from '@grammyjs/types';
import type { BotCommands } from '../bot-commands.js';
import type { CallbackQueries } from '../callback-queries.js';
import type { ChatStore } from '../chat-store.js';
import type { FileStore } from '../file-store.js';
import type { Params } from '../params.js';
import type { UpdateQueue } from '../update-queue.js';

/** Limits that Telegram enforces, made adjustable so tests can reach them with small data. */
export interface BotApiLimits {
  readonly maxUploadBytes: number;
  readonly maxDownloadBytes: number;
  /** Milliseconds one second of a getUpdates `timeout` lasts. */
  readonly longPollSecondMs: number;
}

/** What a method handler works with. */
export interface MethodContext {
  readonly params: Params;
  /** Aborted when the client closes the request. */
  readonly signal: AbortSignal;
  readonly me: UserFromGetMe;
  readonly chats: ChatStore;
  readonly files: FileStore;
  readonly updates: UpdateQueue;
  readonly callbacks: CallbackQueries;
  readonly commands: BotCommands;
  readonly limits: BotApiLimits;
}

/** A Bot API method: returns the `result`, or throws a `BotApiError`. */
export type MethodHandler = (context: MethodContext) => unknown;
