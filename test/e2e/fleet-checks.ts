import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import type { Fleet } from './fleet-harness.js';
import { overlappingRequests, peakScrapingAccounts } from './trace-checks.js';

/** A chat of a fleet's world, as far as the checks need it. */
export interface FleetChat {
  readonly id: number;
  readonly username: string;
  readonly members: { readonly count: number };
}

/**
 * A bulk scrape of `chats` is complete and exact: every scrape succeeded, every chat stored in full with each member
 * once, each scrape counting every member once (a resumed one went on from its checkpoint, not from the start), and
 * R1 and R4 held throughout (no account with two requests in flight, at most `scrapeLimit` accounts scraping).
 */
export async function expectBulkComplete(fleet: Fleet, chats: readonly FleetChat[], scrapeLimit: number): Promise<void> {
  const scrapes = await fleet.db.sql.all<{ id: number; status: string; result: string | null }>(sql`select id, status, result from operations where kind = 'scrape' order by id`);
  expect(scrapes.map((row) => row.status)).toEqual(chats.map(() => 'succeeded'));
  const members = await fleet.membersPerChat();
  for (const chat of chats) expect(members.get(chat.id), `members of ${chat.username}`).toBe(chat.members.count);
  const counts = new Map(chats.map((chat) => [chat.id, chat.members.count]));
  for (const row of scrapes) {
    const result = JSON.parse(row.result ?? 'null') as { found: number; chatId: number } | null;
    expect(result?.found, `found by operation #${row.id}`).toBe(counts.get(result?.chatId ?? -1));
  }
  const trace = fleet.trace();
  expect(overlappingRequests(trace)).toEqual([]);
  expect(peakScrapingAccounts(trace)).toBeLessThanOrEqual(scrapeLimit);
}
