import { compileNameQuery } from './name-search.js';
import type { SandboxAccount, ChatState, SandboxWorld } from './world.js';

/** One row of a participant listing. */
export type MemberEntry = { readonly kind: 'pool'; readonly n: number } | { readonly kind: 'account'; readonly account: SandboxAccount };

export type MemberFilter =
  | { readonly kind: 'recent' }
  | { readonly kind: 'search'; readonly q: string }
  | { readonly kind: 'admins' }
  | { readonly kind: 'bots' }
  | { readonly kind: 'none' };

export interface MemberPage {
  /** What Telegram reports as `count`. */
  readonly count: number;
  readonly entries: readonly MemberEntry[];
}

/** Broadcast channels show at most this many subscribers. */
export const BROADCAST_VISIBLE = 200;
const SEARCH_CACHE_SIZE = 16;

/**
 * Pages through the members a non-admin account may see, in O(page) for plain listings: sandbox
 * accounts first (most recent joiner first), then the chat's pool range in order. Rules of docs/sandbox.md (Chats):
 * the participants cap, 200 subscribers for broadcast channels, admins only when members are hidden.
 */
export function listMembers(
  world: SandboxWorld,
  chat: ChatState,
  filter: MemberFilter,
  offset: number,
  limit: number,
): MemberPage {
  const start = Math.max(0, offset);
  const take = Math.max(0, limit);
  const cap = chat.kind === 'channel' ? Math.min(world.participantsCap, BROADCAST_VISIBLE) : world.participantsCap;

  if (filter.kind === 'none') return { count: 0, entries: [] };
  if (filter.kind === 'admins' || chat.def.membersHidden) {
    const q = filter.kind === 'search' ? compileNameQuery(filter.q) : undefined;
    const admins = chat.admins.filter((n) => q === undefined || q.matchesPool(n));
    return { count: admins.length, entries: admins.slice(start, start + take).map((n) => ({ kind: 'pool', n })) };
  }

  const accounts = world.memberAccounts(chat);
  const { from, count } = chat.def.members;

  if (filter.kind === 'bots') {
    // Bots are the multiples of 50 in the range.
    const first = Math.ceil(from / 50) * 50;
    const last = from + count - 1;
    const total = first > last ? 0 : Math.floor((last - first) / 50) + 1;
    const visible = Math.min(total, cap);
    const entries: MemberEntry[] = [];
    for (let i = start; i < Math.min(visible, start + take); i++) entries.push({ kind: 'pool', n: first + i * 50 });
    return { count: total, entries };
  }

  const q = compileNameQuery(filter.kind === 'search' ? filter.q : '');
  if (q.words.length === 0) {
    const total = accounts.length + count;
    const visible = Math.min(total, cap);
    const entries: MemberEntry[] = [];
    for (let i = start; i < Math.min(visible, start + take); i++) {
      const account = accounts[i];
      entries.push(account ? { kind: 'account', account } : { kind: 'pool', n: from + i - accounts.length });
    }
    return { count: total, entries };
  }

  const matchedAccounts = accounts.filter((a) => q.matchesNames(a.firstName, a.lastName, undefined));
  const pool = poolMatches(chat, q.words.join(' '), cap, () => {
    const found: number[] = [];
    for (const n of q.poolCandidates(from, from + count - 1)) {
      if (found.length >= cap) break;
      if (q.matchesPool(n)) found.push(n);
    }
    return Int32Array.from(found);
  });
  const visible = Math.min(matchedAccounts.length + pool.length, cap);
  const entries: MemberEntry[] = [];
  for (let i = start; i < Math.min(visible, start + take); i++) {
    const account = matchedAccounts[i];
    if (account) entries.push({ kind: 'account', account });
    else entries.push({ kind: 'pool', n: pool[i - matchedAccounts.length] ?? 0 });
  }
  return { count: visible, entries };
}

/**
 * The entry of `user` in the chat's member list, or undefined when it is not a member: an account that
 * joined, a pool user of the chat's range, or one of its admins.
 */
export function memberEntry(
  world: SandboxWorld,
  chat: ChatState,
  user: { readonly kind: 'pool'; readonly n: number } | { readonly kind: 'account'; readonly account: SandboxAccount },
): MemberEntry | undefined {
  if (user.kind === 'account') return world.isMember(user.account, chat) ? { kind: 'account', account: user.account } : undefined;
  const { from, count } = chat.def.members;
  return (user.n >= from && user.n < from + count) || chat.adminSet.has(user.n) ? { kind: 'pool', n: user.n } : undefined;
}

/** The first `cap` pool matches of a query, computed once per chat and query (small LRU). */
function poolMatches(chat: ChatState, key: string, cap: number, compute: () => Int32Array): Int32Array {
  const cacheKey = `${cap}|${key}`;
  const hit = chat.searchCache.get(cacheKey);
  if (hit) {
    chat.searchCache.delete(cacheKey);
    chat.searchCache.set(cacheKey, hit);
    return hit;
  }
  const value = compute();
  chat.searchCache.set(cacheKey, value);
  if (chat.searchCache.size > SEARCH_CACHE_SIZE) {
    const oldest = chat.searchCache.keys().next().value;
    if (oldest !== undefined) chat.searchCache.delete(oldest);
  }
  return value;
}
