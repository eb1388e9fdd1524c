import type { Logger } from 'pino';
import type { Chat, Document, InlineKeyboardMarkup, Message, MessageEntity, PhotoSize, Update, User } from '@grammyjs/types';
import type { ChatKind, MemberStatus } from './chat-members.js';

/** A user of the sandbox: the other side of a private chat with the bot, or a member of a group. */
export interface ChatUser {
  readonly id: number;
  readonly first_name: string;
  readonly last_name?: string;
  readonly username?: string;
  readonly language_code?: string;
}

/** What a service message says happened (https://core.telegram.org/bots/api#message). */
export type ServiceEvent =
  | { readonly kind: 'group_created' }
  | { readonly kind: 'members_joined'; readonly users: readonly User[] }
  | { readonly kind: 'member_left'; readonly user: User };

/** A message of a chat as it stands now: edits applied, with how many there were. */
export interface BotChatMessage {
  readonly chatId: number;
  readonly messageId: number;
  readonly sender: 'bot' | 'user';
  /** The user who sent it; undefined for the bot's messages. */
  readonly from: ChatUser | undefined;
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
  /** Set for service messages (a group created, members joined or left). */
  readonly service: ServiceEvent | undefined;
  readonly editCount: number;
}

/** Something the bot did in a chat. `deleted` carries the message as it was. */
export type BotMessageEvent =
  | { readonly kind: 'sent'; readonly message: BotChatMessage }
  | { readonly kind: 'edited'; readonly message: BotChatMessage }
  | { readonly kind: 'deleted'; readonly message: BotChatMessage };

/** The parts of a message that a send sets and an edit may change. */
export type MessageContent = Partial<
  Pick<
    BotChatMessage,
    'text' | 'entities' | 'caption' | 'captionEntities' | 'parseMode' | 'replyMarkup' | 'document' | 'photo' | 'replyToMessageId' | 'service'
  >
>;

/** A chat of the sandbox as the Bot API describes it: it has no channels. */
export type SandboxChat = Chat.PrivateChat | Chat.GroupChat | Chat.SupergroupChat;

/** A message of the sandbox as the Bot API sends it: always from a user or the bot, never in a channel. */
export type SandboxMessage = Message & Update.NonChannel;

/** A chat as the server knows it. */
export interface ChatInfo {
  readonly id: number;
  readonly kind: ChatKind;
  /** The other party of a private chat. */
  readonly user: ChatUser | undefined;
  /** Title of a group or supergroup. */
  readonly title: string | undefined;
  /** Public username of a supergroup, without `@`. */
  readonly username: string | undefined;
  /** The bot's standing: `member` in a private chat; in a group `left` until someone adds it. */
  readonly botStatus: MemberStatus;
}

/** A user's standing in a group. */
export interface GroupMember {
  readonly user: ChatUser;
  readonly status: MemberStatus;
}

export interface NewGroup {
  readonly kind: 'group' | 'supergroup';
  readonly title: string;
  readonly username?: string;
  /** A chat id to use instead of the next free one: negative, and below -1000000000000 for a supergroup. */
  readonly id?: number;
}

export interface ChatStore {
  /** The bot's own user, the `from` of its messages. */
  readonly bot: User;
  /** Current time in Unix seconds, the date of messages and membership changes. */
  now(): number;
  /** Opens the private chat with a user, or refreshes the user's names. */
  openChat(user: ChatUser): void;
  /** Adds a group the bot is not part of yet; throws `RangeError` for a taken or malformed id. */
  createGroup(group: NewGroup): ChatInfo;
  chat(chatId: number): ChatInfo | undefined;
  /** A supergroup by its username (without `@`, any case). */
  chatByUsername(username: string): ChatInfo | undefined;
  /** The user of a private chat. */
  user(chatId: number): ChatUser | undefined;
  /** Anyone the server has seen: in a private chat or a group. */
  knownUser(userId: number): ChatUser | undefined;
  member(chatId: number, userId: number): GroupMember | undefined;
  /** Members of a group, in the order they came, including those who left or were removed. */
  members(chatId: number): GroupMember[];
  /** Sets a user's standing in a group; returns the one before (`left` for a newcomer). */
  setMember(chatId: number, user: ChatUser, status: MemberStatus): MemberStatus;
  /** Sets the bot's standing in a group; returns the one before. */
  setBotStatus(chatId: number, status: MemberStatus): MemberStatus;
  /** Adds a message; `from` is the sending user (the chat's user in a private chat by default). */
  add(chatId: number, sender: 'bot' | 'user', content: MessageContent, from?: ChatUser): BotChatMessage;
  get(chatId: number, messageId: number): BotChatMessage | undefined;
  /** Replaces the keys present in `content` (`undefined` clears one) and counts the edit. */
  edit(chatId: number, messageId: number, content: MessageContent): BotChatMessage;
  remove(chatId: number, messageId: number): BotChatMessage | undefined;
  history(chatId: number): BotChatMessage[];
  onBotMessage(listener: (event: BotMessageEvent) => void): () => void;
  /**
   * Calls `listener` for every message sent, edited or deleted in any chat, the users' own included (a
   * live view of the chats, such as the playground). Returns the unsubscribe function.
   */
  onMessage(listener: (event: BotMessageEvent) => void): () => void;
  /** The Bot API `Chat` object of a known chat. */
  toChat(chatId: number): SandboxChat;
  /** The Bot API `Message` object of a stored message, with the message it replies to. */
  toMessage(message: BotChatMessage): SandboxMessage;
}

