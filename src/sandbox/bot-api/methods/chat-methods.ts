import type { AcceptedGiftTypes, ChatFullInfo, ChatPermissions } from '@grammyjs/types';
import { chatMemberOf, isPresent, type SandboxChatMember } from '../chat-members.js';
import { userOf, type ChatInfo } from '../chat-store.js';
import { badRequest, forbidden } from '../errors.js';
import { botMemberUpdate } from '../membership-updates.js';
import { readChat } from './common-params.js';
import type { MethodContext, MethodHandler } from './method-context.js';

/** The sandbox's users take no gifts; Bot API 10.1 requires every flag, gifts_from_channels included. */
const NO_GIFTS: AcceptedGiftTypes = { unlimited_gifts: false, limited_gifts: false, unique_gifts: false, premium_subscription: false, gifts_from_channels: false };

/** A new group's default: members may do everything but change its info and pin messages. */
const GROUP_PERMISSIONS: ChatPermissions = {
  can_send_messages: true,
  can_send_audios: true,
  can_send_documents: true,
  can_send_photos: true,
  can_send_videos: true,
  can_send_video_notes: true,
  can_send_voice_notes: true,
  can_send_polls: true,
  can_send_other_messages: true,
  can_add_web_page_previews: true,
  can_react_to_messages: true,
  can_change_info: false,
  can_invite_users: true,
  can_pin_messages: false,
  can_manage_topics: false,
};

/** Reactions a chat allows on one message, Telegram's default for a chat without Premium boosts. */
const MAX_REACTIONS = 11;

function fullInfo(chat: ChatInfo): ChatFullInfo {
  const common = { id: chat.id, accent_color_id: 0, max_reaction_count: MAX_REACTIONS, accepted_gift_types: NO_GIFTS };
  switch (chat.kind) {
    case 'private':
      return {
        ...common,
        type: 'private',
        first_name: chat.user?.first_name ?? '',
        ...(chat.user?.last_name ? { last_name: chat.user.last_name } : {}),
        ...(chat.user?.username ? { username: chat.user.username } : {}),
      };
    case 'group':
      return { ...common, type: 'group', title: chat.title ?? '', permissions: GROUP_PERMISSIONS };
    case 'supergroup':
      return {
        ...common,
        type: 'supergroup',
        title: chat.title ?? '',
        ...(chat.username ? { username: chat.username, active_usernames: [chat.username] } : {}),
        permissions: GROUP_PERMISSIONS,
      };
  }
}

/** getChat: ChatFullInfo of a private chat, group or supergroup (https://core.telegram.org/bots/api#getchat). */
export const getChat: MethodHandler = (context): ChatFullInfo => fullInfo(readChat(context, 'read'));

function memberOf(context: MethodContext, chat: ChatInfo, userId: number): SandboxChatMember {
  const { chats } = context;
  if (userId === chats.bot.id) return chatMemberOf(chats.bot, chat.botStatus, chat.kind);
  if (chat.kind === 'private') {
    if (chat.user?.id === userId) return chatMemberOf(userOf(chat.user), 'member', 'private');
  } else {
    const member = chats.member(chat.id, userId);
    if (member !== undefined) return chatMemberOf(userOf(member.user), member.status, chat.kind);
  }
  const known = chats.knownUser(userId);
  // Someone Telegram knows but who is not in the chat is a `left` member; an unknown id is refused.
  if (known === undefined) throw badRequest('user not found');
  return chatMemberOf(userOf(known), 'left', chat.kind);
}

/** getChatMember: the bot's own standing needs read access only, anyone else's the member list. */
export const getChatMember: MethodHandler = (context): SandboxChatMember => {
  const userId = context.params.integer('user_id');
  if (userId === undefined) throw badRequest('user_id is empty');
  const chat = readChat(context, userId === context.chats.bot.id ? 'read' : 'members');
  return memberOf(context, chat, userId);
};

/**
 * getChatAdministrators: the creator and administrators, other bots left out unless `return_bots`
 * (telegram-bot-api's JsonChatMembers); a private chat has none.
 */
export const getChatAdministrators: MethodHandler = (context): SandboxChatMember[] => {
  const { chats, params } = context;
  const chat = readChat(context, 'members');
  if (chat.kind === 'private') throw badRequest('there are no administrators in the private chat');
  const admins: SandboxChatMember[] = chats
    .members(chat.id)
    .filter((m) => m.status === 'creator' || m.status === 'administrator')
    .map((m) => chatMemberOf(userOf(m.user), m.status, chat.kind));
  // The sandbox has no other bots, so return_bots changes nothing but is read as Telegram reads it.
  params.boolean('return_bots');
  if (chat.botStatus === 'administrator') admins.push(chatMemberOf(chats.bot, 'administrator', chat.kind));
  return admins;
};

/** getChatMemberCount: the users in the chat, the bot included. */
export const getChatMemberCount: MethodHandler = (context): number => {
  const { chats } = context;
  const chat = readChat(context, 'members');
  if (chat.kind === 'private') return 2;
  return chats.members(chat.id).filter((m) => isPresent(m.status)).length + (isPresent(chat.botStatus) ? 1 : 0);
};

/**
 * leaveChat: the bot leaves a group and gets `my_chat_member` with status left, as Telegram sends it;
 * afterwards sends there are refused with 403 `bot is not a member of the … chat`.
 */
export const leaveChat: MethodHandler = (context): true => {
  const { chats, updates } = context;
  const chat = readChat(context, 'read');
  if (chat.kind === 'private') throw badRequest("chat member status can't be changed in private chats");
  if (!isPresent(chat.botStatus)) throw forbidden(`bot is not a member of the ${chat.kind === 'group' ? 'group' : 'supergroup'} chat`);
  const before = chats.setBotStatus(chat.id, 'left');
  updates.push({ my_chat_member: botMemberUpdate(chats, chat.id, chats.bot, before, 'left') });
  return true;
};
