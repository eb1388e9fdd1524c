import { Api } from 'telegram';
import type { LastSeen, MemberInput, MemberRole } from '../../db/repositories/members.js';

/**
 * What the members repository stores of the TL objects a scrape reads: users (from member lists,
 * searches and message authors) and the participant objects of member lists.
 */

/**
 * A user's last-seen status read at `seenAt` (https://core.telegram.org/type/UserStatus). No status at
 * all and userStatusEmpty both mean "last seen a long time ago": Telegram sends no status for them.
 */
export function lastSeenOf(status: Api.TypeUserStatus | undefined, seenAt: number): LastSeen {
  if (status instanceof Api.UserStatusOnline) return { status: 'online', wasOnlineAt: seenAt };
  if (status instanceof Api.UserStatusOffline) return { status: 'offline', wasOnlineAt: status.wasOnline * 1000 };
  if (status instanceof Api.UserStatusRecently) return { status: 'recently' };
  if (status instanceof Api.UserStatusLastWeek) return { status: 'last_week' };
  if (status instanceof Api.UserStatusLastMonth) return { status: 'last_month' };
  return { status: 'long_ago' };
}

/**
 * `Api.User` → what the members repository stores. A `min` user (https://core.telegram.org/api/min)
 * comes with only part of its fields and an access hash that addresses nothing: what it lacks stays
 * unknown rather than cleared.
 */
export function toMember(user: Api.User, seenAt: number): MemberInput {
  const username = user.username ?? user.usernames?.[0]?.username ?? null;
  if (user.min) {
    return {
      id: user.id.toJSNumber(),
      firstName: user.firstName ?? null,
      lastName: user.lastName ?? null,
      isBot: Boolean(user.bot),
      isPremium: Boolean(user.premium),
      isVerified: Boolean(user.verified),
      isScam: Boolean(user.scam),
      isFake: Boolean(user.fake),
      isDeleted: Boolean(user.deleted),
      ...(username !== null ? { username } : {}),
      ...(user.phone ? { phone: user.phone } : {}),
      ...(user.status ? { lastSeen: lastSeenOf(user.status, seenAt) } : {}),
    };
  }
  // One object literal of one shape: this runs for every member of every page (bench: page.map).
  return {
    id: user.id.toJSNumber(),
    username,
    firstName: user.firstName ?? null,
    lastName: user.lastName ?? null,
    isBot: Boolean(user.bot),
    isPremium: Boolean(user.premium),
    isVerified: Boolean(user.verified),
    isScam: Boolean(user.scam),
    isFake: Boolean(user.fake),
    isDeleted: Boolean(user.deleted),
    phone: user.phone || null,
    langCode: user.langCode ?? null,
    // Bots have no last seen on Telegram: no status there says nothing of when a bot last ran.
    lastSeen: user.bot && !user.status ? undefined : lastSeenOf(user.status, seenAt),
    accessHash: user.accessHash?.toString(),
  };
}

/** A member list's say on a member: the role and when they joined (epoch ms, null when none is given). */
export interface Membership {
  readonly role: MemberRole;
  readonly joinedAt: number | null;
}

/**
 * https://core.telegram.org/type/ChannelParticipant and https://core.telegram.org/type/ChatParticipant:
 * the creator has no join date; a banned (kicked) member's date is when they were banned.
 */
export function membershipOf(p: Api.TypeChannelParticipant | Api.TypeChatParticipant): Membership {
  if (p instanceof Api.ChannelParticipantCreator || p instanceof Api.ChatParticipantCreator) return { role: 'creator', joinedAt: null };
  if (p instanceof Api.ChannelParticipantAdmin || p instanceof Api.ChatParticipantAdmin) return { role: 'admin', joinedAt: p.date * 1000 };
  if (p instanceof Api.ChannelParticipantBanned) return { role: 'banned', joinedAt: p.date * 1000 };
  if (p instanceof Api.ChannelParticipantLeft) return { role: 'left', joinedAt: null };
  return { role: 'member', joinedAt: p.date * 1000 };
}

/** The user id a participant object is about, or undefined when it is about a chat (a banned channel). */
export function participantUserId(p: Api.TypeChannelParticipant | Api.TypeChatParticipant): number | undefined {
  if ('userId' in p) return p.userId.toJSNumber();
  if ('peer' in p && p.peer instanceof Api.PeerUser) return p.peer.userId.toJSNumber();
  return undefined;
}

/**
 * The listed members of a participants answer, each user with its participant object's role and date
 * (the users array may also hold inviters and promoters, who are not listed). User ids stay below 2^53
 * (https://core.telegram.org/api/bots/ids: at most 52 significant bits), so they key as plain numbers.
 */
export function listedMembers(
  participants: readonly (Api.TypeChannelParticipant | Api.TypeChatParticipant)[],
  users: readonly Api.TypeUser[],
  seenAt: number,
): MemberInput[] {
  const byId = new Map<number, Api.User>();
  for (const u of users) if (u instanceof Api.User) byId.set(u.id.toJSNumber(), u);
  const out: MemberInput[] = [];
  for (const p of participants) {
    const id = participantUserId(p);
    if (id === undefined) continue;
    const user = byId.get(id);
    if (!user) continue;
    // Taken out so that a participant listed twice is stored once.
    byId.delete(id);
    const member = toMember(user, seenAt) as { -readonly [K in keyof MemberInput]: MemberInput[K] };
    const { role, joinedAt } = membershipOf(p);
    member.role = role;
    member.joinedAt = joinedAt;
    out.push(member);
  }
  return out;
}
