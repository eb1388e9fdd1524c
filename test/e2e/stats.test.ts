import { describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { memberStatsText } from '../../src/bot/views/member-stats.js';
import { LAST_SEEN_STATUSES, type MemberStats } from '../../src/db/repositories/member-data.js';
import type { BotChatMessage } from '../../src/sandbox/bot-api/index.js';
import type { WorldInput } from '../../src/sandbox/index.js';
import { botApiOf, panelApps } from './panel-app.js';

const ADMIN = { id: 1, first_name: 'Admin' };
const CAP = 300;
// Pool users 300–999: the scam 997 and the fake 991 among them.
const CAPPED = { from: 300, count: 700 };
const AUTHORS = { from: 600, count: 250 };

const WORLD: WorldInput = {
  latencyMs: 1,
  participantsCap: CAP,
  accounts: [{ phone: '+15550000001', userId: 7_000_001, firstName: 'Ops', code: '11111', authorized: true }],
  chats: [
    // More members than a plain listing returns: search past the cap finds the rest.
    { id: 1001, kind: 'supergroup', username: 'cappedchat', title: 'Capped chat', members: CAPPED },
    {
      id: 2001,
      kind: 'supergroup',
      username: 'hiddenchat',
      title: 'Hidden chat',
      members: { from: 500, count: 3000 },
      membersHidden: true,
      messages: { count: 900, days: 10, authors: AUTHORS },
    },
  ],
};

const range = ({ from, count }: { from: number; count: number }) => Array.from({ length: count }, (_, i) => from + i);

/**
 * What /stats must count of pool users `ns`, from the world's rules alone (docs/sandbox.md, The user pool):
 * last seen by n mod 6, a phone when n is a multiple of 13, a bot when a multiple of 50, premium when a
 * multiple of 7, no username when a multiple of 10, scam when a multiple of 997, fake when one of 991.
 */
function poolStats(ns: readonly number[], byVia: MemberStats['byVia'], admins: number): MemberStats {
  const byStatus: Record<keyof MemberStats['byStatus'], number> = { online: 0, offline: 0, recently: 0, last_week: 0, last_month: 0, long_ago: 0, unknown: 0 };
  for (const n of ns) byStatus[LAST_SEEN_STATUSES[n % 6]!] += 1;
  const count = (test: (n: number) => boolean) => ns.filter(test).length;
  return {
    total: ns.length,
    byStatus,
    withUsername: count((n) => n % 10 !== 0),
    withPhone: count((n) => n % 13 === 0),
    premium: count((n) => n % 7 === 0),
    bots: count((n) => n % 50 === 0),
    admins,
    scamOrFake: count((n) => n % 997 === 0 || n % 991 === 0),
    byVia,
  };
}

const panels = panelApps('switchboard-stats-');

/** Scrapes a chat through the bot and returns its ✅ message. */
async function scrape(a: App, target: string): Promise<BotChatMessage> {
  const done = botApiOf(a).waitFor((m) => m.text?.startsWith(`✅ Scrape ${target}`) ?? false, 60_000);
  botApiOf(a).userSends(ADMIN, `/scrape ${target}`);
  return done;
}

/** Waits for the next photo the bot sends, and checks it is a PNG of the chart's size. */
async function nextPhoto(a: App, send: () => unknown): Promise<BotChatMessage> {
  const server = botApiOf(a);
  const photo = server.waitFor((m) => m.sender === 'bot' && m.photo !== undefined, 10_000);
  await send();
  const message = await photo;
  const size = message.photo?.at(-1);
  expect(size).toMatchObject({ width: 1000, height: 500 });
  const bytes = server.files.get(size?.file_id ?? '')?.bytes;
  expect(bytes?.subarray(1, 4).toString('latin1')).toBe('PNG');
  return message;
}

describe('Coverage and /stats, end to end', () => {
  it('tells the coverage of a chat whose list is capped, and /stats counts what the world holds', async () => {
    const a = await panels.start(WORLD);
    const capped = await scrape(a, '@cappedchat');
    expect(capped.text).toContain(
      `Found 700 of 700 members (100%).\n${CAP} from the member list, ${CAPPED.count - CAP} from search past Telegram's listing cap.`,
    );
    const stats = await nextPhoto(a, () => botApiOf(a).userSends(ADMIN, '/stats @cappedchat'));
    const expected = poolStats(range(CAPPED), { list: CAP, search: CAPPED.count - CAP, messages: 0 }, 1);
    expect(stats.caption).toBe(memberStatsText('Capped chat (@cappedchat)', expected));
    // The numbers spelled out once, so a rule wrong in both the world and the formulas above would show.
    expect(stats.caption).toContain('Online: 117 (16%)\nOffline: 117 (16%)\nRecently: 117 (16%)\nLast week: 117 (16%)\nLast month: 116 (16%)\nLong ago: 116 (16%)\nUnknown: 0');
    expect(stats.caption).toContain('With a username: 630 (90%)\nWith a phone: 53 (7%)\nPremium: 100 (14%)\nBots: 14 (2%)\nAdmins: 1 (<1%)\nScam or fake: 2 (<1%)');
    expect(stats.caption).toContain(`Member list: ${CAP} (42%)\nSearch past the cap: ${CAPPED.count - CAP} (57%)\nMessage authors: 0`);
  }, 90_000);

  it('says a hidden chat’s members came from message authors, and its 📊 Stats button counts them', async () => {
    const a = await panels.start(WORLD);
    const hidden = await scrape(a, '@hiddenchat');
    expect(hidden.text).toContain('Found 250 of 3,000 members (8%).\nAll from message authors.');
    expect(hidden.text).toContain('Note: The member list is hidden');
    const button = hidden.replyMarkup?.inline_keyboard.flat().find((b) => b.text.includes('Stats')) as { callback_data: string } | undefined;
    expect(button?.callback_data).toBe('sx:2001');
    const stats = await nextPhoto(a, () => botApiOf(a).userPresses(ADMIN, hidden.messageId, button!.callback_data));
    const expected = poolStats(range(AUTHORS), { list: 0, search: 0, messages: AUTHORS.count }, 0);
    expect(stats.caption).toBe(memberStatsText('Hidden chat (@hiddenchat)', expected));
  }, 90_000);

  it('answers /stats of a chat nothing is stored for like /export does, without a Telegram request', async () => {
    const a = await panels.start(WORLD);
    const server = botApiOf(a);
    const answer = server.waitFor((m) => m.sender === 'bot' && m.chatId === ADMIN.id, 5000);
    server.userSends(ADMIN, '/stats @cappedchat');
    expect((await answer).text).toBe('Nothing is stored for @cappedchat yet: scrape it first with /scrape @cappedchat.');
    // The trace is complete once the panel has stopped. Keep-alive pings and the periodic health checks
    // run by themselves; looking a chat up or reading it would be channels.* or contacts.* requests.
    await a.stop();
    expect(panels.trace().filter((t) => t.method.startsWith('channels.') || t.method.startsWith('contacts.'))).toEqual([]);
  });
});
