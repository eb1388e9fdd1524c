import type { TraceEntry } from '../../src/sandbox/index.js';

/** Checks of the engine's rules on a sandbox trace (docs/sandbox.md, Trace). */

/**
 * What GramJS sends on every connection by itself, beside whatever operation runs: a keep-alive ping every
 * 9 s (PING_INTERVAL in telegram/client/updates.js, so any run that takes longer meets one), update-state
 * calls and the opening request of a (re)connection. R1 is about the operations' requests.
 */
export const CONNECTION_UPKEEP = new Set(['PingDelayDisconnect', 'Ping', 'updates.GetState', 'updates.GetDifference', 'help.GetConfig', 'InvokeWithLayer', 'InitConnection']);

/** Per-account intervals of the trace that overlap: two requests of operations on one account in flight together. */
export function overlappingRequests(trace: readonly TraceEntry[]): string[] {
  const byAccount = new Map<string, TraceEntry[]>();
  for (const t of trace) if (!CONNECTION_UPKEEP.has(t.method)) byAccount.set(t.account, [...(byAccount.get(t.account) ?? []), t]);
  const problems: string[] = [];
  for (const [account, entries] of byAccount) {
    const sorted = [...entries].sort((a, b) => a.t0 - b.t0);
    for (let i = 1; i < sorted.length; i += 1) {
      const prev = sorted[i - 1]!;
      const cur = sorted[i]!;
      if (cur.t0 < prev.t1) problems.push(`${account}: ${prev.method} [${prev.t0}, ${prev.t1}] overlaps ${cur.method} [${cur.t0}, ${cur.t1}]`);
    }
  }
  return problems;
}

/** The most accounts that had a scraping request in flight at one moment. */
export function peakScrapingAccounts(trace: readonly TraceEntry[]): number {
  const scraping = trace.filter((t) => t.method === 'channels.GetParticipants' || t.method === 'channels.GetFullChannel');
  const events = scraping.flatMap((t) => [
    { at: t.t0, account: t.account, d: 1 },
    { at: t.t1, account: t.account, d: -1 },
  ]);
  events.sort((a, b) => a.at - b.at || a.d - b.d);
  const active = new Map<string, number>();
  let peak = 0;
  for (const e of events) {
    active.set(e.account, (active.get(e.account) ?? 0) + e.d);
    peak = Math.max(peak, [...active.values()].filter((n) => n > 0).length);
  }
  return peak;
}
