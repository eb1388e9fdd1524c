/** @SpamBot's verdict on an account: free, limited until a moment, or limited with no end date. */
export type SpamVerdict = { readonly kind: 'free' } | { readonly kind: 'limited'; readonly until: Date | null };

/** What an answer of @SpamBot says: a verdict, or a text this parser does not know (it then changes nothing). */
export type SpamBotReading = SpamVerdict | { readonly kind: 'unrecognised' };

const MONTHS: Readonly<Record<string, number>> = { jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11 };

/**
 * The bot's English sentences (docs/sandbox.md, "@SpamBot"): "…your account is now limited
 * until 6 Jun 2024, 20:20 UTC." and "Your account will be automatically released on 6 Jun 2024, 20:20 UTC."
 */
const DATED = /(?:limited until|automatically released on) (\d{1,2}) ([A-Za-z]{3}) (\d{4}), (\d{2}):(\d{2}) UTC/;
const FREE = /no limits are currently applied to your account/i;
/**
 * A limit with no end date: the "harsh response" texts (for actions, or for some phone numbers) and the
 * frozen account's "blocked for violations of the Telegram Terms of Service".
 */
const UNDATED = [
  /some actions can trigger a harsh response from our anti-spam systems/i,
  /some phone numbers may trigger a harsh response from our anti-spam systems/i,
  /your account was blocked for violations of the Telegram Terms of Service/i,
];

function datedUntil(text: string): Date | 'bad' | undefined {
  const m = DATED.exec(text);
  if (!m) return undefined;
  const [, day, monthName, year, hours, minutes] = m as unknown as [string, string, string, string, string, string];
  const month = MONTHS[monthName.toLowerCase()];
  if (month === undefined) return 'bad';
  const at = new Date(Date.UTC(Number(year), month, Number(day), Number(hours), Number(minutes)));
  // 31 Feb is not a day: Date would roll it over into March.
  if (at.getUTCDate() !== Number(day) || at.getUTCMonth() !== month || Number(hours) > 23 || Number(minutes) > 59) return 'bad';
  return at;
}

/** Reads an answer of @SpamBot to /start. A date it cannot read makes the whole answer unrecognised. */
export function parseSpamBotAnswer(text: string): SpamBotReading {
  const until = datedUntil(text);
  if (until === 'bad') return { kind: 'unrecognised' };
  if (until) return { kind: 'limited', until };
  if (FREE.test(text)) return { kind: 'free' };
  if (UNDATED.some((pattern) => pattern.test(text))) return { kind: 'limited', until: null };
  return { kind: 'unrecognised' };
}
