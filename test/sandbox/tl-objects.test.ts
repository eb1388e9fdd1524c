import { Api } from 'telegram';
import { describe, expect, it } from 'vitest';
import { POOL_ID_BASE } from '../../src/sandbox/pool.js';
import { channelParticipant, chatParticipant, poolApiUser, poolJoinDate } from '../../src/sandbox/tl-objects.js';
import { parseWorld } from '../../src/sandbox/world-file.js';
import { createWorld, type ChatState, type SandboxAccount } from '../../src/sandbox/world.js';

const START_MS = 1_750_000_000_900;
const START = 1_750_000_000;
const DAY = 86_400;

/** A supergroup of users 360..460 whose admins are 400 (the creator), 365 and 13; a basic group of 1..20 with default admins. */
function world(nowMs: () => number = () => START_MS) {
  const w = createWorld(
    parseWorld({
      accounts: [{ phone: '+15550000001', userId: 7_000_001, firstName: 'Alpha', code: '11111', authorized: true }],
      chats: [
        { id: 1, kind: 'supergroup', username: 'somechat', title: 'Chat', members: { from: 360, count: 100 }, admins: [400, 365, 13] },
        { id: 2, kind: 'group', title: 'Group', members: { from: 1, count: 20 } },
      ],
    }),
    { now: nowMs, startTimeline: false },
  );
  return { w, viewer: w.accounts()[0] as SandboxAccount, chat: w.chat(1) as ChatState, group: w.chat(2) as ChatState };
}

describe('poolApiUser', () => {
  it('does carry the last-seen status as of the moment it is served', () => {
    let nowMs = START_MS;
    const { w, viewer } = world(() => nowMs);
    nowMs += 3_600_000;
    const status = (n: number) => poolApiUser(w, viewer, n).status;
    expect(status(6)).toEqual(new Api.UserStatusOnline({ expires: START + 3_600 + 300 }));
    expect(status(1)).toEqual(new Api.UserStatusOffline({ wasOnline: START - DAY - 3_600 }));
    expect(status(2)).toBeInstanceOf(Api.UserStatusRecently);
    expect(status(3)).toBeInstanceOf(Api.UserStatusLastWeek);
    expect(status(4)).toBeInstanceOf(Api.UserStatusLastMonth);
    expect(status(5)).toBeUndefined();
  });

  it('does carry the phone of multiples of 13 and the verified, scam and fake flags', () => {
    const { w, viewer } = world();
    expect(poolApiUser(w, viewer, 13)).toMatchObject({ phone: '99900000013', verified: false, scam: false, fake: false });
    expect(poolApiUser(w, viewer, 14).phone).toBeUndefined();
    expect(poolApiUser(w, viewer, 1000)).toMatchObject({ verified: true, phone: undefined });
    expect(poolApiUser(w, viewer, 997).scam).toBe(true);
    expect(poolApiUser(w, viewer, 991).fake).toBe(true);
    // Telegram sends lang_code only for bots to themselves; nobody in the pool is deleted.
    const bot = poolApiUser(w, viewer, 50);
    expect(bot).toMatchObject({ bot: true, langCode: undefined });
    expect(bot.deleted).toBeFalsy();
  });
});

describe('channelParticipant', () => {
  it('does make the first admin the creator, with no join date, and the other admins admins', () => {
    const { w, viewer, chat } = world();
    const of = (n: number) => channelParticipant(w, viewer, chat, { kind: 'pool', n });
    const creator = of(400);
    expect(creator).toBeInstanceOf(Api.ChannelParticipantCreator);
    expect('date' in creator).toBe(false);
    const admin = of(365) as Api.ChannelParticipantAdmin;
    expect(admin).toBeInstanceOf(Api.ChannelParticipantAdmin);
    expect(admin.promotedBy.toJSNumber()).toBe(POOL_ID_BASE + 400);
    expect(admin.date).toBe(START);
    // An admin from outside the member range is an admin too.
    expect(of(13)).toBeInstanceOf(Api.ChannelParticipantAdmin);
    const member = of(370);
    expect(member).toBeInstanceOf(Api.ChannelParticipant);
    expect((member as Api.ChannelParticipant).date).toBe(START - 5 * DAY);
  });

  it('does date every member (n mod 365) days before the sandbox started', () => {
    const { w } = world();
    expect(poolJoinDate(w, 1)).toBe(START - DAY);
    expect(poolJoinDate(w, 364)).toBe(START - 364 * DAY);
    expect(poolJoinDate(w, 365)).toBe(START);
    expect(poolJoinDate(w, 366)).toBe(START - DAY);
  });

  it('does date a sandbox account by when it joined', () => {
    let nowMs = START_MS;
    const { w, viewer, chat } = world(() => nowMs);
    nowMs += 10_000;
    w.join(viewer, chat);
    expect(channelParticipant(w, viewer, chat, { kind: 'account', account: viewer })).toMatchObject({ className: 'ChannelParticipantSelf', date: START + 10 });
  });
});

describe('chatParticipant', () => {
  it('does give a basic group its creator (the first member by default) and dated members', () => {
    const { w, group } = world();
    expect(chatParticipant(w, group, { kind: 'pool', n: 1 })).toBeInstanceOf(Api.ChatParticipantCreator);
    const member = chatParticipant(w, group, { kind: 'pool', n: 7 }) as Api.ChatParticipant;
    expect(member).toBeInstanceOf(Api.ChatParticipant);
    expect(member.date).toBe(START - 7 * DAY);
    expect(member.inviterId.toJSNumber()).toBe(POOL_ID_BASE + 1);
  });
});
