import { describe, expect, it } from 'vitest';
import { parseSpamBotAnswer } from '../../../src/engine/operations/spam-bot-answer.js';

/* @SpamBot's English answers to /start, as recorded from the real bot (docs/sandbox.md, "@SpamBot"). */
const FREE = 'Good news, no limits are currently applied to your account. You’re free as a bird!';
const LIMITED_UNTIL = [
  'I’m afraid some Telegram users found your messages annoying and forwarded them to our team of moderators for inspection. The moderators have confirmed the report and your account is now limited until 6 Jun 2024, 20:20 UTC.',
  'While the account is limited, you will not be able to do certain things on Telegram, like writing to strangers who haven’t contacted you first or adding them to groups and channels.',
  'Your account will be automatically released on 6 Jun 2024, 20:20 UTC. Please note that if you repeat what got you limited and users report you again, the limitations will last longer next time. Subscribers of Telegram Premium have reduced times for initial limitations.',
].join('\n\n');
const LIMITED_FOR_GOOD = [
  'Hello Лида!',
  'I’m very sorry that you had to contact me. Unfortunately, some actions can trigger a harsh response from our anti-spam systems. If you think your account was limited by mistake, you can submit a complaint to our moderators.',
  'While the account is limited, you will not be able to send messages to people who do not have your number in their phone contacts or add them to groups and channels. Of course, when people contact you first, you can always reply to them.',
].join('\n\n');
const PHONE_NUMBER =
  'Unfortunately, some phone numbers may trigger a harsh response from our anti-spam systems. If you think this is the case with you, you can submit a complaint to our moderators or subscribe to Telegram Premium to get less strict limits.';
const FROZEN = 'Your account was blocked for violations of the Telegram Terms of Service based on user reports confirmed by our moderators.';

describe('parseSpamBotAnswer', () => {
  it('reads the free answer', () => {
    expect(parseSpamBotAnswer(FREE)).toEqual({ kind: 'free' });
  });

  it('reads a limit with its end, in UTC', () => {
    expect(parseSpamBotAnswer(LIMITED_UNTIL)).toEqual({ kind: 'limited', until: new Date(Date.UTC(2024, 5, 6, 20, 20)) });
  });

  it('reads the release sentence alone, and a two-digit day', () => {
    expect(parseSpamBotAnswer('Your account will be automatically released on 15 Nov 2026, 12:34 UTC.')).toEqual({
      kind: 'limited',
      until: new Date(Date.UTC(2026, 10, 15, 12, 34)),
    });
  });

  it('reads the limits with no end date: for actions, for phone numbers, and a frozen account', () => {
    for (const text of [LIMITED_FOR_GOOD, PHONE_NUMBER, FROZEN]) expect(parseSpamBotAnswer(text)).toEqual({ kind: 'limited', until: null });
  });

  it('does not recognise the other answers and near misses', () => {
    for (const text of [
      'Please use buttons to communicate with me.',
      'Ваш аккаунт свободен от каких-либо ограничений.',
      '',
      'Good news, everyone!',
      // A date that is not a day, a month it does not know, a time past 23:59: unreadable, so nothing is guessed.
      'Your account is now limited until 31 Feb 2026, 12:00 UTC.',
      'Your account is now limited until 3 Foo 2026, 12:00 UTC.',
      'Your account is now limited until 3 Mar 2026, 25:00 UTC.',
      // No "UTC": not the bot's format.
      'Your account is now limited until 3 Mar 2026, 12:00.',
    ]) {
      expect(parseSpamBotAnswer(text), text).toEqual({ kind: 'unrecognised' });
    }
  });
});
