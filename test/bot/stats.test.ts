import { afterEach, describe, expect, it } from 'vitest';
import { callbackData, parseCallbackData } from '../../src/bot/callback-data.js';
import { MAX_CAPTION_LENGTH } from '../../src/bot/features/stats.js';
import { createMembersRepository, LAST_SEEN_STATUSES, type MemberInput, type MembersRepository } from '../../src/db/repositories/members.js';
import { createBotHarness, type BotHarness } from './harness.js';

let h: BotHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * 60 members of @bigchat: last seen by i mod 6, a phone when i is a multiple of 13, a bot when a multiple
 * of 50, premium when a multiple of 7, no username when a multiple of 10, scam when a multiple of 25; the
 * creator and one admin; 1–40 from the member list, 41–50 by search, 51–60 as message authors.
 */
function seed(members: MembersRepository, title = 'Big chat') {
  members.upsertChat({ id: 1001, kind: 'supergroup', username: 'bigchat', title });
  const user = (i: number): MemberInput => ({
    id: 10_000_000 + i,
    username: i % 10 === 0 ? null : `user${i}`,
    firstName: `First${i}`,
    lastName: `Last${i}`,
    isBot: i % 50 === 0,
    isPremium: i % 7 === 0,
    isVerified: false,
    isScam: i % 25 === 0,
    isFake: false,
    isDeleted: false,
    phone: i % 13 === 0 ? `999${String(i).padStart(8, '0')}` : null,
    lastSeen: { status: LAST_SEEN_STATUSES[i % 6]!, wasOnlineAt: i % 6 === 1 ? 1_700_000_000_000 : null },
    ...(i <= 50 ? { role: i === 1 ? 'creator' : i === 2 ? 'admin' : 'member', joinedAt: i === 1 ? null : 1_690_000_000_000 } : {}),
  });
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => user(from + k));
  members.storeMembers(1001, range(1, 40), { source: 'participants', via: 'list' });
  members.storeMembers(1001, range(41, 50), { source: 'participants', via: 'search' });
  members.storeMembers(1001, range(51, 60), { source: 'messages' });
}

const EXPECTED = [
  '📊 Big chat (@bigchat): 60 stored members',
  '',
  'Last seen:',
  'Online: 10 (16%)',
  'Offline: 10 (16%)',
  'Recently: 10 (16%)',
  'Last week: 10 (16%)',
  'Last month: 10 (16%)',
  'Long ago: 10 (16%)',
  'Unknown: 0',
  '',
  'With a username: 54 (90%)',
  'With a phone: 4 (6%)',
  'Premium: 8 (13%)',
  'Bots: 1 (1%)',
  'Admins: 2 (3%)',
  'Scam or fake: 2 (3%)',
  '',
  'How they were found:',
  'Member list: 40 (66%)',
  'Search past the cap: 10 (16%)',
  'Message authors: 10 (16%)',
].join('\n');

describe('/stats', () => {
  it('answers one photo: the chart, with the counts as its caption', async () => {
    h = await createBotHarness();
    seed(createMembersRepository(h.db));
    await h.send('/stats @bigchat');
    const photos = h.of('sendPhoto');
    expect(photos).toHaveLength(1);
    expect(photos[0]?.payload.caption).toBe(EXPECTED);
    const photo = photos[0]?.files.photo;
    expect(photo?.filename).toBe('stats-bigchat.png');
    expect(photo?.bytes.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(h.texts()).toEqual([]);
  });

  it('takes the chat in any target form, and the Stats button of a finished scrape sends the same', async () => {
    h = await createBotHarness();
    seed(createMembersRepository(h.db));
    await h.send('/stats https://t.me/bigchat');
    await h.press('sx:1001');
    expect(h.of('answerCallbackQuery')[0]?.payload.text).toBe('Drawing the stats…');
    expect(h.of('sendPhoto').map((c) => c.payload.caption)).toEqual([EXPECTED, EXPECTED]);
  });

  it('sends the photo, then the text, when the text is too long for a caption', async () => {
    h = await createBotHarness();
    const title = 'A chat with a very long title '.repeat(35).trim();
    seed(createMembersRepository(h.db), title);
    await h.send('/stats @bigchat');
    const [photo] = h.of('sendPhoto');
    expect(photo?.payload.caption).toBeUndefined();
    const [text] = h.texts();
    expect(text?.length).toBeGreaterThan(MAX_CAPTION_LENGTH);
    expect(text).toBe(EXPECTED.replace('Big chat', title));
    expect(h.calls.filter((c) => c.method === 'sendPhoto' || c.method === 'sendMessage').map((c) => c.method)).toEqual(['sendPhoto', 'sendMessage']);
  });

  it.each([
    ['/stats', 'Name the chat, like /stats @somechat.'],
    ['/stats @bigchat @other', '/stats takes one chat and nothing else, like /stats @somechat.'],
    ['/stats @bigchat --format png', '/stats takes one chat and nothing else, like /stats @somechat.'],
    ['/stats --bigchat', '/stats takes one chat and nothing else, like /stats @somechat.'],
    ['/stats https://example.com/x', '"https://example.com/x" is not a chat: use @username, https://t.me/name or an invite link like t.me/+AbCdEf123.'],
    ['/stats "@bigchat', 'A quote is not closed: add the closing " after "@bigchat".'],
    ['/stats @nochatstored', 'Nothing is stored for @nochatstored yet: scrape it first with /scrape @nochatstored.'],
    ['/stats @emptychat', 'Empty chat has no stored members yet: scrape it first with /scrape @emptychat.'],
  ])('answers %j in plain words, changing nothing', async (input, answer) => {
    h = await createBotHarness();
    const members = createMembersRepository(h.db);
    seed(members);
    members.upsertChat({ id: 2002, kind: 'supergroup', username: 'emptychat', title: 'Empty chat' });
    const before = JSON.stringify([members.listChats(), [...members.iterateMembers(1001)]]);
    await h.send(input);
    expect(h.texts()).toEqual([answer]);
    expect(h.of('sendPhoto')).toEqual([]);
    expect(JSON.stringify([members.listChats(), [...members.iterateMembers(1001)]])).toBe(before);
  });

  it('answers a Stats button of a chat no longer stored', async () => {
    h = await createBotHarness();
    await h.press('sx:1001');
    expect(h.calls.map((c) => [c.method, c.payload.text])).toEqual([['answerCallbackQuery', 'No members of that chat are stored any more.']]);
  });

  it('reads only well-formed Stats button data', () => {
    expect(parseCallbackData(callbackData.chatStats(-1001234567890))).toEqual({ kind: 'stats', chatId: -1001234567890 });
    for (const forged of ['sx:0', 'sx:', 'sx:12:c', 'sx:99999999999999999', 'sx:abc']) expect(parseCallbackData(forged), forged).toBeUndefined();
  });
});
