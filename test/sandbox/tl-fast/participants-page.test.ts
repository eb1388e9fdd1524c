import fc from 'fast-check';
import { Api } from 'telegram';
import { describe, expect, it } from 'vitest';
import { listMembers, type MemberEntry, type MemberFilter, type MemberPage } from '../../../src/sandbox/member-list.js';
import { participantsPageBytes } from '../../../src/sandbox/tl-fast/participants-page.js';
import { toLong } from '../../../src/sandbox/tl-long.js';
import { channelParticipant, entryApiUser } from '../../../src/sandbox/tl-objects.js';
import { readResult } from '../../../src/sandbox/tl-wire.js';
import { parseWorld, type WorldInput } from '../../../src/sandbox/world-file.js';
import { createWorld, type SandboxAccount, type ChatState, type SandboxWorld } from '../../../src/sandbox/world.js';
import { anyText, plain } from './gramjs.js';

/** The answer as the route built it before the fast path: GramJS objects from tl-objects.ts. */
function gramJsAnswer(world: SandboxWorld, viewer: SandboxAccount, chat: ChatState, page: MemberPage): Api.channels.ChannelParticipants {
  return new Api.channels.ChannelParticipants({
    count: page.count,
    participants: page.entries.map((e) => channelParticipant(world, viewer, chat, e)),
    chats: [],
    users: page.entries.map((e) => entryApiUser(world, viewer, e)),
  });
}

interface Scenario {
  readonly world: SandboxWorld;
  readonly viewer: SandboxAccount;
  readonly chat: ChatState;
  readonly page: MemberPage;
}

const POOL_TOP = 2_000_000;

interface AccountSpec {
  readonly firstName: string;
  readonly lastName: string | undefined;
  readonly idBase: number;
  /** Joins the chat this long after the previous join, or not at all. */
  readonly joinAfterSeconds: number | undefined;
}

interface ScenarioSpec {
  readonly startSeconds: number;
  readonly cap: number;
  readonly kind: 'supergroup' | 'channel';
  readonly from: number;
  readonly count: number;
  readonly adminOffsets: number[] | undefined;
  readonly membersHidden: boolean;
  readonly accounts: AccountSpec[];
  readonly viewer: number;
  readonly filter: MemberFilter;
  readonly offset: number;
  readonly limit: number;
  /** How long after the last join the page is served: online statuses expire relative to then. */
  readonly serveAfterSeconds: number;
}

/**
 * Random worlds, one chat each, some accounts joined at different times, and one page of one listing as
 * one account sees it. Specs rather than worlds, so that a counterexample prints the inputs.
 */
function anyScenario(options: { wellFormed?: boolean } = {}): fc.Arbitrary<ScenarioSpec> {
  const name = anyText(options).filter((s) => s.length > 0);
  const account: fc.Arbitrary<AccountSpec> = fc.record({
    firstName: name,
    lastName: fc.option(name, { nil: undefined }),
    // Small, large and past-2^32 user ids, outside the pool's id range.
    idBase: fc.constantFrom(7_000_000, 2 ** 40, Number.MAX_SAFE_INTEGER - 100),
    joinAfterSeconds: fc.option(fc.integer({ min: 0, max: 86_400 * 30 }), { nil: undefined, freq: 4 }),
  });
  const filter: fc.Arbitrary<MemberFilter> = fc.oneof(
    { weight: 4, arbitrary: fc.constant({ kind: 'recent' } as const) },
    fc.constant({ kind: 'admins' } as const),
    fc.constant({ kind: 'bots' } as const),
    { weight: 2, arbitrary: fc.constantFrom('', 'first1', 'last2', 'user3', 'a', 'first').map((q) => ({ kind: 'search', q }) as const) },
  );
  return fc.record({
    startSeconds: fc.integer({ min: 1_000_000_000, max: 2_000_000_000 }),
    cap: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 200, max: 3000 }) }, fc.integer({ min: 1, max: 200 })),
    kind: fc.constantFrom('supergroup' as const, 'channel' as const),
    // Anywhere in the pool, or just before the users with the rarer attributes: verified (multiples of
    // 1000), scam (997), fake (991), so that pages hold them.
    from: fc.oneof(
      { weight: 3, arbitrary: fc.integer({ min: 1, max: POOL_TOP }) },
      fc.tuple(fc.constantFrom(991, 997, 1000), fc.integer({ min: 1, max: 2000 }), fc.nat(150)).map(([m, k, back]) => Math.max(1, m * k - back)),
    ),
    count: fc.oneof(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 300 })),
    // Mostly among the first members, so that they show on the pages listed.
    adminOffsets: fc.option(fc.array(fc.oneof({ weight: 3, arbitrary: fc.nat(250) }, fc.nat(3000)), { minLength: 1, maxLength: 6 }), {
      nil: undefined,
      freq: 2,
    }),
    membersHidden: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, fc.constant(true)),
    accounts: fc.array(account, { minLength: 1, maxLength: 4 }),
    viewer: fc.nat(),
    filter,
    offset: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, fc.nat(20), fc.nat(3200)),
    limit: fc.oneof({ weight: 3, arbitrary: fc.constant(200) }, fc.nat(200)),
    serveAfterSeconds: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 86_400 * 400 })),
  });
}

