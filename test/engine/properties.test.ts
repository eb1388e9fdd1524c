import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  sleep,
  type AbortKind,
  type CancelResult,
  type Engine,
  type FailureKind,
  type Operation,
  type OperationAbortedError,
  type OperationStatus,
  type OperationType,
} from '../../src/engine/index.js';
import { onFakeClock, onFakeTime, realTurns } from './fake-clock.js';
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

async function untilQuiet(engine: Engine): Promise<void> {
  const busy = () => {
    const m = engine.metrics();
    return m.activeScrapes + m.queued + Object.values(m.active).reduce((a, b) => a + b, 0) > 0;
  };
  while (busy()) await sleep(1);
}

const kindOf = (type: OperationType) => `synthetic-${type}`;

/** One call of a runner, as the runner saw it: the attempt it was told, where it ran, and how it ended. */
interface Call {
  readonly attempt: number;
  readonly accountId: number;
  readonly signal: AbortSignal;
  /**
   * When the call before it threw a short flood wait: whether its signal was still untouched when this
   * call began (the wait must then have been slept through: same attempt, same account) or had stopped
   * it (a retry or a move follows). Null otherwise.
   */
  readonly afterFlood: 'untouched' | 'stopped' | null;
  /** What the runner did: returned a value, threw an error of its own, or was stopped by its signal. */
  end: { readonly how: 'returned'; readonly value: string } | { readonly how: 'threw'; readonly what: 'transient' | 'fatal' | 'flood' } | { readonly how: 'aborted' } | undefined;
}

/** Why a call's signal was aborted, or null while it is not. */
const abortOf = (call: Call): AbortKind | null => (call.signal.aborted ? (call.signal.reason as OperationAbortedError).kind : null);

/**
 * Registers one synthetic runner per type that records overlaps and concurrency as it runs, and every
 * call it gets, so the test can tell what each operation's runner decided.
 */
function instrument(engine: Engine, specs: Map<number, OpSpec>, limit: number) {
  const onAccount = new Map<number, number>();
  const violations: string[] = [];
  const calls = new Map<number, Call[]>();
  const finished = new Set<number>();
  engine.events.on('operation:finished', (op) => finished.add(op.id));
  let scraping = 0;
  let peakScraping = 0;
  for (const type of ['scraping', 'sending', 'other'] as const) {
    engine.register({
      kind: kindOf(type),
      type,
      run: async ({ operationId, account, signal, attempt }) => {
        const spec = specs.get(operationId);
        if (!spec) throw new Error(`no spec for #${operationId}`);
        if (finished.has(operationId)) violations.push(`#${operationId} ran again after it had finished`);
        const ofOp = calls.get(operationId) ?? [];
        const previous = ofOp.at(-1);
        const afterFlood = previous?.end?.how === 'threw' && previous.end.what === 'flood' ? (previous.signal.aborted ? 'stopped' : 'untouched') : null;
        const call: Call = { attempt, accountId: account.id, signal, afterFlood, end: undefined };
        ofOp.push(call);
        calls.set(operationId, ofOp);
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
        const threw = (what: 'transient' | 'fatal' | 'flood', error: Error) => {
          call.end = { how: 'threw', what };
          return error;
        };
        try {
          if (spec.ending === 'deaf') {
            // Ignores its signal: the engine must still free the account after the grace period.
            await sleep(spec.durationMs);
            call.end = { how: 'returned', value: 'deaf' };
            return 'deaf';
          }
          try {
            await sleep(spec.durationMs, signal);
          } catch (reason) {
            call.end = { how: 'aborted' };
            throw reason;
          }
          if (spec.ending === 'transient' && attempt === 1) throw threw('transient', Object.assign(new Error('RPC_CALL_FAIL'), { errorMessage: 'RPC_CALL_FAIL', code: 500 }));
          if (spec.ending === 'fatal') throw threw('fatal', new Error('synthetic failure'));
          // The first call only: the engine sleeps the wait through and calls again in the same attempt (R7).
          if (spec.ending === 'flood-short' && ofOp.length === 1) throw threw('flood', Object.assign(new Error('FLOOD_WAIT_0'), { errorMessage: 'FLOOD_WAIT_0', seconds: 0 }));
          call.end = { how: 'returned', value: 'ok' };
          return 'ok';
        } finally {
          if (onAccount.get(account.id) === operationId) onAccount.delete(account.id);
          if (type === 'scraping') scraping -= 1;
        }
      },
    });
  }
  return { violations, peak: () => peakScraping, calls: (id: number) => calls.get(id) ?? [] };
}

