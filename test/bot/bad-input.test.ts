import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAuditRepository } from '../../src/db/repositories/audit.js';
import { createMonitorsRepository } from '../../src/db/repositories/monitors.js';
import { createSchedulesRepository } from '../../src/db/repositories/schedules.js';
import { controlledRunner, createBotHarness, type BotHarness } from './harness.js';

/** Command → words the one reply must contain. */
const CASES: ReadonlyArray<readonly [string, string]> = [
  ['/scrape --limit 5', 'Name a chat to scrape'],
  ['/scrape @bigchat --limit', '--limit needs a number'],
  ['/scrape @bigchat --limit -5', '--limit must be from 1 to 10,000,000'],
  ['/scrape @bigchat --limit 0', '--limit must be from 1 to 10,000,000'],
  ['/scrape @bigchat --limit 99999999999', '--limit must be from 1 to 10,000,000'],
  ['/scrape @bigchat --limit ten', '--limit must be a whole number'],
  ['/scrape @bigchat --days 0', '--days must be from 1 to 3,650'],
  ['/scrape @bigchat --days 5000', '--days must be from 1 to 3,650'],
  ['/scrape @bigchat --days 1.5', '--days must be a whole number'],
  ['/scrape @bigchat --frobnicate', 'Unknown option --frobnicate'],
  ['/scrape @bigchat --account 99', 'There is no account #99'],
  ['/scrape @bigchat --join=yes', '--join takes no value'],
  ['/scrape @bigchat --limit 5 --limit 6', '--limit is given twice'],
  ['/scrape @bigchat @otherchat', '/scrape takes one chat'],
  ['/scrape "@bigchat', 'A quote is not closed'],
  ['/scrape @ab', 'is not a chat'],
  ['/scrape https://t.me/+!!', 'is not a valid invite link'],
  ['/scrape -limit 5 @bigchat', 'Options start with two dashes'],
  ['/send', 'Say who to send to'],
  ['/send @bigchat', 'The message text is missing'],
  ['/send @bigchat hello --account 77', 'There is no account #77'],
  ['/send @bigchat hello --acount 2', 'Unknown option --acount'],
  ['/send b!d hello', 'is not a chat'],
  ['/join', 'Name a chat to join'],
  ['/join ht!tp', 'is not a chat'],
  ['/monitor add @bigchat', 'Give at least one keyword'],
  ['/monitor add', 'Name a chat and the keywords'],
  ['/monitor stop abc', 'The monitor number must be a whole number'],
  ['/monitor stop 42', 'There is no monitor #42'],
  ['/monitor frob', '/monitor does not know "frob"'],
  ['/cancel', 'There is nothing to cancel here'],
  ['/cancel 12345', 'There is no operation #12345'],
  ['/cancel -3', 'The operation number must be at least 1'],
  ['/schedule add "61 * * * *"', 'is not a valid schedule'],
  ['/schedule add "* * * * * *"', 'fires too often'],
  ['/schedule add "0 0 30 2 *"', 'never fires'],
  ['/schedule add 0 9 * * *', 'Put the cron expression in quotes'],
  ['/schedule add "0 9 * * *" notachat', 'is not a chat id'],
  ['/schedule remove 9', 'There is no schedule #9'],
  ['/export @nobodyhere', 'Nothing is stored for @nobodyhere'],
  ['/export', 'Name the chat to export'],
  ['/removeaccount 99', 'There is no account #99'],
  ['/removeaccount x', 'The account number must be a whole number'],
  ['/bulk', 'Name at least one chat'],
  ['/bulk @good_chat b@d', 'Nothing was submitted: 1 of 2 are not chats'],
  ['/bulk @good_chat --limit 0', '--limit must be from 1 to 10,000,000'],
  ['/report weekly', '/report sends the report now'],
  ['/addaccount 12ab AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'is not a phone number'],
  ['/addaccount +15551234567', 'The session string is missing'],
  ['/frobnicate', "I don't know /frobnicate"],
];

let h: BotHarness;
beforeAll(async () => {
  h = await createBotHarness({
    register: (e) => {
      for (const [kind, type] of [
        ['scrape', 'scraping'],
        ['join', 'other'],
        ['send', 'sending'],
        ['monitor', 'monitoring'],
      ] as const) {
        e.register(controlledRunner(kind, type).definition);
      }
    },
  });
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => h.clear());

describe('bad input', () => {
  it('has at least 25 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(25);
  });

  it.each(CASES)('answers %s in plain words and changes nothing', async (command, expected) => {
    await h.send(command);
    const replies = h.of('sendMessage');
    expect(replies).toHaveLength(1);
    const text = String(replies[0]?.payload.text);
    expect(text).toContain(expected);
    expect(text).not.toMatch(/undefined|NaN|\[object|Error:|stack|at .*\.ts/);
    // Nothing was submitted, stored, paused or removed.
    expect(h.engine.listOperations()).toEqual([]);
    expect(await createSchedulesRepository(h.db).list()).toEqual([]);
    expect(await createMonitorsRepository(h.db).listAll()).toEqual([]);
    expect(h.engine.listAccounts().map((a) => [a.id, a.paused])).toEqual([
      [1, false],
      [2, false],
    ]);
    const [audit] = await createAuditRepository(h.db).recent(1);
    expect(audit?.outcome).toMatch(/^(refused|unknown command)/);
  });
});
