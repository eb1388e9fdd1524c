/**
 * Import benchmark (issue 8): /import of a zip of 200 Telethon sessions through the real bot and GramJS
 * against the sandbox, per session against importing one session alone (same run, same panel setup), with
 * peak RSS; and reading the zip against reading the same 200 files without it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { readDocument } from '../src/sessions/index.js';
import type { WorldInput } from '../src/sandbox/index.js';
import { silentLogger } from '../test/engine/harness.js';
import { telethonFile, testKey, zipOf } from '../test/sessions/fixtures.js';
import type { BenchResult } from './types.js';
import { collectGarbage, formatTable, isMain, median, round } from './util.js';

const ADMIN = { id: 1, first_name: 'Admin' };
const SESSIONS = 200;
const DC_IP: Record<number, string> = { 1: '149.154.175.53', 2: '149.154.167.51', 3: '149.154.175.100', 4: '149.154.167.91', 5: '91.108.56.130' };
const dcOf = (n: number) => (n % 5) + 1;
const keyOf = (n: number) => testKey(`bench-import-${n}`);
const sessionFile = (n: number) => telethonFile(dcOf(n), DC_IP[dcOf(n)] as string, 443, keyOf(n));

function world(accounts: number): WorldInput {
  return {
    latencyMs: 20,
    accounts: Array.from({ length: accounts + 1 }, (_, i) => ({
      phone: `+1555${String(i + 1).padStart(7, '0')}`,
      userId: 7_000_001 + i,
      firstName: `Acc${i + 1}`,
      code: '12345',
      authorized: i === 0,
      authKey: keyOf(i + 1).toString('hex'),
      dc: dcOf(i + 1),
    })),
    chats: [],
  };
}

/** One /import of `count` sessions in a fresh panel: ms from the document sent to the answer, and peak RSS. */
async function importRun(count: number): Promise<{ ms: number; rssBeforeMb: number; rssPeakMb: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-import-'));
  writeFileSync(join(dir, 'world.json'), JSON.stringify(world(count)));
  const app = await createApp({ config: loadConfig({ DATABASE_PATH: join(dir, 'import.db'), SANDBOX_WORLD: join(dir, 'world.json') }), logger: silentLogger() });
  await app.start();
  const server = app.botApi;
  if (!server) throw new Error('no embedded Bot API server');
  try {
    const zip = zipOf(Array.from({ length: count }, (_, i) => [`s/${i + 2}.session`, sessionFile(i + 2)] as const));
    collectGarbage();
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    const answer = server.waitFor((m) => /^(✅|❌) Import of/.test(m.text ?? ''), 300_000);
    const t0 = performance.now();
    server.userSendsDocument(ADMIN, { file_name: 'bench.zip', bytes: zip, caption: '/import' });
    const text = (await answer).text ?? '';
    const ms = performance.now() - t0;
    clearInterval(sampler);
    if (!text.includes(`${count} added`)) throw new Error(`the import did not add every session: ${text.split('\n')[0]}`);
    return { ms, rssBeforeMb: rssBefore / 1024 / 1024, rssPeakMb: Math.max(peak, process.memoryUsage().rss) / 1024 / 1024 };
  } finally {
    await app.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Reading only: the zip of 200 files against the same 200 files handed over one by one. */
function readRuns(): BenchResult {
  const files = Array.from({ length: SESSIONS }, (_, i) => sessionFile(i + 2));
  const zip = zipOf(files.map((bytes, i) => [`s/${i + 2}.session`, bytes] as const));
  const time = (fn: () => void) => {
    const samples: number[] = [];
    for (let r = 0; r < 7; r++) {
      const t0 = performance.now();
      fn();
      samples.push(performance.now() - t0);
    }
    return median(samples);
  };
  const plain = time(() => files.forEach((bytes, i) => readDocument(`${i}.session`, bytes)));
  const zipped = time(() => readDocument('bench.zip', zip));
  return {
    name: 'import.read.zip200',
    value: round(zipped, 1),
    unit: 'ms',
    baseline: round(plain, 1),
    ratio: round(zipped / plain, 2),
    target: 'ratio <= 3',
    note: `reading ${SESSIONS} Telethon .session files from one zip (${Math.round(zip.length / 1024)} KB, ${Math.round(files.reduce((n, f) => n + f.length, 0) / 1024 / 1024 * 10) / 10} MB unpacked: inflating it is the added work), against the same files read one by one without the zip, median of 7`,
  };
}

export async function benchImport(): Promise<BenchResult[]> {
  const read = readRuns();
  await importRun(1); // warm-up: module loading and GramJS's first client
  const one = await importRun(1);
  const many = await importRun(SESSIONS);
  const perSession = many.ms / SESSIONS;
  return [
    read,
    {
      name: 'import.e2e.perSession',
      value: round(perSession, 1),
      unit: 'ms',
      baseline: round(one.ms, 1),
      ratio: round(perSession / one.ms, 2),
      target: 'ratio <= 1',
      note: `/import of a zip of ${SESSIONS} Telethon sessions through the bot, each connected with GramJS and asked who it is (sandbox latency 20 ms), ${round(many.ms / 1000, 1)} s in all; per session, against one session imported alone in this run`,
    },
    {
      name: 'import.e2e.peakRss',
      value: round(many.rssPeakMb - many.rssBeforeMb, 1),
      unit: 'MB',
      baseline: round(one.rssPeakMb - one.rssBeforeMb, 1),
      note: `RSS growth during the ${SESSIONS}-session import (peak ${round(many.rssPeakMb, 0)} MB), against the one-session import's`,
    },
  ];
}

if (isMain(import.meta.url)) {
  process.stdout.write(`${formatTable(await benchImport())}\n`);
}
