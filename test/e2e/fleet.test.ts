import { afterEach, describe, expect, it } from 'vitest';
import type { WorldInput } from '../../src/sandbox/index.js';
import { until } from '../until.js';
import { Fleet } from './fleet-harness.js';
import { worldAccounts } from './telegram-harness.js';
import { expectBulkComplete } from './fleet-checks.js';

const CHATS = 12;
const MEMBERS = 1000;

const ACCOUNTS = worldAccounts(4);
const CHAT_LIST = Array.from({ length: CHATS }, (_, i) => ({
  id: 2001 + i,
  kind: 'supergroup' as const,
  username: `fleetchat${i + 1}`,
  title: `Fleet ${i + 1}`,
  members: { from: 100_000 + i * MEMBERS, count: MEMBERS },
}));
const WORLD: WorldInput = { latencyMs: 20, participantsCap: 10_000, accounts: ACCOUNTS, chats: CHAT_LIST };

/** Long enough for worker processes to start, scrape and take over; every wait below ends as soon as its condition holds. */
const SLOW = { intervalMs: 50, tries: Number(process.env.FLEET_TRIES ?? 2400) };

let fleet: Fleet | undefined;
afterEach(async () => {
  await fleet?.stop();
  fleet = undefined;
});

describe('A fleet of two workers on PostgreSQL', () => {
  it('does finish a bulk scrape with nothing lost or doubled after one worker is killed with -9', { timeout: 240_000 }, async () => {
    fleet = new Fleet({ world: WORLD, scrapeConcurrency: 2, leaseSeconds: 3 });
    await fleet.start();
    const submitted = await fleet.submitter.submitMany(CHAT_LIST.map((chat) => ({ kind: 'scrape', params: { target: `@${chat.username}` } })));
    expect(submitted.every((r) => r.kind === 'queued')).toBe(true);

    const first = fleet.spawnWorker('worker-a');
    const second = fleet.spawnWorker('worker-b');
    const f = fleet;
    // Both hold accounts (fair share: two each), and work is under way.
    await until(async () => {
      const holders = await f.holders();
      return (holders.get('worker-a') ?? 0) > 0 && (holders.get('worker-b') ?? 0) > 0;
    }, 'both workers to hold accounts', SLOW);
    await until(async () => ((await f.statuses()).succeeded ?? 0) >= 2, 'two scrapes to finish', SLOW);
    expect((await f.statuses()).succeeded ?? 0).toBeLessThan(CHATS);

    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');

    await until(async () => ((await f.statuses()).succeeded ?? 0) === CHATS, 'every scrape to finish', SLOW);
    // The survivor took the dead worker's accounts over.
    await until(async () => (await f.holders()).get('worker-b') === ACCOUNTS.length, 'the survivor to hold every account', SLOW);

    expect(await fleet.statuses()).toEqual({ succeeded: CHATS });
    await expectBulkComplete(fleet, CHAT_LIST, 2);
    expect(second.child.exitCode).toBeNull();
  });
});
