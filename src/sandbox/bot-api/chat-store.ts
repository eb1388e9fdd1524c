import type { Logger } from 'pino';
import type { Document, InlineKeyboardMarkup, Message, MessageEntity, PhotoSize, Update, User } from 'grammy/types';

/** A message of a private chat, as the Bot API sends it. */
export type PrivateMessage = Message & Update.Private & { from: User };

/** A user of a private chat with the bot; the chat id is the user id. */
export interface ChatUser {
  readonly id: number;
  readonly first_name: string;
  readonly last_name?: string;
  readonly username?: string;
  readonly language_code?: string;
}

/** A message of a private chat as it stands now: edits applied, with how many there were. */
export interface BotChatMessage {
  readonly chatId: number;
  readonly messageId: number;
  readonly sender: 'bot' | 'user';
  /** Unix seconds. */
  readonly date: number;
  /** Unix seconds of the last edit. */
  readonly editDate: number | undefined;
  readonly text: string | undefined;
  readonly entities: readonly MessageEntity[] | undefined;
  readonly caption: string | undefined;
  readonly captionEntities: readonly MessageEntity[] | undefined;
  /** As the bot sent it; the sandbox does not parse markup, so `text` keeps its tags. */
  readonly parseMode: string | undefined;
  readonly replyMarkup: InlineKeyboardMarkup | undefined;
  readonly document: Document | undefined;
  /** Photo sizes, smallest first (the sandbox keeps one: the original). */
  readonly photo: readonly PhotoSize[] | undefined;
  readonly replyToMessageId: number | undefined;
  readonly editCount: number;
}

/** Something the bot did in a chat. `deleted` carries the message as it was. */
export type BotMessageEvent =
  | { readonly kind: 'sent'; readonly message: BotChatMessage }
  | { readonly kind: 'edited'; readonly message: BotChatMessage }
  | { readonly kind: 'deleted'; readonly message: BotChatMessage };

/** The parts of a message that a send sets and an edit may change. */
export type MessageContent = Partial<
  Pick<BotChatMessage, 'text' | 'entities' | 'caption' | 'captionEntities' | 'parseMode' | 'replyMarkup' | 'document' | 'photo' | 'replyToMessageId'>
>;

export interface ChatStore {
  /** Adds the chat, or refreshes the user's names. */
  openChat(user: ChatUser): void;
  user(chatId: number): ChatUser | undefined;
  add(chatId: number, sender: 'bot' | 'user', content: MessageContent): BotChatMessage;
  get(chatId: number, messageId: number): BotChatMessage | undefined;
  /** Replaces the keys present in `content` (`undefined` clears one) and counts the edit. */
  edit(chatId: number, messageId: number, content: MessageContent): BotChatMessage;
  remove(chatId: number, messageId: number): BotChatMessage | undefined;
  history(chatId: number): BotChatMessage[];
  onBotMessage(listener: (event: BotMessageEvent) => void): () => void;
  /** The Bot API `Message` object of a stored message, with the message it replies to. */
  toMessage(message: BotChatMessage): PrivateMessage;
}

interface ChatState {
  user: ChatUser;
  readonly messages: Map<number, BotChatMessage>;
  nextMessageId: number;
}

export interface ChatStoreOptions {
  /** The bot's own user, the `from` of its messages. */
  readonly bot: User;
  /** Current time in Unix seconds. */
  readonly clock: () => number;
  readonly logger: Logger;
}

export function createChatStore({ bot, clock, logger }: ChatStoreOptions): ChatStore {
  const chats = new Map<number, ChatState>();
  const listeners = new Set<(event: BotMessageEvent) => void>();

  const emit = (event: BotMessageEvent): void => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        // A broken observer (a terminal printer…) must not fail the bot's API call.
        logger.error({ err: error, kind: event.kind }, 'bot message listener failed');
      }
    }
  };

  const state = (chatId: number): ChatState | undefined => chats.get(chatId);

  const toMessage = (message: BotChatMessage, withReply = true): PrivateMessage => {
    const user = state(message.chatId)?.user ?? { id: message.chatId, first_name: '' };
    const from: User =
      message.sender === 'bot'
        ? bot
        : {
            id: user.id,
            is_bot: false,
            first_name: user.first_name,
            last_name: user.last_name,
            username: user.username,
            language_code: user.language_code,
          };
    const replied = message.replyToMessageId === undefined ? undefined : state(message.chatId)?.messages.get(message.replyToMessageId);
    return {
      message_id: message.messageId,
      from,
      chat: { id: user.id, type: 'private', first_name: user.first_name, last_name: user.last_name, username: user.username },
      date: message.date,
      edit_date: message.editDate,
      reply_to_message: withReply && replied !== undefined ? toMessage(replied, false) : undefined,
      text: message.text,
      entities: message.entities === undefined || message.entities.length === 0 ? undefined : [...message.entities],
      caption: message.caption,
      caption_entities: message.captionEntities === undefined || message.captionEntities.length === 0 ? undefined : [...message.captionEntities],
      document: message.document,
      photo: message.photo === undefined ? undefined : [...message.photo],
      reply_markup: message.replyMarkup,
    } as PrivateMessage;
  };

  return {
    openChat(user) {
      const existing = chats.get(user.id);
      if (existing !== undefined) existing.user = user;
      else chats.set(user.id, { user, messages: new Map(), nextMessageId: 1 });
    },
    user: (chatId) => state(chatId)?.user,
    add(chatId, sender, content) {
      const chat = state(chatId);
      if (chat === undefined) throw new Error(`chat ${chatId} is not open`);
      const message: BotChatMessage = Object.freeze({
        chatId,
        messageId: chat.nextMessageId,
        sender,
        date: clock(),
        editDate: undefined,
        text: content.text,
        entities: content.entities,
        caption: content.caption,
        captionEntities: content.captionEntities,
        parseMode: content.parseMode,
        replyMarkup: content.replyMarkup,
        document: content.document,
        photo: content.photo,
        replyToMessageId: content.replyToMessageId,
        editCount: 0,
      });
      chat.nextMessageId += 1;
      chat.messages.set(message.messageId, message);
      if (sender === 'bot') emit({ kind: 'sent', message });
      return message;
    },
    get: (chatId, messageId) => state(chatId)?.messages.get(messageId),
    edit(chatId, messageId, content) {
      const chat = state(chatId);
      const current = chat?.messages.get(messageId);
      if (chat === undefined || current === undefined) throw new Error(`message ${messageId} of chat ${chatId} does not exist`);
      const message: BotChatMessage = Object.freeze({ ...current, ...content, editDate: clock(), editCount: current.editCount + 1 });
      chat.messages.set(messageId, message);
      emit({ kind: 'edited', message });
      return message;
    },
    remove(chatId, messageId) {
      const chat = state(chatId);
      const message = chat?.messages.get(messageId);
      if (chat === undefined || message === undefined) return undefined;
      chat.messages.delete(messageId);
      emit({ kind: 'deleted', message });
      return message;
    },
    history: (chatId) => [...(state(chatId)?.messages.values() ?? [])],
    onBotMessage(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    toMessage: (message) => toMessage(message),
  };
}
