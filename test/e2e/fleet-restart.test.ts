import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import type { WorldInput } from '../../src/sandbox/index.js';
import { until } from '../until.js';
import { Fleet, type FleetWorker } from './fleet-harness.js';
import { worldAccounts } from './telegram-harness.js';
import { expectBulkComplete } from './fleet-checks.js';

const CHATS = 16;
const MEMBERS = 2000;
const SCRAPE_CONCURRENCY = 2;

const ACCOUNTS = worldAccounts(4);
const CHAT_LIST = Array.from({ length: CHATS }, (_, i) => ({
  id: 4001 + i,
  kind: 'supergroup' as const,
  username: `restartchat${i + 1}`,
  title: `Restart ${i + 1}`,
  members: { from: 400_000 + i * MEMBERS, count: MEMBERS },
}));
const WORLD: WorldInput = { latencyMs: 20, participantsCap: 10_000, accounts: ACCOUNTS, chats: CHAT_LIST };

/** Long enough for worker processes to start, scrape and hand over; every wait below ends as soon as its condition holds. */
const SLOW = { intervalMs: 50, tries: Number(process.env.FLEET_TRIES ?? 2400) };

let fleet: Fleet | undefined;
afterEach(async () => {
  await fleet?.stop();
  fleet = undefined;
});

async function startFleet(): Promise<Fleet> {
  fleet = new Fleet({ world: WORLD, scrapeConcurrency: SCRAPE_CONCURRENCY, leaseSeconds: 3 });
  await fleet.start();
  const submitted = await fleet.submitter.submitMany(CHAT_LIST.map((chat) => ({ kind: 'scrape', params: { target: `@${chat.username}` } })));
  expect(submitted.every((r) => r.kind === 'queued')).toBe(true);
  return fleet;
}

const succeeded = async (f: Fleet) => (await f.statuses()).succeeded ?? 0;

/**
 * The workers (by name) holding an account whose scrape is under way and has stored a checkpoint: stopped now, it
 * must resume from that checkpoint.
 */
async function midScrape(f: Fleet): Promise<string[]> {
  const rows = await f.db.sql.all<{ name: string }>(
    sql`select distinct w.name from operations o join account_leases l on l.account_id = o.assigned_account_id join workers w on w.id = l.worker_id
        where o.status = 'running' and o.checkpoint is not null and l.expires_at > ${Date.now()} order by w.name`,
  );
  return rows.map((r) => r.name);
}

async function bothHold(f: Fleet, a: string, b: string): Promise<boolean> {
  const holders = await f.holders();
  return (holders.get(a) ?? 0) > 0 && (holders.get(b) ?? 0) > 0;
}

/** Fails at once, with its output, when a worker that should be running has exited. */
function alive(...workers: FleetWorker[]): true {
  for (const w of workers) {
    if (w.child.exitCode !== null || w.child.signalCode !== null) {
      throw new Error(`worker ${w.name} exited (${w.child.exitCode ?? w.child.signalCode}):\n${w.output()}`);
    }
  }
  return true;
}

/** Every chat stored in full, each once, each scrape counting every member once; R1 and R4 held throughout. */
async function expectComplete(f: Fleet): Promise<void> {
  expect(await f.statuses()).toEqual({ succeeded: CHATS });
  await expectBulkComplete(f, CHAT_LIST, SCRAPE_CONCURRENCY);
}

describe('A fleet of two workers on PostgreSQL', () => {
  it('does finish a bulk scrape, resumed from checkpoints, when a worker is restarted with SIGTERM mid-way', { timeout: 240_000 }, async () => {
    const f = await startFleet();
    const workers = new Map([f.spawnWorker('worker-a'), f.spawnWorker('worker-b')].map((w) => [w.name, w]));
    const all = () => [...workers.values()];
    await until(async () => alive(...all()) && (await bothHold(f, 'worker-a', 'worker-b')), 'both workers to hold accounts', SLOW);
    // The worker stopped is one in the middle of a scrape, so its hand-off has a checkpoint to pass on.
    let busy: string | undefined;
    await until(async () => alive(...all()) && (busy = (await midScrape(f))[0]) !== undefined, 'a worker to be mid-scrape', SLOW);
    const name = busy ?? '';
    const stopped = workers.get(name);
    const survivor = all().find((w) => w.name !== name);
    if (stopped === undefined || survivor === undefined) throw new Error(`no worker named ${name}`);
    expect(await succeeded(f)).toBeLessThan(CHATS);

    stopped.child.kill('SIGTERM');
    expect(await stopped.exited).toBe(0);
    // Graceful: it deregistered and released its leases, so the survivor takes them without waiting for them to expire.
    expect(await f.db.sql.all(sql`select id from workers where name = ${name}`)).toEqual([]);
    await until(async () => alive(survivor) && (await f.holders()).get(survivor.name) === ACCOUNTS.length, 'the survivor to hold every account', SLOW);

    const restarted = f.spawnWorker(name);
    await until(async () => alive(restarted, survivor) && (await bothHold(f, 'worker-a', 'worker-b')), 'the restarted worker to get its share', SLOW);
    await until(async () => alive(restarted, survivor) && (await succeeded(f)) === CHATS, 'every scrape to finish', SLOW);

    await expectComplete(f);
    alive(restarted, survivor);
  });

  it('does lose nothing when every PostgreSQL connection is dropped mid-scrape, twice', { timeout: 240_000 }, async () => {
    const f = await startFleet();
    const first = f.spawnWorker('worker-a');
    const second = f.spawnWorker('worker-b');
    await until(async () => alive(first, second) && (await bothHold(f, 'worker-a', 'worker-b')), 'both workers to hold accounts', SLOW);

    for (let drop = 1; drop <= 2; drop += 1) {
      await until(
        async () => alive(first, second) && (await midScrape(f)).length > 0,
        `a scrape to be mid-way before drop ${drop}`,
        SLOW,
      );
      const before = await succeeded(f);
      expect(before).toBeLessThan(CHATS);
      expect(await f.dropConnections()).toBeGreaterThan(0);
      // They reconnect and go on: another scrape finishes after the drop.
      await until(async () => alive(first, second) && (await succeeded(f)) > before, `a scrape to finish after drop ${drop}`, SLOW);
    }
    await until(async () => alive(first, second) && (await succeeded(f)) === CHATS, 'every scrape to finish', SLOW).catch(async (error: unknown) => {
      // What was left, for the failure to show.
      const rows = await f.db.sql.all(sql`select id, status, assigned_account_id, attempts, progress_done, error_message from operations where status <> 'succeeded' order by id`);
      const jobs = await f.db.sql.all(sql`select name, state, retry_count, data->>'operationId' as op from pgboss.job where state <> 'completed' order by created_on`);
      throw new Error(`${(error as Error).message}\nleft: ${JSON.stringify(rows)}\njobs: ${JSON.stringify(jobs)}\nholders: ${JSON.stringify([...(await f.holders())])}\n--- worker-a\n${first.output().slice(-4000)}\n--- worker-b\n${second.output().slice(-4000)}`);
    });

    await expectComplete(f);
    // Both still hold their share: neither died nor gave its accounts up for good.
    await until(async () => alive(first, second) && (await bothHold(f, 'worker-a', 'worker-b')), 'both workers to hold accounts at the end', SLOW);
  });
});
