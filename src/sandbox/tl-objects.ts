import { Api } from 'telegram';
import { accessHash } from './access-hash.js';
import { apiUserStatus, lastSeenStatuses } from './last-seen.js';
import type { MemberEntry } from './member-list.js';
import type { ChatMessage } from './message-history.js';
import { POOL_ID_BASE, poolUser } from './pool.js';
import { SPAM_BOT, spamBotApiUser } from './spam-bot.js';
import { toLong } from './tl-long.js';
import type { PrivateMessage } from './private-chats.js';
import type { SandboxAccount, ChatState, SandboxWorld } from './world.js';

/**
 * Builders of the TL objects an account sees. Everything is per viewer: access hashes differ per
 * account, and `self`, `left` and `out` depend on who is looking.
 */

const YEAR = 365 * 86_400;

/** Pool user n as `viewer` sees it now: its status is read off the world's clock (last-seen.ts). */
export function poolApiUser(world: SandboxWorld, viewer: SandboxAccount, n: number): Api.User {
  const u = poolUser(n);
  const status = lastSeenStatuses(world)(u.lastSeen);
  return new Api.User({
    id: toLong(u.id),
    accessHash: toLong(accessHash(viewer.userId, 'user', u.id)),
    firstName: u.firstName,
    lastName: u.lastName,
    username: u.username,
    bot: u.bot,
    // GramJS writes bot and bot_info_version under the same flag: a bot needs both.
    botInfoVersion: u.bot ? 1 : undefined,
    premium: u.premium,
    verified: u.verified,
    scam: u.scam,
    fake: u.fake,
    phone: u.phone,
    status: status === undefined ? undefined : apiUserStatus(status),
  });
}

export function accountApiUser(viewer: SandboxAccount, account: SandboxAccount): Api.User {
  const self = viewer === account;
  return new Api.User({
    id: toLong(account.userId),
    accessHash: toLong(accessHash(viewer.userId, 'user', account.userId)),
    firstName: account.firstName,
    lastName: account.lastName,
    self,
    phone: self ? account.phone.replace(/\D/g, '') : undefined,
    status: new Api.UserStatusRecently({}),
  });
}

/** The user with this id as `viewer` sees it, or undefined when no such user exists. */
export function apiUserById(world: SandboxWorld, viewer: SandboxAccount, userId: number): Api.User | undefined {
  const account = world.accountByUserId(userId);
  if (account) return accountApiUser(viewer, account);
  if (userId === SPAM_BOT.userId) return spamBotApiUser(viewer.userId);
  const n = userId - POOL_ID_BASE;
  if (Number.isInteger(n) && n >= 1 && n <= world.maxPoolNumber) return poolApiUser(world, viewer, n);
  return undefined;
}

export function participantsCount(chat: ChatState): number {
  return chat.def.members.count + chat.members.size;
}

/** The date the world says the chat was created. */
function chatDate(world: SandboxWorld): number {
  return Math.floor(world.startedAt / 1000) - YEAR;
}

export function apiChat(world: SandboxWorld, viewer: SandboxAccount, chat: ChatState): Api.Channel | Api.Chat {
  const member = world.isMember(viewer, chat);
  if (chat.kind === 'group') {
    return new Api.Chat({
      id: toLong(chat.id),
      title: chat.title,
      photo: new Api.ChatPhotoEmpty(),
      participantsCount: participantsCount(chat),
      date: chatDate(world),
      version: 1,
      left: !member,
    });
  }
  return new Api.Channel({
    id: toLong(chat.id),
    accessHash: toLong(accessHash(viewer.userId, 'channel', chat.id)),
    title: chat.title,
    username: chat.username,
    photo: new Api.ChatPhotoEmpty(),
    date: chatDate(world),
    broadcast: chat.kind === 'channel',
    megagroup: chat.kind === 'supergroup',
    left: !member,
    participantsCount: participantsCount(chat),
  });
}

export function chatPeer(chat: ChatState): Api.PeerChannel | Api.PeerChat {
  return chat.kind === 'group'
    ? new Api.PeerChat({ chatId: toLong(chat.id) })
    : new Api.PeerChannel({ channelId: toLong(chat.id) });
}

export function authorUserId(message: ChatMessage): number | undefined {
  const a = message.author;
  if (a === undefined) return undefined;
  return a.kind === 'pool' ? POOL_ID_BASE + a.n : a.userId;
}

