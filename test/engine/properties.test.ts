import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { sleep, type Engine, type OperationType } from '../../src/engine/index.js';
import { createHarness } from './harness.js';

/** A random operation: what it is, how long it takes, how it ends, whether someone cancels it. */
interface OpSpec {
  type: OperationType;
  durationMs: number;
  pin: number | null;
  ending: 'ok' | 'transient' | 'fatal' | 'flood-short' | 'deaf';
  cancelAfterMs: number | null;
  submitAfterMs: number;
}

const opSpec = (accounts: number): fc.Arbitrary<OpSpec> =>
  fc.record({
    type: fc.constantFrom<OperationType>('scraping', 'scraping', 'sending', 'other'),
    durationMs: fc.integer({ min: 0, max: 25 }),
    pin: fc.option(fc.integer({ min: 1, max: accounts }), { freq: 3 }),
    ending: fc.constantFrom<OpSpec['ending']>('ok', 'ok', 'ok', 'transient', 'fatal', 'flood-short', 'deaf'),
    cancelAfterMs: fc.option(fc.integer({ min: 0, max: 30 }), { freq: 4 }),
    submitAfterMs: fc.integer({ min: 0, max: 20 }),
  });

const scenario = fc
  .record({ accounts: fc.integer({ min: 1, max: 5 }), limit: fc.integer({ min: 1, max: 3 }), removeAtMs: fc.option(fc.integer({ min: 0, max: 40 }), { freq: 3 }) })
  .chain((base) => fc.record({ base: fc.constant(base), ops: fc.array(opSpec(base.accounts), { minLength: 1, maxLength: 25 }) }));

/** Fails the property when a run does not end: no run may hang. */
function withinMs<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not end within ${ms} ms`)), ms);
    }),
  ]);
}

async function untilIdle(engine: Engine, accountId: number): Promise<void> {
  while (engine.getAccount(accountId)?.load !== 0) await sleep(1);
}

async function untilQuiet(engine: Engine): Promise<void> {
  const busy = () => {
    const m = engine.metrics();
    return m.activeScrapes + m.queued + Object.values(m.active).reduce((a, b) => a + b, 0) > 0;
  };
  while (busy()) await sleep(1);
}

const kindOf = (type: OperationType) => `synthetic-${type}`;

/** A few turns of the real event loop: the engine's group commits run on (unfaked) immediates. */
async function realTurns(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Moves fake time on in 5 ms steps, with real turns between them, until `work` settles (at most 10 s of fake time). */
async function onFakeTime<T>(work: Promise<T>): Promise<T> {
  let settled = false;
  void work.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let step = 0; step < 2000 && !settled; step += 1) {
    await realTurns(1);
    if (!settled) await vi.advanceTimersByTimeAsync(5);
  }
  if (!settled) throw new Error('did not settle within 10 s of fake time');
  return work;
}

/** Registers one synthetic runner per type that records overlaps and concurrency as it runs. */
function instrument(engine: Engine, specs: Map<number, OpSpec>, limit: number) {
  const onAccount = new Map<number, number>();
  const violations: string[] = [];
  let scraping = 0;
  let peakScraping = 0;
  for (const type of ['scraping', 'sending', 'other'] as const) {
    engine.register({
      kind: kindOf(type),
      type,
      run: async ({ operationId, account, signal, attempt }) => {
        const spec = specs.get(operationId);
        if (!spec) throw new Error(`no spec for #${operationId}`);
        const other = onAccount.get(account.id);
        if (other !== undefined) violations.push(`#${operationId} started on account ${account.id} while #${other} ran`);
        onAccount.set(account.id, operationId);
        if (type === 'scraping') {
          scraping += 1;
          peakScraping = Math.max(peakScraping, scraping);
          if (scraping > limit) violations.push(`${scraping} scrapes at once, limit ${limit}`);
        }
        const metrics = engine.metrics();
        if (Object.values(metrics.active).some((n) => n < 0) || metrics.queued < 0) violations.push('a metric went below zero');
        try {
          if (spec.ending === 'deaf') {
            // Ignores its signal: the engine must still free the account after the grace period.
            await sleep(spec.durationMs);
            return 'deaf';
          }
          await sleep(spec.durationMs, signal);
          if (spec.ending === 'transient' && attempt === 1) throw Object.assign(new Error('RPC_CALL_FAIL'), { errorMessage: 'RPC_CALL_FAIL', code: 500 });
          if (spec.ending === 'fatal') throw new Error('synthetic failure');
          if (spec.ending === 'flood-short' && attempt === 1) throw Object.assign(new Error('FLOOD_WAIT_0'), { errorMessage: 'FLOOD_WAIT_0', seconds: 0 });
          return 'ok';
        } finally {
          if (onAccount.get(account.id) === operationId) onAccount.delete(account.id);
          if (type === 'scraping') scraping -= 1;
        }
      },
    });
  }
  return { violations, peak: () => peakScraping };
}

