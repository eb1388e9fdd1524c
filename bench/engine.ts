import PQueue from 'p-queue';
import pino from 'pino';
import { createEngine, type Engine, type Operation, type SubmitRequest } from '../src/engine/index.js';
import type { BenchResult } from './types.js';
import { collectGarbage, formatTable, isMain, median, mulberry32, round, settle, tempDatabase } from './util.js';

const ACCOUNTS = 100;
const DISPATCH_OPS = 10_000;
const DISPATCH_RUNS = 3;
const DISPATCH_TARGET = 3;

const SCRAPES = 200;
const SCRAPE_ACCOUNTS = 20;
const SCRAPE_LIMIT = 5;
const SCRAPE_MIN_MS = 20;
const SCRAPE_MAX_MS = 200;
const SCRAPE_SEED = 0x5eed;
const MAKESPAN_RUNS = 3;
const MAKESPAN_TARGET = 1.1;

const GROWTH_SIZES = [1_000, 10_000, 100_000] as const;
const GROWTH_TARGET = 2;
/** A run that has not finished by then is reported as too slow rather than waited for. */
const DEADLINE_MS = 60_000;

const NOOP = 'bench.noop';
const SCRAPE = 'bench.scrape';
/** Long enough that no bench operation ever times out waiting or running: the bench measures the scheduler, not R3. */
const GENEROUS_MS = 3_600_000;

const noop = async (): Promise<undefined> => undefined;

// ---------------------------------------------------------------- rigs

export interface Rig {
  readonly engine: Engine;
  dispose(): Promise<void>;
}

export interface RigOptions {
  readonly accounts: number;
  readonly scrapeConcurrency?: number;
  readonly register: (engine: Engine) => void;
}

/** A started engine on a fresh database file with `accounts` ready accounts (no clients). */
export async function createRig(options: RigOptions): Promise<Rig> {
  const temp = tempDatabase();
  const engine = createEngine({
    db: temp.db,
    logger: pino({ level: 'silent' }),
    scrapeConcurrency: options.scrapeConcurrency ?? SCRAPE_LIMIT,
    timeouts: {
      queueWaitMs: GENEROUS_MS,
      lockMs: GENEROUS_MS,
      scrapeSlotMs: GENEROUS_MS,
      run: { scraping: GENEROUS_MS, other: GENEROUS_MS },
    },
  });
  options.register(engine);
  for (let i = 0; i < options.accounts; i += 1) {
    const added = await engine.addAccount({ phone: `+1555${String(i + 1).padStart(7, '0')}` });
    if (added.kind !== 'ok') throw new Error(`bench could not add an account: ${added.message}`);
  }
  await engine.start();
  return {
    engine,
    async dispose() {
      await engine.stop();
      temp.dispose();
    },
  };
}

export interface Finished {
  readonly count: number;
  readonly failed: number;
  readonly firstError: string | null;
  readonly timedOut: boolean;
}

/** Resolves once `n` operations have finished (or the deadline passed), counting the ones that did not succeed. */
export function finishedCount(engine: Engine, n: number, deadlineMs = DEADLINE_MS): Promise<Finished> {
  return new Promise((resolve) => {
    let count = 0;
    let failed = 0;
    let firstError: string | null = null;
    const done = (timedOut: boolean) => {
      clearTimeout(deadline);
      engine.events.off('operation:finished', onFinished);
      resolve({ count, failed, firstError, timedOut });
    };
    const onFinished = (op: Operation) => {
      count += 1;
      if (op.status !== 'succeeded') {
        failed += 1;
        firstError ??= `#${op.id} ${op.status}: ${op.error?.message ?? 'no message'}`;
      }
      if (count === n) done(false);
    };
    const deadline = setTimeout(() => done(true), deadlineMs);
    engine.events.on('operation:finished', onFinished);
  });
}

function assertQueued(results: readonly { kind: string }[], n: number): void {
  const refused = results.filter((r) => r.kind !== 'queued').length;
  if (refused > 0 || results.length !== n) throw new Error(`bench: ${refused} of ${n} operations were refused`);
}

/** Peak RSS above the level when sampling started. */
class RssWatch {
  readonly #rss0 = process.memoryUsage.rss();
  #peak = 0;
  readonly #timer = setInterval(() => this.sample(), 10);

  sample(): void {
    this.#peak = Math.max(this.#peak, process.memoryUsage.rss() - this.#rss0);
  }

