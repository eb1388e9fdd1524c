// What dispatch through the queue costs per operation (docs/several-processes.md): a panel's FleetSubmitter writes
// the row and its pg-boss job, a worker's QueueFeeder pulls the job, binds the row to a free account and hands it to
// its engine; against the local dispatcher of one process on SQLite. The operations are no-ops, so what is measured
// is the way there and back, not the work.
import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import type { Engine, RunnerDefinition } from '../src/engine/index.js';
import type { FleetEvents } from '../src/engine/distributed/fleet-events.js';
import { createPgEventBus } from '../src/engine/distributed/pg-event-bus.js';
import { createWorkerApp, type WorkerApp } from '../src/worker-app.js';
import { Fleet } from '../test/e2e/fleet-harness.js';
import { worldAccounts } from '../test/e2e/telegram-harness.js';
import { createRig, finishedCount, type Rig } from './engine.js';
import type { BenchResult } from './types.js';
import { formatTable, isMain, median, mulberry32, round, settle } from './util.js';

const ACCOUNTS = 4;
/** Operations per throughput run, submitted in one batch. */
const BATCH = 200;
const BATCH_RUNS = 5;
/** Operations submitted one at a time, each once the previous one finished, after a pause of its own. */
const SINGLES = 12;
/** The pauses before each single: spread so that a submit falls anywhere in a worker's polling cycle, as an admin's does. */
const MAX_PAUSE_MS = 1000;
const SEED = 0xd15;
const DEADLINE_MS = 120_000;

const NOOP = 'bench.noop';
const noop: RunnerDefinition<never, unknown, never, unknown> = { kind: NOOP, type: 'other', run: () => Promise.resolve(undefined) };
const quiet = pino({ level: 'silent' });

/** One way of dispatching: how a batch is submitted, and the engine whose `operation:finished` says it ran. */
interface Side {
  readonly engine: Engine<unknown>;
  submit(count: number): Promise<void>;
  dispose(): Promise<void>;
}

/** The local dispatcher: one process, its engine on SQLite, ACCOUNTS accounts. */
async function localSide(): Promise<Side> {
  const rig: Rig = await createRig({ accounts: ACCOUNTS, register: (e) => e.register(noop) });
  return {
    engine: rig.engine as Engine<unknown>,
    submit(count) {
      const results = rig.engine.submitMany(Array.from({ length: count }, () => ({ kind: NOOP })));
      if (results.some((r) => r.kind !== 'queued')) throw new Error('bench: the engine refused a no-op');
      return Promise.resolve();
    },
    dispose: () => rig.dispose(),
  };
}

/**
 * Through the queue: a fleet's database and world, its submitter (the panel's side), and one worker — the real
 * composition of ROLE=worker (createWorkerApp), in this process so that it can run the no-op too — holding every account.
 */
async function queueSide(): Promise<Side> {
  const fleet = new Fleet({ world: { latencyMs: 1, accounts: worldAccounts(ACCOUNTS), chats: [] }, leaseSeconds: 30, definitions: [noop] });
  let worker: WorkerApp | undefined;
  try {
    await fleet.start();
    worker = await createWorkerApp({ config: loadConfig(fleet.workerEnv('bench-dispatch')), logger: quiet });
    worker.engine.register(noop);
    await worker.start();
    const deadline = performance.now() + 60_000;
    while ([...(await fleet.holders()).values()].reduce((a, b) => a + b, 0) < ACCOUNTS) {
      if (performance.now() > deadline) throw new Error('bench: the worker did not take every account within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  } catch (error) {
    await worker?.stop();
    await fleet.stop();
    throw error;
  }
  const app = worker;
  // As the panel does (FleetPanelEngine.submitMany): tell the workers over the bus that work is there.
  const bus = await createPgEventBus<FleetEvents>({ url: fleet.url, origin: 'bench-panel', logger: quiet });
  return {
    engine: app.engine,
    async submit(count) {
      const results = await fleet.submitter.submitMany(Array.from({ length: count }, () => ({ kind: NOOP })));
      if (results.some((r) => r.kind !== 'queued')) throw new Error('bench: the submitter refused a no-op');
      await bus.publish('queue:wake');
    },
    async dispose() {
      await bus.close();
      await app.stop();
      await fleet.stop();
    },
  };
}

/** ms per operation of `count` no-ops submitted at once, from the submit until the last one finished. */
async function batch(side: Side, count: number): Promise<number> {
  const finished = finishedCount(side.engine, count, DEADLINE_MS);
  const started = performance.now();
  await side.submit(count);
  const outcome = await finished;
  const ms = performance.now() - started;
  if (outcome.timedOut) throw new Error(`bench: ${count} no-ops did not finish within ${DEADLINE_MS / 1000} s`);
  if (outcome.failed > 0) throw new Error(`bench: ${outcome.failed} no-ops did not succeed (${outcome.firstError ?? ''})`);
  return ms / count;
}

/** ms from submit to finished of single no-ops, one at a time after seeded pauses; the median. */
async function singles(side: Side): Promise<number> {
  const random = mulberry32(SEED);
  const times: number[] = [];
  for (let i = 0; i < SINGLES; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, random() * MAX_PAUSE_MS));
    times.push(await batch(side, 1));
  }
  return median(times);
}

interface Figures {
  readonly batchMs: number;
  readonly singleMs: number;
}

async function measure(open: () => Promise<Side>): Promise<Figures> {
  const side = await open();
  try {
    // Warm-up: JIT, prepared statements, pg-boss's first fetches.
    await batch(side, BATCH / 4);
    const runs: number[] = [];
    for (let run = 0; run < BATCH_RUNS; run += 1) runs.push(await batch(side, BATCH));
    return { batchMs: median(runs), singleMs: await singles(side) };
  } finally {
    await side.dispose();
    await settle();
  }
}

export async function benchQueueDispatch(): Promise<BenchResult[]> {
  const local = await measure(localSide);
  const queue = await measure(queueSide);
  const ms = (value: number) => round(value, value < 1 ? 3 : 2);
  return [
    {
      name: `dispatch.queue ${BATCH} no-ops at once, ${ACCOUNTS} accounts, queue vs local`,
      value: ms(queue.batchMs),
      unit: 'ms/op',
      baseline: ms(local.batchMs),
      ratio: round(queue.batchMs / local.batchMs, 1),
      note: `FleetSubmitter + pg-boss + one worker's QueueFeeder (PostgreSQL) against the one-process engine (SQLite); median of ${BATCH_RUNS} batches each`,
    },
    {
      name: `dispatch.queue.latency one no-op, submit to finished, queue vs local`,
      value: ms(queue.singleMs),
      unit: 'ms',
      baseline: ms(local.singleMs),
      ratio: round(queue.singleMs / local.singleMs, 1),
      note: `median of ${SINGLES}, each after a pause of 0–${MAX_PAUSE_MS} ms; each submit is followed by the panel's queue:wake on the event bus, which makes an idle worker fetch at once instead of at its next 500 ms poll`,
    },
  ];
}

if (isMain(import.meta.url)) {
  console.log(formatTable(await benchQueueDispatch()));
}
