import { register as globalRegistry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, OperationFailure, type Engine, type Operation } from '../../src/engine/index.js';
import { ACCOUNT_STATES, createMetrics, type Metrics } from '../../src/metrics/index.js';
import { createHarness, silentLogger, type Harness } from '../engine/harness.js';
import { samplesOf, valueOf } from './prometheus-text.js';

/** A Telegram-shaped RPC error, as GramJS throws them. */
const rpcError = (errorMessage: string, code: number, seconds?: number) =>
  Object.assign(new Error(errorMessage), { errorMessage, code, ...(seconds === undefined ? {} : { seconds }) });

function submit(engine: Engine, request: Parameters<Engine['submit']>[0]): Operation {
  const result = engine.submit(request);
  if (result.kind !== 'queued') throw new Error(`refused: ${result.message}`);
  return result.operation;
}

/** Resolves at the next start of an operation. */
function nextStart(engine: Engine): Promise<Operation> {
  return new Promise((resolve) => engine.events.once('operation:started', resolve));
}

/** Work that runs until its test lets it end. */
function gate() {
  const open: Array<() => void> = [];
  return {
    wait: () => new Promise<void>((resolve) => open.push(resolve)),
    release: () => open.splice(0).forEach((resolve) => resolve()),
  };
}

let harness: Harness | undefined;
let metrics: Metrics | undefined;
afterEach(async () => {
  metrics?.close();
  metrics = undefined;
  await harness?.engine.stop();
  harness?.db.close();
  harness = undefined;
});

const ME = { role: 'all', workerName: 'test-host:1' } as const;

