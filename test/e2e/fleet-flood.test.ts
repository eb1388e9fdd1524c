import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import type { WorldInput } from '../../src/sandbox/index.js';
import { until } from '../until.js';
import { Fleet } from './fleet-harness.js';
import { worldAccounts } from './telegram-harness.js';
import { overlappingRequests } from './trace-checks.js';

const MEMBERS = 3000;
const ACCOUNTS = worldAccounts(2);
const CHATS = [1, 2].map((n) => ({
  id: 4000 + n,
  kind: 'supergroup' as const,
  username: `floodfleet${n}`,
  title: `Flood fleet ${n}`,
  members: { from: 300_000 + n * MEMBERS, count: MEMBERS },
}));
// Each account's fourth members page is refused with a ten-minute flood wait: far past the sleep threshold, so the
// account cools down for ten minutes, and the scrape must move.
const WORLD: WorldInput = {
  latencyMs: 20,
  participantsCap: 10_000,
  accounts: ACCOUNTS,
  chats: CHATS,
  faults: [{ account: ACCOUNTS[0]?.phone ?? '', method: 'channels.GetParticipants', afterCalls: 3, error: 'FLOOD_WAIT_600', times: 1 }],
};
const SLOW = { intervalMs: 50, tries: Number(process.env.FLEET_TRIES ?? 2400) };

let fleet: Fleet | undefined;
afterEach(async () => {
  await fleet?.stop();
  fleet = undefined;
});

describe('A flood wait in a fleet', () => {
  it('does move the scrape of a cooling account to another worker’s free account, from its checkpoint', { timeout: 240_000 }, async () => {
    fleet = new Fleet({ world: WORLD, scrapeConcurrency: 2, leaseSeconds: 3 });
    await fleet.start();
    fleet.spawnWorker('worker-a');
    fleet.spawnWorker('worker-b');
    const f = fleet;
    // One account each (the fair share), before any work is there to take.
    await until(async () => {
      const holders = await f.holders();
      return holders.get('worker-a') === 1 && holders.get('worker-b') === 1;
    }, 'each worker to hold one account', SLOW);
    const submitted = await fleet.submitter.submitMany(CHATS.map((chat) => ({ kind: 'scrape', params: { target: `@${chat.username}` } })));
    expect(submitted.every((r) => r.kind === 'queued')).toBe(true);

    await until(async () => ((await f.statuses()).succeeded ?? 0) === CHATS.length, 'both scrapes to finish long before the cooldown ends', SLOW);

    const [flooded, free] = await fleet.db.sql.all<{ id: number; phone: string; flood_waits: number; cooldown_until: number | null }>(
      sql`select id, phone, flood_waits, cooldown_until from accounts order by phone`,
    );
    expect(flooded?.phone).toBe(ACCOUNTS[0]?.phone);
    expect(flooded?.flood_waits).toBe(1);
    expect(Number(flooded?.cooldown_until)).toBeGreaterThan(Date.now() + 500_000);
    // Both scrapes ended on the other account: the one that met the flood was given back and taken there.
    const ops = await fleet.db.sql.all<{ assigned_account_id: number; result: string; attempts: number }>(sql`select assigned_account_id, result, attempts from operations order by id`);
    expect(ops.map((op) => op.assigned_account_id)).toEqual([free?.id, free?.id]);
    for (const op of ops) expect((JSON.parse(op.result) as { found: number }).found).toBe(MEMBERS);
    expect(ops.some((op) => op.attempts >= 2)).toBe(true);
    const members = await fleet.membersPerChat();
    for (const chat of CHATS) expect(members.get(chat.id)).toBe(MEMBERS);

    const trace = fleet.trace();
    const floodedCalls = trace.filter((e) => e.account === ACCOUNTS[0]?.phone && e.method === 'channels.GetParticipants');
    const floodAt = floodedCalls.find((e) => 'error' in e)?.t1 ?? Infinity;
    expect(floodedCalls.filter((e) => e.t0 > floodAt)).toEqual([]);
    expect(overlappingRequests(trace)).toEqual([]);
  });
});