function buildScenario(s: ScenarioSpec): Scenario {
  const input: WorldInput = {
    participantsCap: s.cap,
    accounts: s.accounts.map((a, i) => ({
      phone: `+1555000${String(i).padStart(4, '0')}`,
      userId: a.idBase + i,
      firstName: a.firstName,
      lastName: a.lastName,
      code: '11111',
      authorized: true,
    })),
    chats: [
      {
        id: 4242,
        kind: s.kind,
        username: 'somechat',
        title: 'Some chat',
        members: { from: s.from, count: s.count },
        membersHidden: s.membersHidden,
        admins: s.adminOffsets?.map((o) => s.from + o),
      },
    ],
  };
  let nowMs = s.startSeconds * 1000;
  const world = createWorld(parseWorld(input), { now: () => nowMs, startTimeline: false });
  const chat = world.chat(4242) as ChatState;
  const accounts = world.accounts();
  s.accounts.forEach((a, i) => {
    if (a.joinAfterSeconds === undefined) return;
    nowMs += a.joinAfterSeconds * 1000;
    world.join(accounts[i] as SandboxAccount, chat);
  });
  const viewer = accounts[s.viewer % accounts.length] as SandboxAccount;
  nowMs += s.serveAfterSeconds * 1000;
  return { world, viewer, chat, page: listMembers(world, chat, s.filter, s.offset, s.limit) };
}

const hex = (b: Buffer | undefined): string | undefined => b?.toString('hex');