describe('Engine properties', () => {
  it('never overlaps two operations on an account, never exceeds the scrape limit, and every run ends with metrics back at zero', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, fc.integer({ min: 5, max: 40 }), async ({ base, ops }, runTimeoutMs) => {
        const specs = new Map<number, OpSpec>();
        let probe!: ReturnType<typeof instrument>;
        const { engine, db } = await createHarness(base.accounts, {
          scrapeConcurrency: base.limit,
          timeouts: { run: { scraping: runTimeoutMs, sending: runTimeoutMs, other: runTimeoutMs }, queueWaitMs: 200, abortGraceMs: 5, cleanupMs: 500 },
          retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 },
          floodSleepThresholdS: 1,
          register: (e) => {
            probe = instrument(e, specs, base.limit);
          },
        });
        const submitted: number[] = [];
        const cancels: Array<ReturnType<typeof setTimeout>> = [];
        const submissions = ops.map(async (spec) => {
          await sleep(spec.submitAfterMs);
          const result = engine.submit({ kind: kindOf(spec.type), accountId: spec.pin });
          if (result.kind === 'refused') return;
          specs.set(result.operation.id, spec);
          submitted.push(result.operation.id);
          if (spec.cancelAfterMs !== null) cancels.push(setTimeout(() => engine.cancel(result.operation.id), spec.cancelAfterMs));
        });
        const removal = base.removeAtMs === null ? Promise.resolve() : sleep(base.removeAtMs).then(() => engine.removeAccount(1));
        await Promise.all(submissions);
        const finished = await withinMs(Promise.all(submitted.map((id) => engine.waitFor(id))), 10_000, 'the operations');
        await removal;
        try {
          expect(probe.violations).toEqual([]);
          expect(probe.peak()).toBeLessThanOrEqual(base.limit);
          for (const op of finished) expect(['succeeded', 'failed', 'cancelled']).toContain(op.status);
          // Runners that ignored their abort still hold their account and slot until they stop.
          await withinMs(untilQuiet(engine), 1000, 'the last runner');
          const metrics = engine.metrics();
          expect(metrics).toMatchObject({ activeScrapes: 0, queued: 0, active: { scraping: 0, sending: 0, other: 0, monitoring: 0 } });
          const open = db.sqlite.prepare(`select count(*) as n from operations where status in ('queued','running')`).get();
          expect(open).toEqual({ n: 0 });
        } finally {
          cancels.forEach(clearTimeout);
          await withinMs(engine.stop(), 5000, 'stop');
          db.close();
        }
      }),
      { numRuns: 40 },
    );
  });

  it('starts the waiting operations of an account in priority order, then FIFO', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 30 }), async (priorities) => {
        const order: number[] = [];
        let unblock!: () => void;
        const gate = new Promise<void>((resolve) => (unblock = resolve));
        const { engine, db } = await createHarness(1, {
          register: (e) => {
            e.register({ kind: 'gate', type: 'other', run: () => gate });
            e.register({ kind: 'job', type: 'other', run: async ({ operationId }) => void order.push(operationId) });
          },
        });
        try {
          engine.submit({ kind: 'gate' });
          const ids = priorities.map((priority) => {
            const result = engine.submit({ kind: 'job', priority });
            if (result.kind !== 'queued') throw new Error(result.message);
            return { id: result.operation.id, priority };
          });
          unblock();
          await withinMs(Promise.all(ids.map(({ id }) => engine.waitFor(id))), 5000, 'the queue');
          const expected = [...ids].sort((a, b) => b.priority - a.priority || a.id - b.id).map(({ id }) => id);
          expect(order).toEqual(expected);
        } finally {
          await engine.stop();
          db.close();
        }
      }),
      { numRuns: 40 },
    );
  });

  it('hands the scrape slots out by priority, then FIFO', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 20 }), async (priorities) => {
        const order: number[] = [];
        let unblock!: () => void;
        const gate = new Promise<void>((resolve) => (unblock = resolve));
        const { engine, db } = await createHarness(4, {
          scrapeConcurrency: 1,
          register: (e) => {
            e.register({ kind: 'gate', type: 'scraping', run: () => gate });
            e.register({ kind: 'scrape', type: 'scraping', run: async ({ operationId }) => void order.push(operationId) });
          },
        });
        try {
          engine.submit({ kind: 'gate' });
          await sleep(1);
          const ids = priorities.map((priority) => {
            const result = engine.submit({ kind: 'scrape', priority });
            if (result.kind !== 'queued') throw new Error(result.message);
            return { id: result.operation.id, priority };
          });
          unblock();
          await withinMs(Promise.all(ids.map(({ id }) => engine.waitFor(id))), 5000, 'the scrapes');
          expect(order).toEqual([...ids].sort((a, b) => b.priority - a.priority || a.id - b.id).map(({ id }) => id));
        } finally {
          await engine.stop();
          db.close();
        }
      }),
      { numRuns: 30 },
    );
  });

  it('fires every timeout and frees the lock for the next operation', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ durationMs: fc.integer({ min: 0, max: 30 }), deaf: fc.boolean() }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 2, max: 15 }),
        async (runs, timeoutMs) => {
          const { engine, db } = await createHarness(1, {
            timeouts: { run: { other: timeoutMs }, abortGraceMs: 3, queueWaitMs: 10_000 },
            retry: { maxAttempts: 1 },
            register: (e) =>
              e.register<{ durationMs: number; deaf: boolean }, unknown, string>({
                kind: 'timed',
                type: 'other',
                run: async ({ params, signal }) => {
                  await sleep(params.durationMs, params.deaf ? undefined : signal);
                  return 'done';
                },
              }),
          });
          try {
            const ids = runs.map((params) => {
              const result = engine.submit({ kind: 'timed', params });
              if (result.kind !== 'queued') throw new Error(result.message);
              return result.operation.id;
            });
            const done = await withinMs(Promise.all(ids.map((id) => engine.waitFor(id))), 10_000, 'the timed runs');
            runs.forEach((run, i) => {
              const op = done[i]!;
              // Far from the boundary the verdict is certain either way.
              if (run.durationMs >= timeoutMs + 10) expect(op.error?.kind).toBe('timeout');
              if (run.durationMs + 5 < timeoutMs && !run.deaf) expect(op.status).toBe('succeeded');
            });
            // A runner that ignored its abort keeps the account until it really stops (R1), then frees it.
            await withinMs(untilIdle(engine, 1), 1000, 'the lock release');
            expect(engine.getAccount(1)).toMatchObject({ state: 'idle', load: 0 });
          } finally {
            await engine.stop();
            db.close();
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('cancels everything of an account or of the engine within the cleanup budget', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 10 }),
        fc.boolean(),
        async (accounts, deafness, wholeEngine) => {
          const cleanupMs = 150;
          // The budget is measured on fake time: on real time a busy machine makes any bound a guess.
          vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
          const { engine, db } = await createHarness(accounts, {
            timeouts: { cleanupMs, abortGraceMs: 50 },
            register: (e) => {
              e.register<boolean, unknown, unknown>({
                kind: 'forever',
                type: 'other',
                run: ({ params: deaf, signal, spawn }) => {
                  spawn('watch', 'monitoring', (s) => new Promise<void>((resolve) => s.addEventListener('abort', () => resolve())));
                  return deaf ? new Promise(() => undefined) : sleep(60_000, signal);
                },
              });
            },
          });
          try {
            for (const deaf of deafness) engine.submit({ kind: 'forever', params: deaf });
            // Every account that got work is running it, with its watch task spawned.
            await realTurns();
            expect(engine.tasks.count()).toBeGreaterThanOrEqual(2 * Math.min(accounts, deafness.length));
            const started = Date.now();
            if (wholeEngine) {
              await onFakeTime(engine.stop());
              expect(engine.tasks.count()).toBe(0);
            } else {
              for (let id = 1; id <= accounts; id += 1) await onFakeTime(engine.removeAccount(id));
              for (let id = 1; id <= accounts; id += 1) expect(engine.tasks.count(id)).toBe(0);
            }
            expect(Date.now() - started).toBeLessThanOrEqual(cleanupMs * (wholeEngine ? 1 : accounts) + 5);
            expect(engine.metrics().active.monitoring).toBe(0);
          } finally {
            await onFakeTime(engine.stop());
            vi.useRealTimers();
            db.close();
          }
        },
      ),
      { numRuns: 15 },
    );
  });
});