  stop(): number {
    clearInterval(this.#timer);
    this.sample();
    return this.#peak;
  }
}

// ---------------------------------------------------------------- no-op dispatch

interface NoopRun {
  readonly usPerOp: number;
  readonly completed: number;
  readonly elapsedMs: number;
  readonly timedOut: boolean;
  readonly memory?: Memory;
}

interface Memory {
  /** Heap still reachable once every operation is queued, after a full collection. */
  readonly retainedBytes: number;
  readonly peakRssBytes: number;
}

/** `n` no-op operations through the engine on ACCOUNTS accounts: submitMany until the last one finished. */
async function engineNoops(n: number, watchMemory = false): Promise<NoopRun> {
  const rig = await createRig({ accounts: ACCOUNTS, register: (e) => e.register({ kind: NOOP, type: 'other', run: noop }) });
  try {
    const requests: SubmitRequest[] = Array.from({ length: n }, () => ({ kind: NOOP }));
    collectGarbage();
    const heap0 = process.memoryUsage().heapUsed;
    const watch = watchMemory ? new RssWatch() : undefined;
    const finished = finishedCount(rig.engine, n);
    const started = performance.now();
    // The snapshots submitMany answers are dropped at once, so that only what the engine keeps is measured.
    assertQueued(rig.engine.submitMany(requests), n);
    let retainedBytes = 0;
    let gcMs = 0;
    if (watch) {
      // Every operation is queued now and none has run: what the heap holds after a full collection is their cost.
      watch.sample();
      const before = performance.now();
      collectGarbage();
      retainedBytes = process.memoryUsage().heapUsed - heap0;
      gcMs = performance.now() - before;
    }
    const outcome = await finished;
    // The forced collection is the bench's doing, not the engine's.
    const elapsedMs = performance.now() - started - gcMs;
    const memory = watch ? { retainedBytes, peakRssBytes: watch.stop() } : undefined;
    if (outcome.failed > 0) throw new Error(`bench: ${outcome.failed} no-op operations did not succeed (${outcome.firstError ?? ''})`);
    return {
      usPerOp: outcome.count === 0 ? Number.POSITIVE_INFINITY : (elapsedMs * 1000) / outcome.count,
      completed: outcome.count,
      elapsedMs,
      timedOut: outcome.timedOut,
      ...(memory ? { memory } : {}),
    };
  } finally {
    await rig.dispose();
    await settle();
  }
}

/** The floor: ACCOUNTS bare p-queues of concurrency 1 running the same no-ops round-robin. */
async function bareNoops(n: number): Promise<number> {
  const queues = Array.from({ length: ACCOUNTS }, () => new PQueue({ concurrency: 1 }));
  collectGarbage();
  const started = performance.now();
  const pending = new Array<Promise<unknown>>(n);
  for (let i = 0; i < n; i += 1) pending[i] = (queues[i % ACCOUNTS] as PQueue).add(noop);
  await Promise.all(pending);
  const us = ((performance.now() - started) * 1000) / n;
  await settle();
  return us;
}

/**
 * What durability alone costs (R9), for context: bare p-queues whose no-ops do the least an operation
 * must write — the rows inserted in one transaction before they run, one commit marking each finished.
 */
async function durableFloorNoops(n: number): Promise<number> {
  const temp = tempDatabase();
  try {
    const { sqlite } = temp.db;
    const insert = sqlite.prepare(`insert into operations (kind, params, priority, created_at, updated_at) values (?, 'null', 3, ?, ?)`);
    const insertAll = sqlite.transaction((count: number, now: number) => {
      const ids = new Array<number>(count);
      for (let i = 0; i < count; i += 1) ids[i] = Number(insert.run(NOOP, now, now).lastInsertRowid);
      return ids;
    });
    const finish = sqlite.prepare(`update operations set status = 'succeeded', finished_at = ?, updated_at = ? where id = ?`);
    const queues = Array.from({ length: ACCOUNTS }, () => new PQueue({ concurrency: 1 }));
    collectGarbage();
    const started = performance.now();
    const ids = insertAll(n, Date.now());
    const pending = ids.map((id, i) =>
      (queues[i % ACCOUNTS] as PQueue).add(async () => {
        await noop();
        const now = Date.now();
        finish.run(now, now, id);
      }),
    );
    await Promise.all(pending);
    const us = ((performance.now() - started) * 1000) / n;
    return us;
  } finally {
    temp.dispose();
    await settle();
  }
}

const us = (value: number) => round(value, 2);

/** 1. Dispatch overhead per operation: engine against bare p-queue, 10,000 no-ops on 100 accounts. */
export async function benchDispatch(): Promise<BenchResult[]> {
  // Warm-up: JIT, SQLite page cache, p-queue code paths.
  await engineNoops(DISPATCH_OPS);
  await bareNoops(DISPATCH_OPS);
  await durableFloorNoops(DISPATCH_OPS);
  const engine: number[] = [];
  const bare: number[] = [];
  const floor: number[] = [];
  // Interleaved so that a noisy moment of the machine hurts every side alike.
  for (let run = 0; run < DISPATCH_RUNS; run += 1) {
    bare.push(await bareNoops(DISPATCH_OPS));
    floor.push(await durableFloorNoops(DISPATCH_OPS));
    const result = await engineNoops(DISPATCH_OPS);
    if (result.timedOut) throw new Error(`bench: ${DISPATCH_OPS} no-ops did not finish within ${DEADLINE_MS / 1000} s`);
    engine.push(result.usPerOp);
  }
  const e = median(engine);
  const b = median(bare);
  const f = median(floor);
  return [
    { name: 'engine.dispatch.bare-pqueue', value: us(b), unit: 'µs/op', note: `${DISPATCH_OPS} no-ops on ${ACCOUNTS} PQueue({ concurrency: 1 }), median of ${DISPATCH_RUNS}` },
    {
      name: 'engine.dispatch.durable-floor',
      value: us(f),
      unit: 'µs/op',
      baseline: us(b),
      ratio: round(f / b),
      note: 'the same p-queues plus the least R9 needs: one insert transaction, one commit per finished op (context, no target)',
    },
    { name: 'engine.dispatch', value: us(e), unit: 'µs/op', baseline: us(b), ratio: round(e / b), target: `ratio <= ${DISPATCH_TARGET}` },
    { name: 'engine.dispatch.vs-durable-floor', value: us(e), unit: 'µs/op', baseline: us(f), ratio: round(e / f) },
  ];
}

// ---------------------------------------------------------------- makespan

interface MakespanRun {
  readonly makespanMs: number;
  readonly peakRunning: number;
  readonly peakActiveScrapes: number;
}

/** Scrape-like operations of random length under the scrape limit: submit until the last one finished. */
async function makespanRun(lengths: readonly number[]): Promise<MakespanRun> {
  let running = 0;
  let peakRunning = 0;
  let peakActiveScrapes = 0;
  const rig = await createRig({
    accounts: SCRAPE_ACCOUNTS,
    scrapeConcurrency: SCRAPE_LIMIT,
    register: (e) =>
      e.register<{ ms: number }, never, undefined>({
        kind: SCRAPE,
        type: 'scraping',
        run: async ({ params }) => {
          running += 1;
          peakRunning = Math.max(peakRunning, running);
          peakActiveScrapes = Math.max(peakActiveScrapes, e.metrics().activeScrapes);
          try {
            await new Promise((resolve) => setTimeout(resolve, params.ms));
          } finally {
            running -= 1;
          }
          return undefined;
        },
      }),
  });
  try {
    const finished = finishedCount(rig.engine, lengths.length);
    const started = performance.now();
    const results = rig.engine.submitMany(lengths.map((ms) => ({ kind: SCRAPE, params: { ms } })));
    assertQueued(results, lengths.length);
    const outcome = await finished;
    const makespanMs = performance.now() - started;
    if (outcome.timedOut) throw new Error(`bench: the scrapes did not finish within ${DEADLINE_MS / 1000} s`);
    if (outcome.failed > 0) throw new Error(`bench: ${outcome.failed} scrapes did not succeed (${outcome.firstError ?? ''})`);
    return { makespanMs, peakRunning, peakActiveScrapes };
  } finally {
    await rig.dispose();
    await settle();
  }
}

/** 2. Makespan of 200 random-length scrapes on 20 accounts, limit 5, against the ideal lower bound. */
export async function benchMakespan(): Promise<BenchResult[]> {
  const random = mulberry32(SCRAPE_SEED);
  const lengths = Array.from({ length: SCRAPES }, () => Math.round(SCRAPE_MIN_MS + random() * (SCRAPE_MAX_MS - SCRAPE_MIN_MS)));
  const sum = lengths.reduce((a, b) => a + b, 0);
  const bound = Math.max(sum / SCRAPE_LIMIT, Math.max(...lengths));
  const runs: MakespanRun[] = [];
  for (let run = 0; run < MAKESPAN_RUNS; run += 1) runs.push(await makespanRun(lengths));
  const makespan = median(runs.map((r) => r.makespanMs));
  const peak = Math.max(...runs.map((r) => r.peakRunning));
  const peakMetric = Math.max(...runs.map((r) => r.peakActiveScrapes));
  return [
    {
      name: 'engine.makespan',
      value: Math.round(makespan),
      unit: 'ms',
      baseline: Math.round(bound),
      ratio: round(makespan / bound, 3),
      target: `ratio <= ${MAKESPAN_TARGET}`,
      note: `${SCRAPES} scrapes of ${SCRAPE_MIN_MS}–${SCRAPE_MAX_MS} ms (seed ${SCRAPE_SEED}, sum ${sum} ms) on ${SCRAPE_ACCOUNTS} accounts, limit ${SCRAPE_LIMIT}; baseline = max(sum/${SCRAPE_LIMIT}, longest); median of ${MAKESPAN_RUNS}`,
    },
    {
      name: 'engine.makespan.peak-scrapes',
      value: peak,
      unit: 'running',
      target: `value <= ${SCRAPE_LIMIT}`,
      pass: peak <= SCRAPE_LIMIT && peakMetric <= SCRAPE_LIMIT,
      note: `counted inside the runner; metrics().activeScrapes peaked at ${peakMetric}`,
    },
  ];
}

// ---------------------------------------------------------------- growth

const label = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n));

