import { describe, expect, it } from 'vitest';
import { spamBotAnswer, spamBotDate, spamBotStanding, SPAM_BOT_USE_BUTTONS } from '../../src/sandbox/spam-bot.js';

const NOW = Date.UTC(2026, 11, 2, 12);

describe('SpamBot', () => {
  it('writes dates as the bot does: day without a leading zero, short month, 24-hour UTC time', () => {
    expect(spamBotDate(Date.UTC(2024, 5, 6, 20, 20))).toBe('6 Jun 2024, 20:20 UTC');
    expect(spamBotDate(Date.UTC(2026, 10, 15, 9, 5))).toBe('15 Nov 2026, 09:05 UTC');
  });

  it('reads the world file setting', () => {
    expect(spamBotStanding('free')).toEqual({ kind: 'free' });
    expect(spamBotStanding('limited')).toEqual({ kind: 'limited', until: null });
    expect(spamBotStanding('limited until 2026-12-15')).toEqual({ kind: 'limited', until: Date.UTC(2026, 11, 15) });
  });

  it('answers /start by the setting, and says free once a limit’s day has passed', () => {
    expect(spamBotAnswer('free', 'Ops', '/start', NOW)).toBe('Good news, no limits are currently applied to your account. You’re free as a bird!');
    const limited = spamBotAnswer('limited until 2026-12-15', 'Ops', '/start', NOW);
    expect(limited).toMatch(/^I’m afraid some Telegram users found your messages annoying/);
    expect(limited).toContain('your account is now limited until 15 Dec 2026, 00:00 UTC.');
    expect(limited).toContain('Your account will be automatically released on 15 Dec 2026, 00:00 UTC.');
    expect(spamBotAnswer('limited until 2026-12-15', 'Ops', '/start', Date.UTC(2026, 11, 15))).toMatch(/free as a bird/);
    expect(spamBotAnswer('limited', 'Ops', '/start', NOW)).toMatch(/^Hello Ops!\n\nI’m very sorry that you had to contact me\. Unfortunately, some actions can trigger a harsh response/);
  });

  it('answers anything but /start with its buttons reminder', () => {
    expect(spamBotAnswer('free', 'Ops', 'hello', NOW)).toBe(SPAM_BOT_USE_BUTTONS);
    expect(spamBotAnswer('free', 'Ops', '/startle', NOW)).toBe(SPAM_BOT_USE_BUTTONS);
    expect(spamBotAnswer('free', 'Ops', '/start@SpamBot', NOW)).toMatch(/free as a bird/);
  });
});
