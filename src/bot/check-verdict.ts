import type { AccountCheck } from '../engine/types.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** `15 Dec 2026`, with the UTC time when the limit ends at any other moment than midnight: `15 Nov 2026, 12:34 UTC`. */
export function formatDay(ms: number): string {
  const d = new Date(ms);
  const day = `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
  if (d.getUTCHours() === 0 && d.getUTCMinutes() === 0) return day;
  return `${day}, ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')} UTC`;
}

/** @SpamBot's verdict in the words of README.md ("/check"): `free`, `limited until 15 Dec 2026`, `limited with no end date`. */
export function verdictText(check: Pick<AccountCheck, 'verdict' | 'until'>): string {
  if (check.verdict === 'free') return 'free';
  return check.until === null ? 'limited with no end date' : `limited until ${formatDay(check.until)}`;
}

/** `just now`, `5 min ago`, `2 h ago`, `3 d ago`. */
export function ago(ms: number, now: number): string {
  const minutes = Math.floor(Math.max(0, now - ms) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h ago` : `${Math.floor(hours / 24)} d ago`;
}

/** The account screen's line: `Last check: free (2 h ago)`, or `Last check: not yet`. */
export function lastCheckLine(check: AccountCheck | null, now: number): string {
  return check === null ? 'Last check: not yet' : `Last check: ${verdictText(check)} (${ago(check.checkedAt, now)})`;
}

/** Whether two verdicts say the same. */
export function sameVerdict(a: Pick<AccountCheck, 'verdict' | 'until'> | null, b: Pick<AccountCheck, 'verdict' | 'until'> | null): boolean {
  return a?.verdict === b?.verdict && (a?.until ?? null) === (b?.until ?? null);
}
