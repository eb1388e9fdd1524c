import type { CallbackQueries } from './callback-queries.js';
import { isPresent } from './chat-members.js';
import { userOf, type BotChatMessage, type ChatInfo, type ChatStore, type ChatUser } from './chat-store.js';
import { botCommandEntities } from './entities.js';
import { UserActionError } from './errors.js';
import { documentOf } from './file-objects.js';
import type { FileStore } from './file-store.js';
import { callbackDataOf } from './inline-keyboard.js';
import { mimeTypeOf } from './mime-type.js';
import { reachesBot } from './privacy-mode.js';
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

/** Where a simulated user writes. */
export interface UserMessageOptions {
  /**
   * A group or supergroup the user is a member of.
   * @default the user's private chat with the bot
   */
  readonly chatId?: number;
  /**
   * The message of that chat this one replies to.
   * @default none
   */
  readonly replyTo?: number;
}

export interface UserPressOptions {
  /**
   * How long the press waits for answerCallbackQuery; then it settles with `null` and a late
   * answer is refused, as Telegram does.
   * @default the server's callbackAnswerTimeoutMs
   */
  readonly timeoutMs?: number;
  /**
   * The group whose bot message holds the button.
   * @default the user's private chat with the bot
   */
  readonly chatId?: number;
}

/** What a simulated user can do in a chat with the bot. */
export interface UserActions {
  /** Opens the chat (or refreshes the user's names) without sending anything, so the bot may write first. */
  openChat(user: ChatUser): void;
  /**
   * Sends a text message; a `/command` (or `/command@bot`) gets its `bot_command` entity as in
   * Telegram. In a group it reaches the bot as privacy mode allows (see privacy-mode.ts).
   */
  userSends(from: ChatUser, text: string, options?: UserMessageOptions): BotChatMessage;
  userSendsDocument(from: ChatUser, document: UserDocument, options?: UserMessageOptions): BotChatMessage;
  /**
   * Presses an inline button (by its callback_data) of a bot message. Resolves with the text of the
   * bot's answerCallbackQuery, `null` for an answer without text or none in time.
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

/** The chat a user acts in: their private chat (opened on first use) or a group they are in. */
export function chatOfUser(chats: ChatStore, from: ChatUser, chatId: number | undefined): ChatInfo {
  if (chatId === undefined || chatId === from.id) {
    chats.openChat(from);
    return chats.chat(from.id) as ChatInfo;
  }
  const chat = chats.chat(chatId);
  if (chat === undefined || chat.kind === 'private') throw new UserActionError(`chat ${chatId} is not a group of the sandbox`, { chatId });
  const member = chats.member(chatId, from.id);
  if (member === undefined || !isPresent(member.status)) throw new UserActionError(`user ${from.id} is not a member of group ${chatId}`, { chatId });
  return chat;
}

/** Queues a user's message for the bot when Telegram would hand it over. */
export function deliverToBot(chats: ChatStore, updates: UpdateQueue, chat: ChatInfo, message: BotChatMessage): void {
  const replied = message.replyToMessageId === undefined ? undefined : chats.get(chat.id, message.replyToMessageId);
  if (reachesBot(chat, message, chats.bot.username ?? '', replied?.sender === 'bot')) updates.push({ message: chats.toMessage(message) });
}

export function createUserActions(options: UserActionsOptions): UserActions {
  const { chats, files, updates, callbacks, callbackAnswerTimeoutMs } = options;

  const replyTo = (chat: ChatInfo, messageId: number | undefined): number | undefined => {
    if (messageId === undefined) return undefined;
    if (chats.get(chat.id, messageId) === undefined) throw new UserActionError(`message ${messageId} is not in chat ${chat.id}`, { chatId: chat.id, messageId });
    return messageId;
  };

  return {
    openChat: (user) => chats.openChat(user),

    userSends(from, text, messageOptions = {}) {
      // The Telegram app trims messages and sends nothing when nothing is left.
      const trimmed = text.trim();
      if (trimmed.length === 0) throw new UserActionError('a message needs some text', { chatId: messageOptions.chatId ?? from.id });
      const chat = chatOfUser(chats, from, messageOptions.chatId);
      const message = chats.add(
        chat.id,
        'user',
        { text: trimmed, entities: botCommandEntities(trimmed), replyToMessageId: replyTo(chat, messageOptions.replyTo) },
        from,
      );
      deliverToBot(chats, updates, chat, message);
      return message;
    },

    userSendsDocument(from, document, messageOptions = {}) {
      const bytes = typeof document.bytes === 'string' ? Buffer.from(document.bytes, 'utf8') : document.bytes;
      if (bytes.byteLength === 0) throw new UserActionError('a document needs some content', { chatId: messageOptions.chatId ?? from.id });
      const chat = chatOfUser(chats, from, messageOptions.chatId);
      const file = files.add({
        kind: 'document',
        fileName: document.file_name,
        mimeType: document.mime_type ?? mimeTypeOf(document.file_name),
        bytes,
        uploadedBy: 'user',
      });
      const caption = document.caption?.trim() || undefined;
      const message = chats.add(
        chat.id,
        'user',
        {
          document: documentOf(file),
          caption,
          captionEntities: caption === undefined ? undefined : botCommandEntities(caption),
          replyToMessageId: replyTo(chat, messageOptions.replyTo),
        },
        from,
      );
      deliverToBot(chats, updates, chat, message);
      return message;
    },

    async userPresses(from, messageId, callbackData, pressOptions = {}) {
      const chatId = pressOptions.chatId ?? from.id;
      const message = chats.get(chatId, messageId);
      if (message === undefined) {
        const where = chatId === from.id ? `the chat with user ${from.id}` : `chat ${chatId}`;
        throw new UserActionError(`message ${messageId} is not in ${where}`, { chatId, messageId });
      }
      if (message.sender !== 'bot' || !callbackDataOf(message.replyMarkup).includes(callbackData)) {
        throw new UserActionError(`message ${messageId} has no button with callback data ${JSON.stringify(callbackData)}`, { chatId, messageId });
      }
      chatOfUser(chats, from, pressOptions.chatId);
      const query = callbacks.open(pressOptions.timeoutMs ?? callbackAnswerTimeoutMs);
      updates.push({
        callback_query: {
          id: query.id,
          from: userOf(from),
          message: chats.toMessage(message),
          // Telegram's chat_instance is an opaque number, stable per chat.
          chat_instance: String(BigInt(chatId) * 1_000_003n),
          data: callbackData,
        },
      });
      const answer = await query.answer;
      return answer?.text ?? null;
    },
  };
}
