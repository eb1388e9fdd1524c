import { isPresent } from './chat-members.js';
import { userOf, type ChatInfo, type ChatStore, type ChatUser } from './chat-store.js';
import { UserActionError } from './errors.js';
import { botMemberUpdate } from './membership-updates.js';
import type { UpdateQueue } from './update-queue.js';
import { chatOfUser, deliverToBot } from './user-actions.js';

export interface CreateGroupOptions {
  readonly title: string;
  /**
   * A basic group (chat id -N) or a supergroup (chat id -100…).
   * @default 'supergroup'
   */
  readonly type?: 'group' | 'supergroup';
  /**
   * Members besides the owner, from the start.
   * @default []
   */
  readonly members?: readonly ChatUser[];
  /**
   * Public username of a supergroup (without `@`), so `@username` works as its chat_id.
   * @default none: a private group
   */
  readonly username?: string;
  /**
   * Whether the owner adds the bot right away (`admin`: as an administrator, which lets it read every
   * message despite privacy mode).
   * @default 'member'
   */
  readonly bot?: 'member' | 'admin' | 'none';
  /**
   * The chat id, instead of the next free one.
   * @default -4100000001, -4100000002 … for groups; -1002100000001 … for supergroups
   */
  readonly chatId?: number;
}

/** What simulated users can do with groups: create them, add and remove the bot, join them. */
export interface GroupActions {
  /** Creates a group owned by `owner` and, unless told otherwise, adds the bot to it. */
  createGroup(owner: ChatUser, options: CreateGroupOptions): ChatInfo;
  /**
   * `from` (a member) adds the bot: the bot gets `my_chat_member` (left → member or administrator)
   * and the `new_chat_members` service message, as Telegram sends them. Only the owner or an
   * administrator may add it as an administrator.
   */
  userAddsBot(from: ChatUser, chatId: number, options?: { readonly asAdmin?: boolean }): void;
  /** The owner or an administrator removes the bot: it gets `my_chat_member` with status kicked. */
  userRemovesBot(from: ChatUser, chatId: number): void;
  /** A user joins a group; the bot (when in it) gets the `new_chat_members` service message. */
  userJoinsGroup(user: ChatUser, chatId: number): void;
}

export interface GroupActionsOptions {
  readonly chats: ChatStore;
  readonly updates: UpdateQueue;
}

export function createGroupActions({ chats, updates }: GroupActionsOptions): GroupActions {
  const group = (chatId: number): ChatInfo => {
    const chat = chats.chat(chatId);
    if (chat === undefined || chat.kind === 'private') throw new UserActionError(`chat ${chatId} is not a group of the sandbox`, { chatId });
    return chat;
  };
  const mayManage = (chatId: number, user: ChatUser): boolean => {
    const status = chats.member(chatId, user.id)?.status;
    return status === 'creator' || status === 'administrator';
  };
  const current = (chatId: number): ChatInfo => chats.chat(chatId) as ChatInfo;

  const addBot = (from: ChatUser, chatId: number, asAdmin: boolean, createdNow: boolean): void => {
    const before = chats.setBotStatus(chatId, asAdmin ? 'administrator' : 'member');
    updates.push({ my_chat_member: botMemberUpdate(chats, chatId, userOf(from), before, asAdmin ? 'administrator' : 'member') });
    // A basic group made with the bot in it says so; a supergroup never has the bot at its creation.
    const service = createdNow ? ({ kind: 'group_created' } as const) : ({ kind: 'members_joined', users: [chats.bot] } as const);
    const message = chats.add(chatId, 'user', { service }, from);
    deliverToBot(chats, updates, current(chatId), message);
  };

  const actions: GroupActions = {
    createGroup(owner, options) {
      const kind = options.type ?? 'supergroup';
      const title = options.title.trim();
      if (title === '') throw new UserActionError('a group needs a title', { chatId: 0 });
      const chat = chats.createGroup({ kind, title, ...(options.username ? { username: options.username } : {}), ...(options.chatId !== undefined ? { id: options.chatId } : {}) });
      chats.setMember(chat.id, owner, 'creator');
      for (const member of options.members ?? []) chats.setMember(chat.id, member, 'member');
      const bot = options.bot ?? 'member';
      if (bot !== 'none') addBot(owner, chat.id, bot === 'admin', kind === 'group');
      return current(chat.id);
    },

    userAddsBot(from, chatId, addOptions = {}) {
      const chat = group(chatId);
      chatOfUser(chats, from, chatId);
      if (isPresent(chat.botStatus)) throw new UserActionError(`the bot is in chat ${chatId} already`, { chatId });
      const asAdmin = addOptions.asAdmin ?? false;
      if (asAdmin && !mayManage(chatId, from)) throw new UserActionError(`user ${from.id} may not appoint administrators in chat ${chatId}`, { chatId });
      addBot(from, chatId, asAdmin, false);
    },

    userRemovesBot(from, chatId) {
      const chat = group(chatId);
      if (!isPresent(chat.botStatus)) throw new UserActionError(`the bot is not in chat ${chatId}`, { chatId });
      if (!mayManage(chatId, from)) throw new UserActionError(`user ${from.id} may not remove members of chat ${chatId}`, { chatId });
      const before = chats.setBotStatus(chatId, 'kicked');
      updates.push({ my_chat_member: botMemberUpdate(chats, chatId, userOf(from), before, 'kicked') });
      // The chat keeps the service message; the bot, gone, does not get it.
      chats.add(chatId, 'user', { service: { kind: 'member_left', user: chats.bot } }, from);
    },

    userJoinsGroup(user, chatId) {
      group(chatId);
      const status = chats.member(chatId, user.id)?.status;
      if (status === 'kicked') throw new UserActionError(`user ${user.id} was removed from chat ${chatId}`, { chatId });
      if (status !== undefined && isPresent(status)) throw new UserActionError(`user ${user.id} is in chat ${chatId} already`, { chatId });
      chats.setMember(chatId, user, 'member');
      const message = chats.add(chatId, 'user', { service: { kind: 'members_joined', users: [userOf(user)] } }, user);
      deliverToBot(chats, updates, current(chatId), message);
    },
  };
  return actions;
}
