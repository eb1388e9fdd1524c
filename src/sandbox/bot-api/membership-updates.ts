import type { ChatMemberUpdated, User } from '@grammyjs/types';
import { chatMemberOf, type MemberStatus, type SandboxChatMember } from './chat-members.js';
import type { ChatStore } from './chat-store.js';

/** ChatMemberUpdated as the sandbox sends it: its members follow Bot API 10.1 (see chat-members.ts). */
export type SandboxChatMemberUpdated = Omit<ChatMemberUpdated, 'old_chat_member' | 'new_chat_member'> & {
  old_chat_member: SandboxChatMember;
  new_chat_member: SandboxChatMember;
};

/**
 * The `my_chat_member` payload for a change of the bot's standing in a group: `actor` is who made the
 * change (the bot itself when it leaves). Telegram sends it for groups whenever the bot is added,
 * promoted, removed or leaves (https://core.telegram.org/bots/api#chatmemberupdated).
 */
export function botMemberUpdate(chats: ChatStore, chatId: number, actor: User, before: MemberStatus, after: MemberStatus): SandboxChatMemberUpdated {
  const kind = chats.chat(chatId)?.kind ?? 'supergroup';
  return {
    chat: chats.toChat(chatId),
    from: actor,
    date: chats.now(),
    old_chat_member: chatMemberOf(chats.bot, before, kind),
    new_chat_member: chatMemberOf(chats.bot, after, kind),
  };
}