describe('Metrics', () => {
  it('exports every account state, the queue, the scrape slots and the running work as they are at each scrape', async () => {
    const work = gate();
    harness = await createHarness(2, {
      scrapeConcurrency: 1,
      register: (e) => e.register({ kind: 'pages', type: 'scraping', run: () => work.wait() }),
    });
    const { engine } = harness;
    metrics = createMetrics({ engine, ...ME });
    let text = await metrics.text();
    expect(samplesOf(text, 'switchboard_accounts').map((s) => s.labels.state)).toEqual([...ACCOUNT_STATES]);
    expect(valueOf(text, 'switchboard_accounts', { state: 'idle' })).toBe(2);
    expect(valueOf(text, 'switchboard_accounts', { state: 'busy' })).toBe(0);
    expect(valueOf(text, 'switchboard_queue_depth')).toBe(0);
    expect(valueOf(text, 'switchboard_scrapes_active')).toBe(0);
    expect(valueOf(text, 'switchboard_scrape_limit')).toBe(1);
    expect(samplesOf(text, 'switchboard_operations_running').map((s) => [s.labels.type, s.value])).toEqual([
      ['scraping', 0],
      ['monitoring', 0],
      ['sending', 0],
      ['other', 0],
    ]);

    const started = nextStart(engine);
    const first = submit(engine, { kind: 'pages' });
    await started;
    // The scrape limit of 1 keeps the second one waiting for the slot.
    const second = submit(engine, { kind: 'pages' });
    text = await metrics.text();
    expect(valueOf(text, 'switchboard_scrapes_active')).toBe(1);
    expect(valueOf(text, 'switchboard_operations_running', { type: 'scraping' })).toBe(1);
    expect(valueOf(text, 'switchboard_queue_depth')).toBe(1);
    expect(valueOf(text, 'switchboard_accounts', { state: 'busy' })).toBe(1);
    expect(valueOf(text, 'switchboard_accounts', { state: 'idle' })).toBe(1);

    const idle = engine.listAccounts().find((a) => a.state === 'idle')!;
    expect(engine.pauseAccount(idle.id).kind).toBe('ok');
    text = await metrics.text();
    expect(valueOf(text, 'switchboard_accounts', { state: 'paused' })).toBe(1);
    expect(valueOf(text, 'switchboard_accounts', { state: 'idle' })).toBe(0);

    const secondStarted = nextStart(engine);
    work.release();
    await engine.waitFor(first.id);
    await secondStarted;
    work.release();
    await engine.waitFor(second.id);
    text = await metrics.text();
    expect(valueOf(text, 'switchboard_operations_total', { kind: 'pages', outcome: 'succeeded' })).toBe(2);
    expect(valueOf(text, 'switchboard_scrapes_active')).toBe(0);
    expect(valueOf(text, 'switchboard_queue_depth')).toBe(0);
    expect(valueOf(text, 'switchboard_operations_running', { type: 'scraping' })).toBe(0);
  });

  it('counts ended operations by kind and outcome: succeeded, failed and cancelled', async () => {
    harness = await createHarness(1, {
      register: (e) => {
        e.register({ kind: 'ok', type: 'other', run: async () => 1 });
        e.register({
          kind: 'bad',
          type: 'other',
          run: async () => {
            throw new OperationFailure({ kind: 'not_found', message: 'No such chat.' });
          },
        });
        e.register({ kind: 'slow', type: 'sending', run: async ({ signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error))) });
      },
    });
    const { engine } = harness;
    metrics = createMetrics({ engine, ...ME });
    await engine.waitFor(submit(engine, { kind: 'ok' }).id);
    await engine.waitFor(submit(engine, { kind: 'ok' }).id);
    expect((await engine.waitFor(submit(engine, { kind: 'bad' }).id)).status).toBe('failed');
    const started = nextStart(engine);
    const slow = submit(engine, { kind: 'slow' });
    await started;
    expect(engine.cancel(slow.id).kind).toBe('cancelling');
    expect((await engine.waitFor(slow.id)).status).toBe('cancelled');
    const text = await metrics.text();
    expect(samplesOf(text, 'switchboard_operations_total').map((s) => [s.labels.kind, s.labels.outcome, s.value])).toEqual([
      ['ok', 'succeeded', 2],
      ['bad', 'failed', 1],
      ['slow', 'cancelled', 1],
    ]);
  });

  it('counts each flood wait once, slept through or cooled down, and shows the cooling account', async () => {
    let calls = 0;
    harness = await createHarness(2, {
      floodSleepThresholdS: 1,
      register: (e) =>
        e.register<null, number, number>({
          kind: 'pages',
          type: 'scraping',
          run: async ({ checkpoint }) => {
            calls += 1;
            const from = checkpoint.get() ?? 0;
            for (let page = from; page < 4; page += 1) {
              if (page === 1 && calls === 1) throw rpcError('FLOOD_WAIT_0', 420, 0);
              if (page === 2 && calls === 2) throw rpcError('FLOOD_WAIT_120', 420, 120);
              checkpoint.save(page + 1);
            }
            return 4;
          },
        }),
    });
    const { engine } = harness;
    metrics = createMetrics({ engine, ...ME });
    expect(valueOf(await metrics.text(), 'switchboard_flood_waits_total')).toBe(0);
    const done = await engine.waitFor(submit(engine, { kind: 'pages' }).id);
    expect(done.status).toBe('succeeded');
    // Slept through once on the first account, then cooled it down and moved on.
    expect(calls).toBe(3);
    let text = await metrics.text();
    expect(valueOf(text, 'switchboard_flood_waits_total')).toBe(2);
    expect(valueOf(text, 'switchboard_accounts', { state: 'cooling' })).toBe(1);
    expect(engine.listAccounts().reduce((sum, a) => sum + a.floodWaits, 0)).toBe(2);
    // A scrape again counts nothing twice.
    text = await metrics.text();
    expect(valueOf(text, 'switchboard_flood_waits_total')).toBe(2);
  });

  it("counts only this process's flood waits: an account's earlier ones are where it starts from", async () => {
    let calls = 0;
    /** Meets a short flood wait on every other run. */
    const register = (e: Engine) =>
      e.register({
        kind: 'flood',
        type: 'other',
        run: async () => {
          calls += 1;
          if (calls % 2 === 1) throw rpcError('FLOOD_WAIT_0', 420, 0);
        },
      });
    harness = await createHarness(1, { floodSleepThresholdS: 1, register });
    await harness.engine.waitFor(submit(harness.engine, { kind: 'flood' }).id);
    expect(harness.engine.getAccount(1)?.floodWaits).toBe(1);
    await harness.engine.stop();
    // The next process over the same database, its metrics built before its engine starts as the app does:
    // the stored count is history, not this process's.
    const { db } = harness;
    const engine = createEngine({ db, logger: silentLogger(), floodSleepThresholdS: 1 });
    register(engine);
    harness = { db, engine };
    metrics = createMetrics({ engine, ...ME });
    await engine.start();
    expect(engine.getAccount(1)?.floodWaits).toBe(1);
    expect(valueOf(await metrics.text(), 'switchboard_flood_waits_total')).toBe(0);
    await engine.waitFor(submit(engine, { kind: 'flood' }).id);
    expect(engine.getAccount(1)?.floodWaits).toBe(2);
    expect(valueOf(await metrics.text(), 'switchboard_flood_waits_total')).toBe(1);
  });

  it('registers lease takeovers at 0 and counts what the hook reports', async () => {
    harness = await createHarness(0);
    metrics = createMetrics({ engine: harness.engine, ...ME });
    const text = await metrics.text();
    expect(text).toContain('# HELP switchboard_lease_takeovers_total Accounts this worker took over');
    expect(valueOf(text, 'switchboard_lease_takeovers_total')).toBe(0);
    metrics.onLeaseTakeover();
    metrics.onLeaseTakeover();
    expect(valueOf(await metrics.text(), 'switchboard_lease_takeovers_total')).toBe(2);
  });

  it('labels every sample with role and worker in a registry of its own, beside the process metrics', async () => {
    harness = await createHarness(1);
    metrics = createMetrics({ engine: harness.engine, ...ME });
    const other = createMetrics({ engine: harness.engine, role: 'worker', workerName: 'other:2' });
    try {
      const text = await metrics.text();
      expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(valueOf(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
      expect(valueOf(text, 'nodejs_heap_size_total_bytes')).toBeGreaterThan(0);
      for (const sample of samplesOf(text, 'switchboard_accounts')) expect(sample.labels).toMatchObject({ role: 'all', worker: 'test-host:1' });
      expect(samplesOf(text, 'process_resident_memory_bytes')[0]?.labels).toEqual({ role: 'all', worker: 'test-host:1' });
      expect(valueOf(await other.text(), 'switchboard_accounts', { state: 'idle', role: 'worker', worker: 'other:2' })).toBe(1);
      expect(metrics.registry).not.toBe(globalRegistry);
      expect(await globalRegistry.metrics()).not.toContain('switchboard_');
    } finally {
      other.close();
    }
  });

  it('stops listening to the engine once closed', async () => {
    harness = await createHarness(0);
    const { events } = harness.engine;
    const before = events.listenerCount('operation:finished');
    const closing = createMetrics({ engine: harness.engine, ...ME });
    expect(events.listenerCount('operation:finished')).toBe(before + 1);
    closing.close();
    expect(events.listenerCount('operation:finished')).toBe(before);
  });
});
