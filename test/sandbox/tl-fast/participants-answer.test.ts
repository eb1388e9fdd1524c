import { Api } from 'telegram';
import { describe, expect, it } from 'vitest';
import { listMembers } from '../../../src/sandbox/member-list.js';
import { participantsAnswer } from '../../../src/sandbox/tl-fast/participants-answer.js';
import { channelParticipant, entryApiUser } from '../../../src/sandbox/tl-objects.js';
import { encodeResult } from '../../../src/sandbox/tl-wire.js';
import { parseWorld } from '../../../src/sandbox/world-file.js';
import { createWorld, type SandboxAccount, type ChatState } from '../../../src/sandbox/world.js';
import { plain } from './gramjs.js';

function setup() {
  const world = createWorld(
    parseWorld({
      participantsCap: 1000,
      accounts: [
        { phone: '+15550000001', userId: 7_000_001, firstName: 'Alpha', code: '11111', authorized: true },
        { phone: '+15550000002', userId: 7_000_002, firstName: 'Bravo', code: '22222', authorized: true },
      ],
      chats: [{ id: 1, kind: 'supergroup', username: 'somechat', title: 'Chat', members: { from: 1, count: 500 }, admins: [3, 1] }],
    }),
    { now: () => 1_750_000_000_000, startTimeline: false },
  );
  const chat = world.chat(1) as ChatState;
  const [alpha, bravo] = world.accounts() as [SandboxAccount, SandboxAccount];
  world.join(bravo, chat);
  world.join(alpha, chat);
  const page = listMembers(world, chat, { kind: 'recent' }, 0, 200);
  const reference = new Api.channels.ChannelParticipants({
    count: page.count,
    participants: page.entries.map((e) => channelParticipant(world, alpha, chat, e)),
    chats: [],
    users: page.entries.map((e) => entryApiUser(world, alpha, e)),
  });
  return { answer: participantsAnswer(world, alpha, chat, page), reference };
}

describe('participantsAnswer', () => {
  it('serialises to the bytes GramJS writes for the same answer', () => {
    const { answer, reference } = setup();
    expect(answer).toBeInstanceOf(Api.channels.ChannelParticipants);
    expect(encodeResult(answer).toString('hex')).toBe(reference.getBytes().toString('hex'));
  });

  it('builds the GramJS participants and users when they are read', () => {
    const { answer, reference } = setup();
    expect(answer.count).toBe(reference.count);
    expect(plain(answer.participants)).toEqual(plain(reference.participants));
    expect(plain(answer.users)).toEqual(plain(reference.users));
    expect(answer.users).toBe(answer.users);
    expect(answer.getBytes().toString('hex')).toBe(reference.getBytes().toString('hex'));
  });

  it('shows its lists in JSON as GramJS objects do', () => {
    const { answer, reference } = setup();
    expect(JSON.parse(JSON.stringify(answer))).toEqual(JSON.parse(JSON.stringify(reference)));
  });

  it('serialises what it holds once its fields were changed', () => {
    const { answer } = setup();
    answer.users = answer.users.slice(0, 2);
    answer.participants = answer.participants.slice(0, 2);
    answer.count = 2;
    const changed = new Api.channels.ChannelParticipants({ count: 2, participants: answer.participants, chats: [], users: answer.users });
    expect(answer.getBytes().toString('hex')).toBe(changed.getBytes().toString('hex'));
  });
});