/** 3. Dispatch cost per operation at 1k, 10k and 100k queued no-ops, each against bare p-queue at that size. */
export async function benchGrowth(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const engineAt = new Map<number, number>();
  const bareAt = new Map<number, number>();
  let tooSlow: NoopRun | undefined;
  let memory: NoopRun['memory'];
  await engineNoops(GROWTH_SIZES[0]);
  for (const size of GROWTH_SIZES) {
    const largest = size === GROWTH_SIZES[GROWTH_SIZES.length - 1];
    // The largest size runs once: its own length smooths noise, and three runs would blow the time budget.
    const runs = largest ? 1 : 3;
    const engine: number[] = [];
    const bare: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      bare.push(await bareNoops(size));
      const result = await engineNoops(size, largest);
      if (result.timedOut) {
        tooSlow = result;
        break;
      }
      if (result.memory) memory = result.memory;
      engine.push(result.usPerOp);
    }
    const b = median(bare);
    bareAt.set(size, b);
    if (tooSlow) {
      results.push({
        name: `engine.growth.${label(size)}`,
        value: Number.NaN,
        unit: 'µs/op',
        baseline: us(b),
        pass: false,
        note: `too slow: only ${tooSlow.completed} of ${size} finished in ${Math.round(tooSlow.elapsedMs / 1000)} s (${us(tooSlow.usPerOp)} µs/op so far)`,
      });
      break;
    }
    const e = median(engine);
    engineAt.set(size, e);
    results.push({ name: `engine.growth.${label(size)}`, value: us(e), unit: 'µs/op', baseline: us(b), ratio: round(e / b) });
  }
  const small = GROWTH_SIZES[0];
  const large = GROWTH_SIZES[GROWTH_SIZES.length - 1] as number;
  const e0 = engineAt.get(small);
  const e1 = engineAt.get(large);
  const b0 = bareAt.get(small);
  const b1 = bareAt.get(large);
  const logGrowth = Math.log(large) / Math.log(small);
  if (e0 !== undefined && e1 !== undefined && b0 !== undefined && b1 !== undefined) {
    results.push({
      name: `engine.growth.${label(large)}/${label(small)}`,
      value: round(e1 / e0),
      unit: '× per-op',
      baseline: round(b1 / b0),
      target: `value <= ${GROWTH_TARGET}`,
      note: `per-op cost at ${label(large)} over ${label(small)}; flat = 1×, logarithmic ≈ log(${large})/log(${small}) = ${round(logGrowth)}×; baseline = the same growth of bare p-queue`,
    });
  }
  if (memory) {
    results.push({
      name: `engine.growth.${label(large)}.heap`,
      value: Math.round(memory.retainedBytes / large),
      unit: 'bytes/queued op',
      note: `${round(memory.retainedBytes / 2 ** 20, 1)} MB of heap held with ${label(large)} operations queued (after a full GC); peak RSS +${round(memory.peakRssBytes / 2 ** 20, 1)} MB during the run`,
    });
  }
  return results;
}

/** Every engine benchmark: dispatch overhead, makespan under the scrape limit, growth with queue size. */
export async function benchEngine(): Promise<BenchResult[]> {
  return [...(await benchDispatch()), ...(await benchMakespan()), ...(await benchGrowth())];
}

if (isMain(import.meta.url)) {
  const started = performance.now();
  console.log(formatTable(await benchEngine()));
  console.log(`\nengine bench took ${round((performance.now() - started) / 1000, 1)} s`);
}
