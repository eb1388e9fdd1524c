// Several processes on PostgreSQL (docs/several-processes.md): the CPU-bound bulk scrape with one worker process
// and with two, in the same run, and the takeover time after kill -9 with the default lease.
import { Fleet } from '../test/e2e/fleet-harness.js';
import { worldAccounts } from '../test/e2e/telegram-harness.js';
import type { WorldInput } from '../src/sandbox/index.js';
import type { BenchResult } from './types.js';

const CHATS = 40;
const MEMBERS = 2000;

function world(): WorldInput {
  return {
    // Small latency: decoding the pages (CPU), not the simulated network, bounds the run.
    latencyMs: 1,
    participantsCap: 10_000,
    accounts: worldAccounts(4),
    chats: Array.from({ length: CHATS }, (_, i) => ({
      id: 3001 + i,
      kind: 'supergroup' as const,
      username: `benchchat${i + 1}`,
      title: `Bench ${i + 1}`,
      members: { from: 1_000_000 + i * MEMBERS, count: MEMBERS },
    })),
  };
}

async function waitFor(check: () => Promise<boolean>, what: string, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Wall time of the bulk from submit until every row succeeded, with `workers` processes already holding every account. */
async function bulk(workers: number): Promise<number> {
  const input = world();
  const fleet = new Fleet({ world: input, scrapeConcurrency: 4, leaseSeconds: 3 });
  try {
    await fleet.start();
    for (let i = 0; i < workers; i += 1) fleet.spawnWorker(`bench-${i + 1}`);
    await waitFor(async () => {
      const holders = await fleet.holders();
      return holders.size === workers && [...holders.values()].reduce((a, b) => a + b, 0) === 4;
    }, 'the workers to hold every account', 60_000);
    const t0 = performance.now();
    await fleet.submitter.submitMany((input.chats ?? []).map((chat) => ({ kind: 'scrape', params: { target: `@${chat.username}` } })));
    await waitFor(async () => ((await fleet.statuses()).succeeded ?? 0) === CHATS, 'the bulk to finish', 600_000);
    return performance.now() - t0;
  } finally {
    await fleet.stop();
  }
}

/** Seconds from kill -9 of a worker until the survivor holds every account, with LEASE_SECONDS at its default. */
async function takeover(): Promise<number> {
  const fleet = new Fleet({ world: { ...world(), chats: [] }, leaseSeconds: 30 });
  try {
    await fleet.start();
    const first = fleet.spawnWorker('bench-a');
    fleet.spawnWorker('bench-b');
    await waitFor(async () => (await fleet.holders()).size === 2, 'both workers to hold accounts', 120_000);
    const t0 = performance.now();
    first.child.kill('SIGKILL');
    await waitFor(async () => (await fleet.holders()).get('bench-b') === 4, 'the survivor to hold every account', 120_000);
    return (performance.now() - t0) / 1000;
  } finally {
    await fleet.stop();
  }
}

export async function benchFleet(): Promise<BenchResult[]> {
  const one = await bulk(1);
  const two = await bulk(2);
  const seconds = await takeover();
  return [
    {
      name: `fleet.bulk ${CHATS} chats × ${MEMBERS / 200} pages of 200, two workers vs one`,
      value: Math.round(two),
      unit: 'ms',
      baseline: Math.round(one),
      ratio: Math.round((one / two) * 100) / 100,
      target: 'ratio >= 1.6',
      note: 'ratio here is one worker’s time / two workers’ (speed-up); the world is served by the bench process on the same 2 cores',
    },
    { name: 'fleet.takeover after kill -9 (LEASE_SECONDS=30)', value: Math.round(seconds * 10) / 10, unit: 's', target: 'value <= 60' },
  ];
}