/** What the test did to an operation from outside: cancelled it (and what `cancel` answered), removed an account. */
interface Interference {
  readonly cancel: { readonly answer: CancelResult['kind']; readonly status?: OperationStatus; readonly callsBefore: number } | undefined;
  readonly removal: boolean;
}

const describeCall = (call: Call) =>
  `attempt ${call.attempt} on account ${call.accountId} ${
    call.end === undefined ? 'never ended' : call.end.how === 'returned' ? `returned ${call.end.value}` : call.end.how === 'threw' ? `threw ${call.end.what}` : 'was stopped'
  }${abortOf(call) ? ` (signal: ${abortOf(call)})` : ''}`;

/**
 * What is wrong with how an operation ended, judged from its runner's calls alone: each attempt ran once
 * (a slept-through flood wait calls again in the same attempt, on the same account), and the operation
 * ended with the outcome its last call chose, or — when that call sent it back to wait (a retry, a move)
 * and it never ran again — with an outcome a wait can have. Empty when it ended right.
 */
function endingProblems(op: Operation, spec: OpSpec, calls: readonly Call[], outside: Interference, maxAttempts: number): string[] {
  const problems: string[] = [];
  const ended = `${op.status}${op.error ? ` (${op.error.kind}: ${op.error.message})` : ''}${op.status === 'succeeded' ? ` with ${JSON.stringify(op.result)}` : ''}`;
  const say = (what: string) => problems.push(`#${op.id} (${spec.type} ${spec.ending}${op.pinnedAccountId ? `, pinned to ${op.pinnedAccountId}` : ''}; ${calls.map(describeCall).join(', ') || 'never ran'}): ${what}, but it ended ${ended}`);
  calls.forEach((call, i) => {
    const previous = calls[i - 1];
    if (previous !== undefined && call.afterFlood === 'untouched') {
      if (call.attempt !== previous.attempt || call.accountId !== previous.accountId) {
        say(`call ${i + 1} came after a short flood wait nothing interrupted, so it should have been slept through: attempt ${previous.attempt} again, on account ${previous.accountId}`);
      }
    } else if (call.attempt !== (previous?.attempt ?? 0) + 1) {
      say(`call ${i + 1} should have been attempt ${(previous?.attempt ?? 0) + 1}`);
    }
  });
  if (op.attempts !== (calls.at(-1)?.attempt ?? 0)) say(`its runner saw ${calls.at(-1)?.attempt ?? 0} attempts, the operation counts ${op.attempts}`);
  const is = (status: Operation['status'], kind?: FailureKind) => op.status === status && (kind === undefined || op.error?.kind === kind);
  // How an operation can end while it waits (for a retry, an account, a slot): never a success.
  const waitEnding = (gaveUp: FailureKind | null) =>
    is('failed', 'timeout') || (gaveUp !== null && is('failed', gaveUp)) || (outside.removal && is('failed', 'no_account')) || (outside.cancel !== undefined && is('cancelled', 'cancelled'));
  const last = calls.at(-1);
  // Its signal as it is now: a call's signal is never aborted after the engine has judged the call.
  const abort = last === undefined ? null : abortOf(last);
  if (last === undefined) {
    if (!waitEnding(null)) say('it never ran, so it could only time out waiting, find no account or be cancelled');
  } else if (abort === 'cancelled') {
    if (!is('cancelled', 'cancelled')) say('its last call was cancelled');
  } else if (abort === null && last.end?.how === 'returned') {
    if (!is('succeeded') || op.result !== last.end.value || op.error !== null) say(`its last call returned ${last.end.value}`);
  } else if (abort === null && last.end?.how === 'threw' && last.end.what === 'fatal') {
    if (!is('failed', 'error') || op.error?.message !== 'synthetic failure') say('its last call failed for good');
  } else if (abort === 'removed' && op.pinnedAccountId !== null) {
    // A cancel the engine took while the run was already stopping (the removal came first) ends it cancelled.
    if (!is('failed', 'no_account') && !(outside.cancel?.answer === 'cancelling' && is('cancelled', 'cancelled'))) {
      say('its account was removed under it, and it was pinned there');
    }
  } else {
    // A transient failure is retried until the attempts run out; only then may the engine give up on it.
    const gaveUp = last.end?.how === 'threw' && last.end.what === 'transient' && last.attempt >= maxAttempts ? 'transient' : null;
    if (!waitEnding(gaveUp)) say('its last call sent it back to wait and it never ran again');
  }
  if (is('cancelled') && outside.cancel === undefined) say('nobody cancelled it');
  if (is('failed', 'no_account') && !outside.removal) say('no account was removed');
  const cancel = outside.cancel;
  if (cancel?.answer === 'finished' && op.status !== cancel.status) say(`cancel answered it had already ended ${cancel.status}`);
  if (cancel?.answer === 'cancelled') {
    // Cancelled while it waited: it ends there, and never runs again.
    if (!is('cancelled', 'cancelled')) say('cancel answered it was cancelled while it waited');
    if (calls.length !== cancel.callsBefore) say(`it ran ${calls.length - cancel.callsBefore} more time(s) after it was cancelled`);
  }
  return problems;
}

