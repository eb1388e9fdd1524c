import type { ChatMemberAdministrator, ChatMemberBanned, ChatMemberLeft, ChatMemberMember, ChatMemberOwner, User } from '@grammyjs/types';

/** A chat's kind as the Bot API names it; the sandbox has no channels. */
export type ChatKind = 'private' | 'group' | 'supergroup';

/** Someone's standing in a chat, as `ChatMember.status` names it. */
export type MemberStatus = 'creator' | 'administrator' | 'member' | 'left' | 'kicked';

/**
 * ChatMemberAdministrator as Bot API 10.1 declares it: @grammyjs/types 5.0.0 also requires
 * `can_send_welcome_messages`, which that version of the Bot API does not have.
 */
export type AdministratorMember = Omit<ChatMemberAdministrator, 'can_send_welcome_messages'>;

/** A ChatMember of Bot API 10.1 (the sandbox restricts nobody, so no ChatMemberRestricted). */
export type SandboxChatMember = ChatMemberOwner | AdministratorMember | ChatMemberMember | ChatMemberLeft | ChatMemberBanned;

/** Whether the status makes its holder part of the chat. */
export function isPresent(status: MemberStatus): boolean {
  return status === 'creator' || status === 'administrator' || status === 'member';
}

/**
 * The ChatMember of `user`. Administrators hold every right; which rights appear depends on the chat
 * kind as in telegram-bot-api (Client::json_store_administrator_rights in
 * https://github.com/tdlib/telegram-bot-api/blob/master/telegram-bot-api/Client.cpp): pinning and
 * tags in groups and supergroups, topics in supergroups only.
 */
export function chatMemberOf(user: User, status: MemberStatus, kind: ChatKind): SandboxChatMember {
  switch (status) {
    case 'creator':
      return { status, user, is_anonymous: false };
    case 'administrator': {
      const member: AdministratorMember = {
        status,
        user,
        can_be_edited: false,
        is_anonymous: false,
        can_manage_chat: true,
        can_delete_messages: true,
        can_manage_video_chats: true,
        can_restrict_members: true,
        can_promote_members: true,
        can_change_info: true,
        can_invite_users: true,
        can_post_stories: true,
        can_edit_stories: true,
        can_delete_stories: true,
      };
      if (kind === 'private') return member;
      return { ...member, can_pin_messages: true, can_manage_tags: true, ...(kind === 'supergroup' ? { can_manage_topics: true } : {}) };
    }
    case 'member':
      return { status, user };
    case 'left':
      return { status, user };
    case 'kicked':
      // until_date 0: removed for good.
      return { status, user, until_date: 0 };
  }
}
