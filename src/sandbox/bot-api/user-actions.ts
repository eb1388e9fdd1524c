import type { User } from 'grammy/types';
import type { CallbackQueries } from './callback-queries.js';
import type { BotChatMessage, ChatStore, ChatUser } from './chat-store.js';
import { botCommandEntities } from './entities.js';
import { UserActionError } from './errors.js';
import { documentOf } from './file-objects.js';
import type { FileStore } from './file-store.js';
import { callbackDataOf } from './inline-keyboard.js';
import { mimeTypeOf } from './mime-type.js';
import type { UpdateQueue } from './update-queue.js';

/** A document a simulated user sends to the bot. */
export interface UserDocument {
  readonly file_name: string;
  /** @default guessed from the file name */
  readonly mime_type?: string;
  /** File content; a string is taken as UTF-8. */
  readonly bytes: Uint8Array | string;
  readonly caption?: string;
}

export interface UserPressOptions {
  /**
   * How long the press waits for answerCallbackQuery; then it settles with `null` and a late
   * answer is refused, as Telegram does.
   * @default the server's callbackAnswerTimeoutMs
   */
  readonly timeoutMs?: number;
}

/** What a simulated user can do in a private chat with the bot. */
export interface UserActions {
  /** Opens the chat (or refreshes the user's names) without sending anything, so the bot may write first. */
  openChat(user: ChatUser): void;
  /** Sends a text message; a leading `/command` gets its `bot_command` entity as in Telegram. */
  userSends(from: ChatUser, text: string): BotChatMessage;
  userSendsDocument(from: ChatUser, document: UserDocument): BotChatMessage;
  /**
   * Presses an inline button (by its callback_data) of a bot message in the user's chat. Resolves
   * with the text of the bot's answerCallbackQuery, `null` for an answer without text or none in time.
   * Rejects with `UserActionError` when the message or button does not exist.
   */
  userPresses(from: ChatUser, messageId: number, callbackData: string, options?: UserPressOptions): Promise<string | null>;
}

export interface UserActionsOptions {
  readonly chats: ChatStore;
  readonly files: FileStore;
  readonly updates: UpdateQueue;
  readonly callbacks: CallbackQueries;
  readonly callbackAnswerTimeoutMs: number;
}

function userOf(from: ChatUser): User {
  return {
    id: from.id,
    is_bot: false,
    first_name: from.first_name,
    last_name: from.last_name,
    username: from.username,
    language_code: from.language_code,
  };
}

export function createUserActions(options: UserActionsOptions): UserActions {
  const { chats, files, updates, callbacks, callbackAnswerTimeoutMs } = options;

  return {
    openChat: (user) => chats.openChat(user),

    userSends(from, text) {
      // The Telegram app trims messages and sends nothing when nothing is left.
      const trimmed = text.trim();
      if (trimmed.length === 0) throw new UserActionError('a message needs some text', { chatId: from.id });
      chats.openChat(from);
      const message = chats.add(from.id, 'user', { text: trimmed, entities: botCommandEntities(trimmed) });
      updates.push({ message: chats.toMessage(message) });
      return message;
    },

    userSendsDocument(from, document) {
      const bytes = typeof document.bytes === 'string' ? Buffer.from(document.bytes, 'utf8') : document.bytes;
      if (bytes.byteLength === 0) throw new UserActionError('a document needs some content', { chatId: from.id });
      chats.openChat(from);
      const file = files.add({
        kind: 'document',
        fileName: document.file_name,
        mimeType: document.mime_type ?? mimeTypeOf(document.file_name),
        bytes,
        uploadedBy: 'user',
      });
      const caption = document.caption?.trim() || undefined;
      const message = chats.add(from.id, 'user', {
        document: documentOf(file),
        caption,
        captionEntities: caption === undefined ? undefined : botCommandEntities(caption),
      });
      updates.push({ message: chats.toMessage(message) });
      return message;
    },

    async userPresses(from, messageId, callbackData, pressOptions = {}) {
      const message = chats.get(from.id, messageId);
      if (message === undefined) throw new UserActionError(`message ${messageId} is not in the chat with user ${from.id}`, { chatId: from.id, messageId });
      if (message.sender !== 'bot' || !callbackDataOf(message.replyMarkup).includes(callbackData)) {
        throw new UserActionError(`message ${messageId} has no button with callback data ${JSON.stringify(callbackData)}`, {
          chatId: from.id,
          messageId,
        });
      }
      chats.openChat(from);
      const query = callbacks.open(pressOptions.timeoutMs ?? callbackAnswerTimeoutMs);
      updates.push({
        callback_query: {
          id: query.id,
          from: userOf(from),
          message: chats.toMessage(message),
          // Telegram's chat_instance is an opaque number, stable per chat.
          chat_instance: String(BigInt(from.id) * 1_000_003n),
          data: callbackData,
        },
      });
      const answer = await query.answer;
      return answer?.text ?? null;
    },
  };
}