export function apiChatMessage(viewer: SandboxAccount, chat: ChatState, message: ChatMessage): Api.Message {
  const fromUserId = authorUserId(message);
  return new Api.Message({
    id: message.id,
    peerId: chatPeer(chat),
    fromId: fromUserId === undefined ? undefined : new Api.PeerUser({ userId: toLong(fromUserId) }),
    date: message.date,
    message: message.text,
    out: fromUserId === viewer.userId,
    post: chat.kind === 'channel' && fromUserId === undefined,
  });
}

export function apiPrivateMessage(owner: SandboxAccount, message: PrivateMessage): Api.Message {
  return new Api.Message({
    id: message.id,
    peerId: new Api.PeerUser({ userId: toLong(message.peerUserId) }),
    fromId: new Api.PeerUser({ userId: toLong(message.out ? owner.userId : message.peerUserId) }),
    date: message.date,
    message: message.text,
    out: message.out,
  });
}

/** The distinct authors of `messages`, as users for the response. */
export function messageUsers(world: SandboxWorld, viewer: SandboxAccount, userIds: Iterable<number | undefined>): Api.User[] {
  const seen = new Set<number>();
  const users: Api.User[] = [];
  for (const id of userIds) {
    if (id === undefined || seen.has(id)) continue;
    seen.add(id);
    const user = apiUserById(world, viewer, id);
    if (user) users.push(user);
  }
  return users;
}

/** What an admin of a sandbox chat may do; the creator may also add admins. */
export function adminRightsOf(creator: boolean) {
  return {
    changeInfo: true,
    deleteMessages: true,
    banUsers: true,
    inviteUsers: true,
    pinMessages: true,
    manageCall: true,
    other: true,
    addAdmins: creator,
  } as const;
}

function adminRights(creator: boolean): Api.ChatAdminRights {
  return new Api.ChatAdminRights(adminRightsOf(creator));
}

/** When pool user n joined a chat: (n mod 365) days before the world started (0: the day it started). */
export function poolJoinDate(world: SandboxWorld, n: number): number {
  return Math.floor(world.startedAt / 1000) - (n % 365) * 86_400;
}

export function channelParticipant(
  world: SandboxWorld,
  viewer: SandboxAccount,
  chat: ChatState,
  entry: MemberEntry,
): Api.TypeChannelParticipant {
  const creatorN = chat.admins[0] ?? chat.def.members.from;
  const creatorId = toLong(POOL_ID_BASE + creatorN);
  if (entry.kind === 'account') {
    const date = chat.members.get(entry.account.phone.replace(/\D/g, '')) ?? world.nowSeconds();
    const userId = toLong(entry.account.userId);
    return entry.account === viewer
      ? new Api.ChannelParticipantSelf({ userId, inviterId: creatorId, date })
      : new Api.ChannelParticipant({ userId, date });
  }
  const userId = toLong(POOL_ID_BASE + entry.n);
  if (entry.n === creatorN) return new Api.ChannelParticipantCreator({ userId, adminRights: adminRights(true) });
  if (chat.adminSet.has(entry.n)) {
    return new Api.ChannelParticipantAdmin({
      userId,
      promotedBy: creatorId,
      date: poolJoinDate(world, entry.n),
      adminRights: adminRights(false),
    });
  }
  return new Api.ChannelParticipant({ userId, date: poolJoinDate(world, entry.n) });
}

export function chatParticipant(world: SandboxWorld, chat: ChatState, entry: MemberEntry): Api.TypeChatParticipant {
  const creatorN = chat.admins[0] ?? chat.def.members.from;
  const inviterId = toLong(POOL_ID_BASE + creatorN);
  if (entry.kind === 'account') {
    const date = chat.members.get(entry.account.phone.replace(/\D/g, '')) ?? world.nowSeconds();
    return new Api.ChatParticipant({ userId: toLong(entry.account.userId), inviterId, date });
  }
  const userId = toLong(POOL_ID_BASE + entry.n);
  if (entry.n === creatorN) return new Api.ChatParticipantCreator({ userId });
  const date = poolJoinDate(world, entry.n);
  if (chat.adminSet.has(entry.n)) return new Api.ChatParticipantAdmin({ userId, inviterId, date });
  return new Api.ChatParticipant({ userId, inviterId, date });
}

export function entryApiUser(world: SandboxWorld, viewer: SandboxAccount, entry: MemberEntry): Api.User {
  return entry.kind === 'pool' ? poolApiUser(world, viewer, entry.n) : accountApiUser(viewer, entry.account);
}