describe('participantsPageBytes', () => {
  it('writes byte for byte what GramJS writes for the objects the server builds', () => {
    fc.assert(
      fc.property(anyScenario(), (spec) => {
        const { world, viewer, chat, page } = buildScenario(spec);
        expect(hex(participantsPageBytes(world, viewer, chat, page))).toBe(hex(gramJsAnswer(world, viewer, chat, page).getBytes()));
      }),
      { numRuns: 150 },
    );
  });

  it('writes answers that GramJS reads back as the objects the server builds', () => {
    fc.assert(
      fc.property(anyScenario({ wellFormed: true }), (spec) => {
        const { world, viewer, chat, page } = buildScenario(spec);
        const request = new Api.channels.GetParticipants({
          channel: new Api.InputChannel({ channelId: toLong(chat.id), accessHash: toLong(0) }),
          filter: new Api.ChannelParticipantsRecent(),
          offset: 0,
          limit: 200,
          hash: toLong(0),
        });
        const decoded = readResult(request, participantsPageBytes(world, viewer, chat, page) as Buffer);
        expect(decoded).toBeInstanceOf(Api.channels.ChannelParticipants);
        expect(plain(decoded)).toEqual(plain(gramJsAnswer(world, viewer, chat, page)));
      }),
      { numRuns: 100 },
    );
  });

  it('covers every kind of participant and user a listing holds', () => {
    // A chat whose page has the creator, an admin, plain members, a bot, a user without username, and two
    // accounts: the viewer (self, with phone) and another one.
    const world = createWorld(
      parseWorld({
        participantsCap: 1000,
        accounts: [
          { phone: '+15550000001', userId: 7_000_001, firstName: 'Alpha', code: '11111', authorized: true },
          { phone: '+15550000002', userId: 7_000_002, firstName: 'Bravo', lastName: 'B', code: '22222', authorized: true },
        ],
        chats: [{ id: 1, kind: 'supergroup', username: 'somechat', title: 'Chat', members: { from: 48, count: 100 }, admins: [49, 48] }],
      }),
      { now: () => 1_750_000_000_000, startTimeline: false },
    );
    const chat = world.chat(1) as ChatState;
    const [alpha, bravo] = world.accounts() as [SandboxAccount, SandboxAccount];
    world.join(alpha, chat);
    world.join(bravo, chat);
    const page = listMembers(world, chat, { kind: 'recent' }, 0, 10);
    const answer = gramJsAnswer(world, alpha, chat, page);
    expect(new Set(answer.participants.map((p) => p.className))).toEqual(
      new Set(['ChannelParticipant', 'ChannelParticipantSelf', 'ChannelParticipantAdmin', 'ChannelParticipantCreator']),
    );
    const users = answer.users as Api.User[];
    expect(users.some((u) => u.self && u.phone === '15550000001')).toBe(true);
    expect(users.some((u) => u.bot && u.botInfoVersion === 1)).toBe(true);
    expect(users.some((u) => u.premium)).toBe(true);
    expect(users.some((u) => !u.self && u.username === undefined)).toBe(true);
    expect(hex(participantsPageBytes(world, alpha, chat, page))).toBe(hex(answer.getBytes()));
  });

  it('covers every pool attribute: each last-seen class, phones, verified, scam and fake', () => {
    // Users 988..1001: 988 and 1001 are multiples of 13, 991 fake, 997 scam, 1000 verified; every n mod 6.
    const startMs = 1_750_000_000_000;
    let nowMs = startMs;
    const world = createWorld(
      parseWorld({
        accounts: [{ phone: '+15550000001', userId: 7_000_001, firstName: 'Alpha', code: '11111', authorized: true }],
        chats: [{ id: 1, kind: 'supergroup', username: 'somechat', title: 'Chat', members: { from: 988, count: 14 } }],
      }),
      { now: () => nowMs, startTimeline: false },
    );
    nowMs += 90_000;
    const chat = world.chat(1) as ChatState;
    const alpha = world.accounts()[0] as SandboxAccount;
    const page = listMembers(world, chat, { kind: 'recent' }, 0, 200);
    const answer = gramJsAnswer(world, alpha, chat, page);
    const users = answer.users as Api.User[];
    expect(users.map((u) => u.status?.className)).toEqual([
      'UserStatusLastMonth', // 988
      undefined, // 989: long ago
      'UserStatusOnline',
      'UserStatusOffline',
      'UserStatusRecently',
      'UserStatusLastWeek',
      'UserStatusLastMonth',
      undefined,
      'UserStatusOnline',
      'UserStatusOffline',
      'UserStatusRecently',
      'UserStatusLastWeek',
      'UserStatusLastMonth',
      undefined, // 1001
    ]);
    expect((users[2]?.status as Api.UserStatusOnline).expires).toBe(1_750_000_090 + 300);
    // 991: offline 1 day (991 mod 30) and 7 hours (991 mod 24) before the start.
    expect((users[3]?.status as Api.UserStatusOffline).wasOnline).toBe(1_750_000_000 - 86_400 - 7 * 3_600);
    expect(users.filter((u) => u.phone !== undefined).map((u) => u.phone)).toEqual(['99900000988', '99900001001']);
    expect(users.filter((u) => u.fake).map((u) => u.id.toJSNumber() - 10_000_000)).toEqual([991]);
    expect(users.filter((u) => u.scam).map((u) => u.id.toJSNumber() - 10_000_000)).toEqual([997]);
    expect(users.filter((u) => u.verified).map((u) => u.id.toJSNumber() - 10_000_000)).toEqual([1000]);
    expect(hex(participantsPageBytes(world, alpha, chat, page))).toBe(hex(answer.getBytes()));
  });

  it('leaves a page with an entry kind it does not know to GramJS', () => {
    const world = createWorld(parseWorld({ chats: [{ id: 1, kind: 'supergroup', title: 'Chat', members: { from: 1, count: 5 } }], accounts: [{ phone: '+15550000001', userId: 7_000_001, firstName: 'Alpha', code: '11111' }] }), {
      startTimeline: false,
    });
    const unknown = { kind: 'bogus' } as unknown as MemberEntry;
    const page: MemberPage = { count: 2, entries: [{ kind: 'pool', n: 1 }, unknown] };
    expect(participantsPageBytes(world, world.accounts()[0] as SandboxAccount, world.chat(1) as ChatState, page)).toBeUndefined();
  });
});
