import { Api, type TelegramClient } from 'telegram';
import type { ChatKind } from '../../db/repositories/members.js';
import type { MemberStoreLike } from '../../db/repositories/member-store.js';
import type { RunBudget } from '../budget.js';
import { OperationFailure } from '../errors.js';
import { rpcErrorMessage } from '../errors.js';
import { describeTarget, type Target } from './targets.js';

/** A chat resolved through Telegram, with what is needed to address it. */
export interface ResolvedChat {
  readonly id: number;
  readonly kind: ChatKind;
  readonly title: string;
  readonly username: string | null;
  readonly inviteHash: string | null;
  readonly peer: Api.TypeInputPeer;
  /** Set for supergroups and channels. */
  readonly channel: Api.InputChannel | null;
  /** Whether this account is a member. */
  readonly joined: boolean;
}

type ChatEntity = Api.Channel | Api.Chat;

function isChatEntity(chat: Api.TypeChat): chat is ChatEntity {
  return chat instanceof Api.Channel || chat instanceof Api.Chat;
}

/** Builds the resolved view of a chat entity GramJS returned. */
export function fromEntity(chat: ChatEntity, inviteHash: string | null = null): ResolvedChat {
  if (chat instanceof Api.Channel) {
    const channel = new Api.InputChannel({ channelId: chat.id, accessHash: chat.accessHash ?? (0 as never) });
    return {
      id: chat.id.toJSNumber(),
      kind: chat.broadcast ? 'channel' : 'supergroup',
      title: chat.title,
      username: chat.username ?? chat.usernames?.[0]?.username ?? null,
      inviteHash,
      peer: new Api.InputPeerChannel({ channelId: chat.id, accessHash: chat.accessHash ?? (0 as never) }),
      channel,
      joined: !chat.left,
    };
  }
  return {
    id: chat.id.toJSNumber(),
    kind: 'group',
    title: chat.title,
    username: null,
    inviteHash,
    peer: new Api.InputPeerChat({ chatId: chat.id }),
    channel: null,
    joined: !chat.left && !chat.deactivated,
  };
}

/** An invite the account cannot see through yet: joining reveals the chat. */
export interface UnjoinedInvite {
  readonly kind: 'invite';
  readonly hash: string;
  readonly title: string;
  readonly requestNeeded: boolean;
}

export type Resolution = { readonly kind: 'chat'; readonly chat: ResolvedChat } | UnjoinedInvite;

/**
 * The most username look-ups (contacts.ResolveUsername) resolving the target makes: one for a username,
 * one for a bare id (it resolves the username stored for it), none for an invite link, which
 * messages.CheckChatInvite reads instead (not a look-up).
 */
export function lookupsOf(target: Target): number {
  return target.kind === 'invite' ? 0 : 1;
}

/**
 * Resolves a target to a chat: usernames through contacts.ResolveUsername (a look-up spent from `budget`),
 * invite links through messages.CheckChatInvite, bare ids through the chats already stored (Telegram
 * needs an access hash).
 */
export async function resolveTarget(client: TelegramClient, target: Target, members: Pick<MemberStoreLike, 'findChat'>, signal: AbortSignal, budget: RunBudget): Promise<Resolution> {
  signal.throwIfAborted();
  switch (target.kind) {
    case 'username': {
      budget.take('resolve');
      const resolved = await client.invoke(new Api.contacts.ResolveUsername({ username: target.username }));
      if (resolved.peer instanceof Api.PeerUser) {
        throw new OperationFailure({ kind: 'invalid', message: `@${target.username} is a user, not a group or channel.` });
      }
      const chat = resolved.chats.find(isChatEntity);
      if (!chat) throw new OperationFailure({ kind: 'not_found', message: `No chat has the username @${target.username}.` });
      return { kind: 'chat', chat: fromEntity(chat) };
    }
    case 'invite': {
      const invite = await client.invoke(new Api.messages.CheckChatInvite({ hash: target.hash }));
      if (invite instanceof Api.ChatInviteAlready || invite instanceof Api.ChatInvitePeek) {
        if (!isChatEntity(invite.chat)) throw new OperationFailure({ kind: 'not_found', message: 'The invite leads to a chat this account cannot see.' });
        const chat = fromEntity(invite.chat, target.hash);
        return { kind: 'chat', chat: invite instanceof Api.ChatInviteAlready ? { ...chat, joined: true } : chat };
      }
      return { kind: 'invite', hash: target.hash, title: invite.title, requestNeeded: Boolean(invite.requestNeeded) };
    }
    case 'id': {
      const known = await members.findChat(target.id);
      if (known?.username) return resolveTarget(client, { kind: 'username', username: known.username }, members, signal, budget);
      if (known?.inviteHash) return resolveTarget(client, { kind: 'invite', hash: known.inviteHash }, members, signal, budget);
      throw new OperationFailure({
        kind: 'not_found',
        message: `I don't know ${describeTarget(target)} yet: name it by @username or link the first time.`,
      });
    }
  }
}

/** Joins a chat (public or by invite), a join spent from `budget`. Already being a member is success and spends nothing. */
export async function joinChat(
  client: TelegramClient,
  resolution: Resolution,
  signal: AbortSignal,
  budget: RunBudget,
): Promise<{ chat: ResolvedChat; alreadyMember: boolean }> {
  signal.throwIfAborted();
  if (resolution.kind === 'chat' && resolution.chat.joined) return { chat: resolution.chat, alreadyMember: true };
  if (resolution.kind === 'chat' && !resolution.chat.channel) {
    throw new OperationFailure({ kind: 'private', message: 'A basic group can only be joined with an invite link.' });
  }
  budget.take('join');
  try {
    const updates =
      resolution.kind === 'invite'
        ? await client.invoke(new Api.messages.ImportChatInvite({ hash: resolution.hash }))
        : resolution.chat.channel
          ? await client.invoke(new Api.channels.JoinChannel({ channel: resolution.chat.channel }))
          : null;
    if (updates === null) {
      throw new OperationFailure({ kind: 'private', message: 'A basic group can only be joined with an invite link.' });
    }
    const chats = 'chats' in updates ? updates.chats : [];
    const entity = chats.find(isChatEntity);
    if (!entity) {
      if (resolution.kind === 'chat') return { chat: { ...resolution.chat, joined: true }, alreadyMember: false };
      throw new OperationFailure({ kind: 'error', message: 'Joined, but Telegram did not say which chat it was.' });
    }
    return { chat: { ...fromEntity(entity, resolution.kind === 'invite' ? resolution.hash : resolution.chat.inviteHash), joined: true }, alreadyMember: false };
  } catch (error) {
    if (rpcErrorMessage(error) === 'USER_ALREADY_PARTICIPANT' && resolution.kind === 'chat') {
      return { chat: { ...resolution.chat, joined: true }, alreadyMember: true };
    }
    throw error;
  }
}

/** Stores what is known of a chat. */
export async function rememberChat(
  members: Pick<MemberStoreLike, 'upsertChat'>,
  chat: ResolvedChat,
  extra: { membersCount?: number | null; membersHidden?: boolean | null } = {},
): Promise<void> {
  await members.upsertChat({
    id: chat.id,
    kind: chat.kind,
    title: chat.title,
    username: chat.username,
    ...(chat.inviteHash ? { inviteHash: chat.inviteHash } : {}),
    ...extra,
  });
}