interface ChatState {
  readonly id: number;
  readonly kind: ChatKind;
  user: ChatUser | undefined;
  readonly title: string | undefined;
  readonly username: string | undefined;
  botStatus: MemberStatus;
  readonly members: Map<number, GroupMember>;
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

/** Telegram writes a supergroup's chat id as -100 followed by its channel id. */
export const SUPERGROUP_ID_OFFSET = 1_000_000_000_000;
/** Where generated ids start: -4100000001 for basic groups, -1002100000001 for supergroups. */
const FIRST_GROUP_NUMBER = 4_100_000_000;
const FIRST_CHANNEL_NUMBER = 2_100_000_000;

export function userOf(user: ChatUser): User {
  return {
    id: user.id,
    is_bot: false,
    first_name: user.first_name,
    last_name: user.last_name,
    username: user.username,
    language_code: user.language_code,
  };
}

export function createChatStore({ bot, clock, logger }: ChatStoreOptions): ChatStore {
  const chats = new Map<number, ChatState>();
  const users = new Map<number, ChatUser>();
  const listeners = new Set<(event: BotMessageEvent) => void>();
  const allListeners = new Set<(event: BotMessageEvent) => void>();
  let groupsMade = 0;

  const emit = (event: BotMessageEvent): void => {
    // onBotMessage hears of what the bot does: its messages, and any message it deletes (a user's too).
    const audience = event.kind === 'sent' && event.message.sender === 'user' ? [...allListeners] : [...listeners, ...allListeners];
    for (const listener of audience) {
      try {
        listener(event);
      } catch (error) {
        // A broken observer (a terminal printer…) must not fail the bot's API call.
        logger.error({ err: error, kind: event.kind }, 'bot message listener failed');
      }
    }
  };

  const state = (chatId: number): ChatState | undefined => chats.get(chatId);
  const groupState = (chatId: number): ChatState => {
    const chat = state(chatId);
    if (chat === undefined || chat.kind === 'private') throw new RangeError(`chat ${chatId} is not a group`);
    return chat;
  };
  const info = (chat: ChatState): ChatInfo => ({
    id: chat.id,
    kind: chat.kind,
    user: chat.user,
    title: chat.title,
    username: chat.username,
    botStatus: chat.botStatus,
  });
  const remember = (user: ChatUser): void => {
    users.set(user.id, user);
  };

  const toChat = (chatId: number): SandboxChat => {
    const chat = state(chatId);
    if (chat === undefined) throw new RangeError(`chat ${chatId} does not exist`);
    if (chat.kind === 'group') return { id: chat.id, type: 'group', title: chat.title ?? '' };
    if (chat.kind === 'supergroup') return { id: chat.id, type: 'supergroup', title: chat.title ?? '', username: chat.username };
    const user = chat.user ?? { id: chat.id, first_name: '' };
    return { id: chat.id, type: 'private', first_name: user.first_name, last_name: user.last_name, username: user.username };
  };

  const toMessage = (message: BotChatMessage): SandboxMessage => {
    const chat = state(message.chatId);
    const replied = message.replyToMessageId === undefined ? undefined : chat?.messages.get(message.replyToMessageId);
    // Telegram sends the replied-to message one level deep: its own reply is left out.
    return { ...withoutReply(message), reply_to_message: replied === undefined ? undefined : { ...withoutReply(replied), reply_to_message: undefined } };
  };

  const withoutReply = (message: BotChatMessage): SandboxMessage => {
    const chat = state(message.chatId);
    const sender = message.from ?? chat?.user ?? { id: message.chatId, first_name: '' };
    const service = message.service;
    return {
      message_id: message.messageId,
      from: message.sender === 'bot' ? bot : userOf(sender),
      chat: toChat(message.chatId),
      date: message.date,
      edit_date: message.editDate,
      text: message.text,
      entities: message.entities === undefined || message.entities.length === 0 ? undefined : [...message.entities],
      caption: message.caption,
      caption_entities: message.captionEntities === undefined || message.captionEntities.length === 0 ? undefined : [...message.captionEntities],
      document: message.document,
      photo: message.photo === undefined ? undefined : [...message.photo],
      reply_markup: message.replyMarkup,
      group_chat_created: service?.kind === 'group_created' ? true : undefined,
      new_chat_members: service?.kind === 'members_joined' ? [...service.users] : undefined,
      left_chat_member: service?.kind === 'member_left' ? service.user : undefined,
    };
  };

  const nextGroupId = (kind: NewGroup['kind']): number => {
    for (;;) {
      groupsMade += 1;
      const id = kind === 'group' ? -(FIRST_GROUP_NUMBER + groupsMade) : -(SUPERGROUP_ID_OFFSET + FIRST_CHANNEL_NUMBER + groupsMade);
      if (!chats.has(id)) return id;
    }
  };

  return {
    bot,
    now: clock,
    openChat(user) {
      remember(user);
      const existing = chats.get(user.id);
      if (existing !== undefined) {
        existing.user = user;
        return;
      }
      chats.set(user.id, {
        id: user.id,
        kind: 'private',
        user,
        title: undefined,
        username: undefined,
        botStatus: 'member',
        members: new Map(),
        messages: new Map(),
        nextMessageId: 1,
      });
    },
    createGroup(group) {
      const id = group.id ?? nextGroupId(group.kind);
      if (!Number.isSafeInteger(id) || id >= 0) throw new RangeError(`a group's chat id is negative (got ${id})`);
      if (group.kind === 'supergroup' && id > -SUPERGROUP_ID_OFFSET) throw new RangeError(`a supergroup's chat id starts with -100 (got ${id})`);
      if (group.kind === 'group' && id <= -SUPERGROUP_ID_OFFSET) throw new RangeError(`-100… chat ids belong to supergroups (got ${id})`);
      if (chats.has(id)) throw new RangeError(`chat ${id} exists already`);
      const chat: ChatState = {
        id,
        kind: group.kind,
        user: undefined,
        title: group.title,
        username: group.kind === 'supergroup' ? group.username : undefined,
        botStatus: 'left',
        members: new Map(),
        messages: new Map(),
        nextMessageId: 1,
      };
      chats.set(id, chat);
      return info(chat);
    },
    chat: (chatId) => {
      const chat = state(chatId);
      return chat === undefined ? undefined : info(chat);
    },
    chatByUsername(username) {
      const wanted = username.replace(/^@/, '').toLowerCase();
      const chat = [...chats.values()].find((c) => c.kind === 'supergroup' && c.username?.toLowerCase() === wanted);
      return chat === undefined ? undefined : info(chat);
    },
    user: (chatId) => {
      const chat = state(chatId);
      return chat?.kind === 'private' ? chat.user : undefined;
    },
    knownUser: (userId) => users.get(userId),
    member: (chatId, userId) => state(chatId)?.members.get(userId),
    members: (chatId) => [...(state(chatId)?.members.values() ?? [])],
    setMember(chatId, user, status) {
      const chat = groupState(chatId);
      remember(user);
      const before = chat.members.get(user.id)?.status ?? 'left';
      chat.members.set(user.id, { user, status });
      return before;
    },
    setBotStatus(chatId, status) {
      const chat = groupState(chatId);
      const before = chat.botStatus;
      chat.botStatus = status;
      return before;
    },
    add(chatId, sender, content, from) {
      const chat = state(chatId);
      if (chat === undefined) throw new RangeError(`chat ${chatId} is not open`);
      const author = sender === 'bot' ? undefined : (from ?? chat.user);
      if (author !== undefined) remember(author);
      const message: BotChatMessage = Object.freeze({
        chatId,
        messageId: chat.nextMessageId,
        sender,
        from: author,
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
        service: content.service,
        editCount: 0,
      });
      chat.nextMessageId += 1;
      chat.messages.set(message.messageId, message);
      emit({ kind: 'sent', message });
      return message;
    },
    get: (chatId, messageId) => state(chatId)?.messages.get(messageId),
    edit(chatId, messageId, content) {
      const chat = state(chatId);
      const current = chat?.messages.get(messageId);
      if (chat === undefined || current === undefined) throw new RangeError(`message ${messageId} of chat ${chatId} does not exist`);
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
    onMessage(listener) {
      allListeners.add(listener);
      return () => allListeners.delete(listener);
    },
    toChat,
    toMessage,
  };
}
