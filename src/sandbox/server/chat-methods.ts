import { Api } from 'telegram';
import { listMembers, memberEntry, type MemberFilter } from '../member-list.js';
import { SandboxRpcError } from '../rpc-error.js';
import { toLong } from '../tl-long.js';
import { participantsAnswer } from '../tl-fast/participants-answer.js';
import { apiChat, channelParticipant, chatParticipant, entryApiUser, participantsCount } from '../tl-objects.js';
import type { ChatState } from '../world.js';
import type { AuthedContext } from './context.js';
import { requireReadable, resolveBasicGroup, resolveChannel, resolveUser } from './peers.js';
import { route, type Route } from './route.js';

/** Telegram's page size limit for channels.GetParticipants. */
export const MAX_PARTICIPANTS_PAGE = 200;

function memberFilter(filter: Api.TypeChannelParticipantsFilter): MemberFilter {
  if (filter instanceof Api.ChannelParticipantsRecent) return { kind: 'recent' };
  if (filter instanceof Api.ChannelParticipantsSearch) return { kind: 'search', q: filter.q };
  if (filter instanceof Api.ChannelParticipantsMentions) return { kind: 'search', q: filter.q ?? '' };
  if (filter instanceof Api.ChannelParticipantsAdmins) return { kind: 'admins' };
  if (filter instanceof Api.ChannelParticipantsBots) return { kind: 'bots' };
  if (filter instanceof Api.ChannelParticipantsKicked || filter instanceof Api.ChannelParticipantsBanned) {
    throw new SandboxRpcError('CHAT_ADMIN_REQUIRED');
  }
  return { kind: 'none' };
}

function joinUpdates(ctx: AuthedContext, chat: ChatState): Api.Updates {
  return new Api.Updates({
    updates: chat.kind === 'group' ? [] : [new Api.UpdateChannel({ channelId: toLong(chat.id) })],
    users: [],
    chats: [apiChat(ctx.world, ctx.account, chat)],
    date: ctx.world.nowSeconds(),
    seq: 0,
  });
}

/** Joins, or fails the way Telegram does. */
function join(ctx: AuthedContext, chat: ChatState): void {
  const result = ctx.world.join(ctx.account, chat);
  if (result.kind === 'too_many') throw new SandboxRpcError('CHANNELS_TOO_MUCH');
}

function inviteChat(ctx: AuthedContext, hash: string): ChatState {
  const chat = ctx.world.chatByInvite(hash.replace(/^\+/, ''));
  if (!chat) throw new SandboxRpcError('INVITE_HASH_INVALID');
  if (chat.def.inviteExpired) throw new SandboxRpcError('INVITE_HASH_EXPIRED');
  return chat;
}

