/**
 * Bot benchmark (issue 4): /status reply latency through the local Bot API server while 5 scrapes run
 * and 1,000 operations wait, against the same panel idle, in one run.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { WorldInput } from '../src/sandbox/index.js';
import { worldAccounts } from '../test/e2e/telegram-harness.js';
import { silentLogger } from '../test/engine/harness.js';
import type { BenchResult } from './types.js';
import { formatTable, isMain, round } from './util.js';

const ADMIN = { id: 1, first_name: 'Admin' };
const SAMPLES = 300;
const CHATS = 20;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/**
 * One scenario at the given sandbox latency, with the panel as `npm start` builds it: the simulated Telegram
 * in its own thread (its CPU is not ours), the accounts' GramJS work in the accounts thread, the bot and the
 * engine on the main thread.
 */
async function statusUnderLoad(latencyMs: number): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-bot-'));
  const world: WorldInput = {
    latencyMs,
    participantsCap: 10_000,
    accounts: worldAccounts(10),
    chats: Array.from({ length: CHATS }, (_, i) => ({ id: 100 + i, kind: 'supergroup' as const, username: `loadchat${i}`, title: `Load ${i}`, members: { from: 1 + i * 1000, count: 9000 } })),
  };
  writeFileSync(join(dir, 'world.json'), JSON.stringify(world));
  const config = loadConfig({ DATABASE_PATH: join(dir, 'bot.db'), SANDBOX_WORLD: join(dir, 'world.json') });
  const app = await createApp({ config, logger: silentLogger() });
  await app.start();
  const server = app.botApi;
  if (!server) throw new Error('no embedded Bot API server');

  const statusLatencies = async (): Promise<number[]> => {
    const samples: number[] = [];
    for (let i = 0; i < SAMPLES; i += 1) {
      const reply = server.waitFor((m) => m.sender === 'bot' && (m.text?.startsWith('📟 Switchboard status') ?? false), 10_000);
      const t0 = performance.now();
      server.userSends(ADMIN, '/status');
      await reply;
      samples.push(performance.now() - t0);
    }
    return samples.sort((a, b) => a - b);
  };

  try {
    await statusLatencies(); // warm-up
    const idle = await statusLatencies();
    const load = app.engine.submitMany(Array.from({ length: 1005 }, (_, i) => ({ kind: 'scrape', params: { target: `@loadchat${i % CHATS}` } })));
    if (load.some((r) => r.kind !== 'queued')) throw new Error('the load was refused');
    while (app.engine.metrics().active.scraping < 5) await new Promise((resolve) => setTimeout(resolve, 10));
    // Warmed up like the idle run: the first collections after the load was queued (a thousand operations
    // built at once) belong to setting the load up, not to answering under it.
    await statusLatencies();
    const busy = await statusLatencies();
    const metrics = app.engine.metrics();
    const tag = `${latencyMs}ms`;
    const results: BenchResult[] = [
      { name: `bot.status.${tag}.p50`, value: round(percentile(busy, 50), 1), unit: 'ms', baseline: round(percentile(idle, 50), 1), ratio: round(percentile(busy, 50) / percentile(idle, 50), 2) },
      {
        name: `bot.status.${tag}.p95`,
        value: round(percentile(busy, 95), 1),
        unit: 'ms',
        baseline: round(percentile(idle, 95), 1),
        ratio: round(percentile(busy, 95) / percentile(idle, 95), 2),
        target: 'ratio <= 2',
        note: `/status round trips (admin sends → reply arrives) through the local Bot API server, ${SAMPLES} each, sandbox latency ${latencyMs} ms; under load ${metrics.active.scraping} scrapes ran and ${metrics.queued} operations waited; baseline = the same panel idle, in this run`,
      },
    ];
    return results;
  } finally {
    await app.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchBot(): Promise<BenchResult[]> {
  // 100 ms is a realistic Telegram round trip; at 20 ms five scrapes keep the accounts thread busy decoding.
  return [...(await statusUnderLoad(100)), ...(await statusUnderLoad(20))];
}

if (isMain(import.meta.url)) {
  process.stdout.write(`${formatTable(await benchBot())}\n`);
}
