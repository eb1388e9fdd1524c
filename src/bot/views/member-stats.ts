import { LAST_SEEN_STATUSES, type ExportStatus, type MemberStats, type MemberVia } from '../../db/repositories/member-data.js';
import type { ChatRow } from '../../db/schema.js';
import { formatNumber, formatPercent } from '../format.js';

/** The last-seen classes in the order /stats shows them: freshest first, never read last. */
export const STATS_STATUSES: readonly ExportStatus[] = [...LAST_SEEN_STATUSES, 'unknown'];

/** The ways a member is found, in the order a scrape tries them. */
export const STATS_WAYS: readonly MemberVia[] = ['list', 'search', 'messages'];

/** How /stats names a last-seen class (after https://core.telegram.org/type/UserStatus). */
export const LAST_SEEN_LABELS: Readonly<Record<ExportStatus, string>> = {
  online: 'online',
  offline: 'offline',
  recently: 'recently',
  last_week: 'last week',
  last_month: 'last month',
  long_ago: 'long ago',
  unknown: 'unknown',
};

/** How /stats names a way members were found. */
export const VIA_LABELS: Readonly<Record<MemberVia, string>> = {
  list: 'member list',
  search: 'search past the cap',
  messages: 'message authors',
};

/** `Big chat (@bigchat)`; a chat without a stored title by its id. */
export function chatName(chat: Pick<ChatRow, 'id' | 'title' | 'username'>): string {
  return `${chat.title ?? `chat ${chat.id}`}${chat.username ? ` (@${chat.username})` : ''}`;
}

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * The /stats text of a chat's stored members (docs: README, Chat commands): how many; by last-seen class;
 * with a username, a phone; premium, bots, admins, scam or fake; and by the way they were found. Each
 * count above none is followed by its share of the total.
 */
export function memberStatsText(name: string, stats: MemberStats): string {
  const count = (n: number) => {
    const percent = n > 0 ? formatPercent(n, stats.total) : undefined;
    return `${formatNumber(n)}${percent ? ` (${percent})` : ''}`;
  };
  return [
    `📊 ${name}: ${formatNumber(stats.total)} stored member${stats.total === 1 ? '' : 's'}`,
    '',
    'Last seen:',
    ...STATS_STATUSES.map((s) => `${capitalised(LAST_SEEN_LABELS[s])}: ${count(stats.byStatus[s])}`),
    '',
    `With a username: ${count(stats.withUsername)}`,
    `With a phone: ${count(stats.withPhone)}`,
    `Premium: ${count(stats.premium)}`,
    `Bots: ${count(stats.bots)}`,
    `Admins: ${count(stats.admins)}`,
    `Scam or fake: ${count(stats.scamOrFake)}`,
    '',
    'How they were found:',
    ...STATS_WAYS.map((w) => `${capitalised(VIA_LABELS[w])}: ${count(stats.byVia[w])}`),
  ].join('\n');
}