/** channels.*, invites and basic-group info: joining, leaving and listing members. */
export function chatRoutes(): Route[] {
  return [
    route(Api.channels.JoinChannel, (req, ctx) => {
      const chat = resolveChannel(ctx, req.channel);
      if (!ctx.world.isMember(ctx.account, chat)) {
        // A chat without a username can only be joined through its invite link.
        if (chat.username === undefined) throw new SandboxRpcError('CHANNEL_PRIVATE');
        join(ctx, chat);
      }
      return joinUpdates(ctx, chat);
    }),

    route(Api.channels.LeaveChannel, (req, ctx) => {
      const chat = resolveChannel(ctx, req.channel);
      if (!ctx.world.leave(ctx.account, chat)) throw new SandboxRpcError('USER_NOT_PARTICIPANT');
      return joinUpdates(ctx, chat);
    }),

    route(Api.messages.CheckChatInvite, (req, ctx) => {
      const chat = inviteChat(ctx, req.hash);
      if (ctx.world.isMember(ctx.account, chat)) return new Api.ChatInviteAlready({ chat: apiChat(ctx.world, ctx.account, chat) });
      return new Api.ChatInvite({
        channel: chat.kind !== 'group',
        broadcast: chat.kind === 'channel',
        megagroup: chat.kind === 'supergroup',
        public: chat.username !== undefined,
        title: chat.title,
        about: chat.def.about === '' ? undefined : chat.def.about,
        photo: new Api.PhotoEmpty({ id: toLong(0) }),
        participantsCount: participantsCount(chat),
        color: 0,
      });
    }),

    route(Api.messages.ImportChatInvite, (req, ctx) => {
      const chat = inviteChat(ctx, req.hash);
      if (ctx.world.isMember(ctx.account, chat)) throw new SandboxRpcError('USER_ALREADY_PARTICIPANT');
      join(ctx, chat);
      return joinUpdates(ctx, chat);
    }),

    route(Api.channels.GetChannels, (req, ctx) => {
      const chats = req.id.map((input) => apiChat(ctx.world, ctx.account, resolveChannel(ctx, input)));
      return new Api.messages.Chats({ chats });
    }),

    route(Api.messages.GetChats, (req, ctx) => {
      const chats: Api.TypeChat[] = [];
      for (const id of req.id) {
        const chat = ctx.world.chat(Number(id.toString()));
        if (chat?.kind === 'group') chats.push(apiChat(ctx.world, ctx.account, chat));
      }
      return new Api.messages.Chats({ chats });
    }),

    route(Api.channels.GetFullChannel, (req, ctx) => {
      const chat = resolveChannel(ctx, req.channel);
      const readable = !chat.def.joinRequired || ctx.world.isMember(ctx.account, chat);
      if (readable) ctx.session.watching.add(chat.id);
      const hidden = chat.def.membersHidden;
      return new Api.messages.ChatFull({
        fullChat: new Api.ChannelFull({
          id: toLong(chat.id),
          about: chat.def.about,
          participantsCount: participantsCount(chat),
          adminsCount: chat.admins.length,
          canViewParticipants: !hidden,
          participantsHidden: hidden,
          readInboxMaxId: chat.history.count,
          readOutboxMaxId: 0,
          unreadCount: 0,
          chatPhoto: new Api.PhotoEmpty({ id: toLong(0) }),
          notifySettings: new Api.PeerNotifySettings({}),
          botInfo: [],
          pts: Math.max(1, chat.history.count),
        }),
        chats: [apiChat(ctx.world, ctx.account, chat)],
        users: [],
      });
    }),

    route(Api.channels.GetParticipants, (req, ctx) => {
      const chat = resolveChannel(ctx, req.channel);
      requireReadable(ctx, chat);
      const limit = Math.min(Math.max(req.limit, 0), MAX_PARTICIPANTS_PAGE);
      const page = listMembers(ctx.world, chat, memberFilter(req.filter), req.offset, limit);
      // Written straight to TL bytes: GramJS's own serialiser cost this route most of its CPU.
      return participantsAnswer(ctx.world, ctx.account, chat, page);
    }),

    // https://core.telegram.org/method/channels.getParticipant: the same participant and user a listing shows.
    route(Api.channels.GetParticipant, (req, ctx) => {
      const chat = resolveChannel(ctx, req.channel);
      requireReadable(ctx, chat);
      const user = resolveUser(ctx, req.participant);
      if (!user) throw new SandboxRpcError('PARTICIPANT_ID_INVALID');
      const entry = user.kind === 'spambot' ? undefined : memberEntry(ctx.world, chat, user);
      if (!entry) throw new SandboxRpcError('USER_NOT_PARTICIPANT');
      // Hidden members and a broadcast channel's subscribers are for admins to look up: a non-admin
      // may look up itself and the admins only.
      const visible = entry.kind === 'pool' ? chat.adminSet.has(entry.n) : entry.account === ctx.account;
      if ((chat.def.membersHidden || chat.kind === 'channel') && !visible) throw new SandboxRpcError('CHAT_ADMIN_REQUIRED');
      return new Api.channels.ChannelParticipant({
        participant: channelParticipant(ctx.world, ctx.account, chat, entry),
        chats: [],
        users: [entryApiUser(ctx.world, ctx.account, entry)],
      });
    }),

    route(Api.messages.GetFullChat, (req, ctx) => {
      const chat = resolveBasicGroup(ctx, req.chatId);
      requireReadable(ctx, chat);
      ctx.session.watching.add(chat.id);
      const page = chat.def.membersHidden
        ? undefined
        : listMembers(ctx.world, chat, { kind: 'recent' }, 0, ctx.world.participantsCap);
      const chatId = toLong(chat.id);
      return new Api.messages.ChatFull({
        fullChat: new Api.ChatFull({
          id: chatId,
          about: chat.def.about,
          participants: page
            ? new Api.ChatParticipants({
                chatId,
                participants: page.entries.map((e) => chatParticipant(ctx.world, chat, e)),
                version: 1,
              })
            : new Api.ChatParticipantsForbidden({ chatId }),
          notifySettings: new Api.PeerNotifySettings({}),
        }),
        chats: [apiChat(ctx.world, ctx.account, chat)],
        users: page ? page.entries.map((e) => entryApiUser(ctx.world, ctx.account, e)) : [],
      });
    }),
  ];
}
