import bigInt from 'big-integer';
import { Api } from 'telegram';
import { describe, expect, it } from 'vitest';
import { lastSeenOf, listedMembers, membershipOf, toMember } from '../../../src/engine/operations/member-records.js';

const user = (id: number, fields: Partial<ConstructorParameters<typeof Api.User>[0]> = {}) =>
  new Api.User({ id: bigInt(id), accessHash: bigInt('-5000000000000000001'), firstName: `F${id}`, ...fields });

describe('lastSeenOf', () => {
  it('does map every UserStatus to its class, with the times Telegram gives', () => {
    const at = 1_700_000_000_000;
    expect(lastSeenOf(new Api.UserStatusOnline({ expires: 1 }), at)).toEqual({ status: 'online', wasOnlineAt: at });
    expect(lastSeenOf(new Api.UserStatusOffline({ wasOnline: 1_600_000_000 }), at)).toEqual({ status: 'offline', wasOnlineAt: 1_600_000_000_000 });
    expect(lastSeenOf(new Api.UserStatusRecently({}), at)).toEqual({ status: 'recently' });
    expect(lastSeenOf(new Api.UserStatusLastWeek({}), at)).toEqual({ status: 'last_week' });
    expect(lastSeenOf(new Api.UserStatusLastMonth({}), at)).toEqual({ status: 'last_month' });
    expect(lastSeenOf(new Api.UserStatusEmpty(), at)).toEqual({ status: 'long_ago' });
    expect(lastSeenOf(undefined, at)).toEqual({ status: 'long_ago' });
  });
});

describe('toMember', () => {
  it('does record the flags, phone, language, status and access hash of a full user', () => {
    const member = toMember(
      user(5, { username: 'five', phone: '99900000013', verified: true, scam: true, fake: true, deleted: false, premium: true, langCode: 'de', status: new Api.UserStatusLastWeek({}) }),
      1,
    );
    expect(member).toEqual({
      id: 5,
      username: 'five',
      firstName: 'F5',
      lastName: null,
      isBot: false,
      isPremium: true,
      isVerified: true,
      isScam: true,
      isFake: true,
      isDeleted: false,
      phone: '99900000013',
      langCode: 'de',
      lastSeen: { status: 'last_week' },
      accessHash: '-5000000000000000001',
    });
  });

  it('does take the first of several usernames and clear what a full user lacks', () => {
    const member = toMember(user(6, { usernames: [new Api.Username({ username: 'collectible', active: true })] }), 1);
    expect(member).toMatchObject({ username: 'collectible', phone: null, langCode: null, lastSeen: { status: 'long_ago' } });
  });

  it('does leave the last seen of a bot without a status unknown', () => {
    expect(toMember(user(8, { bot: true, botInfoVersion: 1 }), 1).lastSeen).toBeUndefined();
    expect(toMember(user(8, { bot: true, botInfoVersion: 1, status: new Api.UserStatusRecently({}) }), 1).lastSeen).toEqual({ status: 'recently' });
  });

  it('does leave unknown what a min user does not carry, and keeps its access hash out', () => {
    const member = toMember(user(7, { min: true }), 1);
    expect(member).not.toHaveProperty('username');
    expect(member).not.toHaveProperty('lastSeen');
    expect(member).not.toHaveProperty('phone');
    expect(member).not.toHaveProperty('accessHash');
    expect(member.firstName).toBe('F7');
  });
});

describe('membershipOf', () => {
  it('does give each participant kind its role and join date', () => {
    const rights = new Api.ChatAdminRights({});
    const id = bigInt(1);
    expect(membershipOf(new Api.ChannelParticipantCreator({ userId: id, adminRights: rights }))).toEqual({ role: 'creator', joinedAt: null });
    expect(membershipOf(new Api.ChannelParticipantAdmin({ userId: id, promotedBy: id, date: 10, adminRights: rights }))).toEqual({ role: 'admin', joinedAt: 10_000 });
    expect(membershipOf(new Api.ChannelParticipant({ userId: id, date: 20 }))).toEqual({ role: 'member', joinedAt: 20_000 });
    expect(membershipOf(new Api.ChannelParticipantSelf({ userId: id, inviterId: id, date: 30 }))).toEqual({ role: 'member', joinedAt: 30_000 });
    const banned = new Api.ChannelParticipantBanned({ peer: new Api.PeerUser({ userId: id }), kickedBy: id, date: 40, bannedRights: new Api.ChatBannedRights({ untilDate: 0 }) });
    expect(membershipOf(banned)).toEqual({ role: 'banned', joinedAt: 40_000 });
    expect(membershipOf(new Api.ChannelParticipantLeft({ peer: new Api.PeerUser({ userId: id }) }))).toEqual({ role: 'left', joinedAt: null });
    expect(membershipOf(new Api.ChatParticipantCreator({ userId: id }))).toEqual({ role: 'creator', joinedAt: null });
    expect(membershipOf(new Api.ChatParticipantAdmin({ userId: id, inviterId: id, date: 50 }))).toEqual({ role: 'admin', joinedAt: 50_000 });
    expect(membershipOf(new Api.ChatParticipant({ userId: id, inviterId: id, date: 60 }))).toEqual({ role: 'member', joinedAt: 60_000 });
  });
});

describe('listedMembers', () => {
  it('does pair each listed participant with its user, once, leaving out inviters and chats', () => {
    const participants = [
      new Api.ChannelParticipant({ userId: bigInt(2), date: 1 }),
      new Api.ChannelParticipantAdmin({ userId: bigInt(3), promotedBy: bigInt(9), date: 2, adminRights: new Api.ChatAdminRights({}) }),
      new Api.ChannelParticipant({ userId: bigInt(2), date: 1 }),
      new Api.ChannelParticipantBanned({
        peer: new Api.PeerChannel({ channelId: bigInt(4) }),
        kickedBy: bigInt(9),
        date: 3,
        bannedRights: new Api.ChatBannedRights({ untilDate: 0 }),
      }),
    ];
    const rows = listedMembers(participants, [user(9), user(3), user(2)], 1);
    expect(rows.map((r) => [r.id, r.role, r.joinedAt])).toEqual([
      [2, 'member', 1_000],
      [3, 'admin', 2_000],
    ]);
  });
});
