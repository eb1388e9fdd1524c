import type { Coverage, ScrapeResult } from '../../engine/operations/scrape.js';
import { formatNumber, formatPercent } from '../format.js';

/**
 * How much of a chat a scrape covered, in the words of its ✅ message (docs: README, "Telegram operations
 * and outcomes"): the members found of the chat's count, and which way found them.
 */

/** What the coverage is told from. `coverage` is absent in results stored before it was counted. */
export type CoverageFacts = Pick<ScrapeResult, 'found' | 'total'> & { readonly coverage?: Coverage };

/** The ways of a scrape in the order it tries them, as the ✅ message and the bulk summary name them. */
const WAYS: ReadonlyArray<{ readonly way: keyof Coverage; readonly long: string; readonly short: string }> = [
  { way: 'list', long: 'from the member list', short: 'from the list' },
  { way: 'search', long: "from search past Telegram's listing cap", short: 'from search' },
  { way: 'messages', long: 'from message authors', short: 'from message authors' },
];

const members = (n: number) => (n === 1 ? 'member' : 'members');

/** `9,840 of 25,000 members (39%)`; without a count from Telegram, `9,840 members`. */
export function foundOf(facts: CoverageFacts): string {
  if (facts.total === null) return `${formatNumber(facts.found)} ${members(facts.found)}`;
  const percent = formatPercent(facts.found, facts.total);
  return `${formatNumber(facts.found)} of ${formatNumber(facts.total)} ${members(facts.total)}${percent ? ` (${percent})` : ''}`;
}

/**
 * Which ways found the members: `All from the member list.`, or `8,000 from the member list, 1,840 from
 * search past Telegram's listing cap.` Ways that found none are left out. Undefined when nothing was found
 * or the result cannot tell (no coverage, or a scrape resumed from a checkpoint older than it, whose
 * ways do not add up to what was found).
 */
export function coverageSplit(facts: CoverageFacts, style: 'long' | 'short' = 'long'): string | undefined {
  const c = facts.coverage;
  if (!c || facts.found === 0 || c.list + c.search + c.messages !== facts.found) return undefined;
  const ways = WAYS.filter(({ way }) => c[way] > 0);
  const only = ways.length === 1 ? ways[0] : undefined;
  if (only) return style === 'long' ? `All ${only.long}.` : `all ${only.short}`;
  const parts = ways.map((w) => `${formatNumber(c[w.way])} ${w[style]}`).join(', ');
  return style === 'long' ? `${parts}.` : parts;
}
