import { Api } from 'telegram';
import { accessHash } from './access-hash.js';
import { toLong } from './tl-long.js';

/**
 * @SpamBot as the sandbox plays it (docs/sandbox.md, "@SpamBot"). Its user id 178220800 is the one
 * userbots wait on after sending it "/start" (Telethon scripts on GitHub use
 * `events.NewMessage(incoming=True, from_users=178220800)`); its display name is "Spam Info Bot".
 */
export const SPAM_BOT = { userId: 178_220_800, username: 'SpamBot', firstName: 'Spam Info Bot' } as const;

/** What @SpamBot answers an account: free, limited until a moment (ms), or limited with no end date. */
export type SpamBotStanding = { readonly kind: 'free' } | { readonly kind: 'limited'; readonly until: number | null };

/** The world file's `accounts[].spamBot` value: `free`, `limited` or `limited until YYYY-MM-DD`. */
export const SPAM_BOT_SETTING = /^(free|limited|limited until (\d{4})-(\d{2})-(\d{2}))$/;

/** Reads a valid `spamBot` setting; the limit of `limited until D` ends at 00:00 UTC of day D. */
export function spamBotStanding(setting: string): SpamBotStanding {
  const m = SPAM_BOT_SETTING.exec(setting);
  if (!m || m[1] === 'free') return { kind: 'free' };
  if (m[2] === undefined) return { kind: 'limited', until: null };
  return { kind: 'limited', until: Date.UTC(Number(m[2]), Number(m[3]) - 1, Number(m[4])) };
}

/** Whether `YYYY-MM-DD` in a setting names a real day (2026-02-30 does not). */
export function isRealDay(setting: string): boolean {
  const m = SPAM_BOT_SETTING.exec(setting);
  if (m?.[2] === undefined) return true;
  const date = new Date(Date.UTC(Number(m[2]), Number(m[3]) - 1, Number(m[4])));
  return date.getUTCFullYear() === Number(m[2]) && date.getUTCMonth() === Number(m[3]) - 1 && date.getUTCDate() === Number(m[4]);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** @SpamBot's date format, e.g. `6 Jun 2024, 20:20 UTC` (day not zero-padded, 24-hour UTC time). */
export function spamBotDate(ms: number): string {
  const d = new Date(ms);
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${hh}:${mm} UTC`;
}

/*
 * The answers below are @SpamBot's English texts as userbot projects recorded them from the real bot
 * (published checkers on GitHub match on these exact sentences), with its typographic apostrophes.
 */

const FREE = 'Good news, no limits are currently applied to your account. You’re free as a bird!';

function limitedUntil(until: number): string {
  const date = spamBotDate(until);
  return [
    `I’m afraid some Telegram users found your messages annoying and forwarded them to our team of moderators for inspection. The moderators have confirmed the report and your account is now limited until ${date}.`,
    'While the account is limited, you will not be able to do certain things on Telegram, like writing to strangers who haven’t contacted you first or adding them to groups and channels.',
    `Your account will be automatically released on ${date}. Please note that if you repeat what got you limited and users report you again, the limitations will last longer next time. Subscribers of Telegram Premium have reduced times for initial limitations.`,
  ].join('\n\n');
}

function limitedForGood(firstName: string): string {
  return [
    `Hello ${firstName}!`,
    'I’m very sorry that you had to contact me. Unfortunately, some actions can trigger a harsh response from our anti-spam systems. If you think your account was limited by mistake, you can submit a complaint to our moderators.',
    'While the account is limited, you will not be able to send messages to people who do not have your number in their phone contacts or add them to groups and channels. Of course, when people contact you first, you can always reply to them.',
  ].join('\n\n');
}

/** What the bot says to anything but /start: it is driven by its reply keyboard. */
export const SPAM_BOT_USE_BUTTONS = 'Please use buttons to communicate with me.';

/**
 * @SpamBot's answer to `text` from an account with this `spamBot` setting and first name, at `now` (ms).
 * A limit whose date has passed is over, so the bot then says the account is free, as Telegram's does
 * once it released it.
 */
export function spamBotAnswer(setting: string, firstName: string, text: string, now: number): string {
  if (!/^\/start(@SpamBot)?(\s|$)/i.test(text.trim())) return SPAM_BOT_USE_BUTTONS;
  const standing = spamBotStanding(setting);
  if (standing.kind === 'free' || (standing.until !== null && standing.until <= now)) return FREE;
  return standing.until === null ? limitedForGood(firstName) : limitedUntil(standing.until);
}

/** The bot as the account with user id `viewerUserId` sees it. */
export function spamBotApiUser(viewerUserId: number): Api.User {
  return new Api.User({
    id: toLong(SPAM_BOT.userId),
    accessHash: toLong(accessHash(viewerUserId, 'user', SPAM_BOT.userId)),
    firstName: SPAM_BOT.firstName,
    username: SPAM_BOT.username,
    bot: true,
    // GramJS writes bot and bot_info_version under the same flag: a bot needs both.
    botInfoVersion: 1,
    verified: true,
  });
}