/** Attempts the first property's engine makes; a transient failure comes only on the first. */
const MAX_ATTEMPTS = 2;

describe('Engine properties', () => {
  it('never overlaps two operations on an account, never exceeds the scrape limit, and every run ends with metrics back at zero', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, fc.integer({ min: 5, max: 40 }), async ({ base, ops }, runTimeoutMs) => {
        const specs = new Map<number, OpSpec>();
        let probe!: ReturnType<typeof instrument>;
        const { engine, db } = await createHarness(base.accounts, {
          scrapeConcurrency: base.limit,
          timeouts: { run: { scraping: runTimeoutMs, sending: runTimeoutMs, other: runTimeoutMs }, queueWaitMs: 200, abortGraceMs: 5, cleanupMs: 500 },
          retry: { maxAttempts: MAX_ATTEMPTS, baseDelayMs: 1, maxDelayMs: 5 },
          floodSleepThresholdS: 1,
          register: (e) => {
            probe = instrument(e, specs, base.limit);
          },
        });
        const submitted: number[] = [];
        const cancels: Array<ReturnType<typeof setTimeout>> = [];
        const cancelled = new Map<number, Interference['cancel']>();
        let removed = false;
        const submissions = ops.map(async (spec) => {
          await sleep(spec.submitAfterMs);
          const result = engine.submit({ kind: kindOf(spec.type), accountId: spec.pin });
          if (result.kind === 'refused') return;
          const id = result.operation.id;
          specs.set(id, spec);
          submitted.push(id);
          if (spec.cancelAfterMs !== null) {
            cancels.push(
              setTimeout(() => {
                const callsBefore = probe.calls(id).length;
                const answer = engine.cancel(id);
                cancelled.set(id, { answer: answer.kind, callsBefore, ...(answer.kind === 'finished' ? { status: answer.status } : {}) });
              }, spec.cancelAfterMs),
            );
          }
        });
        const removal =
          base.removeAtMs === null
            ? Promise.resolve()
            : sleep(base.removeAtMs).then(() => {
                removed = true;
                return engine.removeAccount(1);
              });
        await Promise.all(submissions);
        const finished = await withinMs(Promise.all(submitted.map((id) => engine.waitFor(id))), 10_000, 'the operations');
        await removal;
        try {
          expect(probe.violations).toEqual([]);
          expect(probe.peak()).toBeLessThanOrEqual(base.limit);
          // Every operation ended once, as its runner decided: the runner's own record is the oracle.
          const wrong = finished.flatMap((op) => endingProblems(op, specs.get(op.id)!, probe.calls(op.id), { cancel: cancelled.get(op.id), removal: removed }, MAX_ATTEMPTS));
          expect(wrong, 'operations that did not end as their runner decided').toEqual([]);
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

  it('stops an operation at its run timeout, lets one that ends just inside it succeed, and frees the lock for the next', async () => {
    const graceMs = 3;
    // A few ms either side of the timeout; exactly on it is a tie that no rule decides.
    const nearTimeout = fc.record({ offsetMs: fc.oneof(fc.integer({ min: -5, max: -1 }), fc.integer({ min: 1, max: 5 })), deaf: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.array(nearTimeout, { minLength: 1, maxLength: 8 }), fc.integer({ min: 10, max: 300_000 }), async (runs, timeoutMs) => {
        // On fake time the boundary is exact to the millisecond, and a 300 s timeout costs no real time.
        vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
        try {
          const stoppedAt = new Map<number, number>();
          const { engine, db } = await createHarness(1, {
            timeouts: { run: { other: timeoutMs }, abortGraceMs: graceMs, queueWaitMs: 24 * 3_600_000, lockMs: 24 * 3_600_000 },
            retry: { maxAttempts: 1 },
            register: (e) => {
              e.register<{ durationMs: number; deaf: boolean }, unknown, string>({
                kind: 'timed',
                type: 'other',
                run: async ({ operationId, params, signal }) => {
                  signal.addEventListener('abort', () => stoppedAt.set(operationId, Date.now()), { once: true });
                  await sleep(params.durationMs, params.deaf ? undefined : signal);
                  return 'done';
                },
              });
              e.register({ kind: 'probe', type: 'other', run: async () => 'free' });
            },
          });
          try {
            const submittedAt = Date.now();
            const ids = runs.map(({ offsetMs, deaf }) => {
              const result = engine.submit({ kind: 'timed', params: { durationMs: timeoutMs + offsetMs, deaf } });
              if (result.kind !== 'queued') throw new Error(result.message);
              return result.operation.id;
            });
            // Queued behind them, the probe starts the moment the last one frees the account.
            const probe = engine.submit({ kind: 'probe' });
            if (probe.kind !== 'queued') throw new Error(probe.message);
            const [probed, ...done] = await onFakeClock(Promise.all([probe.operation.id, ...ids].map((id) => engine.waitFor(id))));
            // What R1 and R3 say, to the millisecond (times from the submission): each one starts the moment
            // the one before freed the account.
            let freeAt = 0;
            const expected = runs.map(({ offsetMs, deaf }) => {
              const durationMs = timeoutMs + offsetMs;
              const startedAt = freeAt;
              const inside = offsetMs < 0;
              // A runner that ignores its abort ends its operation after the grace period at the latest, and
              // keeps the account until it really stops.
              const ranMs = inside ? durationMs : deaf ? Math.min(durationMs, timeoutMs + graceMs) : timeoutMs;
              freeAt = startedAt + (inside || deaf ? durationMs : timeoutMs);
              return { durationMs, deaf, status: inside ? 'succeeded' : 'failed', error: inside ? null : 'timeout', startedAt, ranMs, stoppedAfterMs: inside ? null : timeoutMs, freeAt };
            });
            const actual = runs.map(({ offsetMs, deaf }, i) => {
              const op = done[i]!;
              const startedAt = (op.startedAt ?? Number.NaN) - submittedAt;
              const stopped = stoppedAt.get(op.id);
              return {
                durationMs: timeoutMs + offsetMs,
                deaf,
                status: op.status,
                error: op.error?.kind ?? null,
                startedAt,
                ranMs: (op.finishedAt ?? Number.NaN) - submittedAt - startedAt,
                stoppedAfterMs: stopped === undefined ? null : stopped - submittedAt - startedAt,
                freeAt: ((done[i + 1] ?? probed)?.startedAt ?? Number.NaN) - submittedAt,
              };
            });
            expect(actual, `runs against a ${timeoutMs} ms timeout`).toEqual(expected);
            expect(probed?.status).toBe('succeeded');
            // Afterwards the account is free: the next operation starts the moment it is submitted.
            expect(engine.getAccount(1)).toMatchObject({ state: 'idle', load: 0 });
            const nextAt = Date.now();
            const next = engine.submit({ kind: 'probe' });
            if (next.kind !== 'queued') throw new Error(next.message);
            const after = await onFakeClock(engine.waitFor(next.operation.id));
            expect({ status: after.status, waitedMs: (after.startedAt ?? Number.NaN) - nextAt }).toEqual({ status: 'succeeded', waitedMs: 0 });
          } finally {
            await onFakeClock(engine.stop());
            db.close();
          }
        } finally {
          vi.useRealTimers();
        }
      }),
      { numRuns: 40 },
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
