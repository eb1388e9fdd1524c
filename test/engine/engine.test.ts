import { afterEach, describe, expect, it } from 'vitest';
import { OperationFailure, sleep, type Engine, type Operation } from '../../src/engine/index.js';
import { until } from '../until.js';
import { createHarness, type Harness } from './harness.js';

/** A Telegram-shaped RPC error, as GramJS throws them. */
function rpcError(errorMessage: string, code = 400, seconds?: number) {
  return Object.assign(new Error(errorMessage), { errorMessage, code, ...(seconds === undefined ? {} : { seconds }) });
}

function submit(engine: Engine, request: Parameters<Engine['submit']>[0]): Operation {
  const result = engine.submit(request);
  if (result.kind !== 'queued') throw new Error(`refused: ${result.message}`);
  return result.operation;
}

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.engine.stop();
  harness?.db.close();
  harness = undefined;
});

describe('Engine', () => {
  it('starts an operation for an idle account at once, with no queue hop', async () => {
    const started: number[] = [];
    harness = await createHarness(1, {
      register: (e) =>
        e.register({
          kind: 'noop',
          type: 'other',
          run: async ({ operationId }) => {
            started.push(operationId);
          },
        }),
    });
    const op = submit(harness.engine, { kind: 'noop' });
    // Handed straight to the account, never placed in its queue…
    expect(harness.engine.getAccount(1)).toMatchObject({ load: 1, queued: 0 });
    // …and entered before the event loop turns even once.
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(started).toEqual([op.id]);
    expect((await harness.engine.waitFor(op.id)).status).toBe('succeeded');
  });

  it('runs waiting operations of one account by priority, then FIFO', async () => {
    const order: number[] = [];
    let unblock!: () => void;
    const blocker = new Promise<void>((resolve) => (unblock = resolve));
    harness = await createHarness(1, {
      register: (e) => {
        e.register({ kind: 'block', type: 'other', run: () => blocker });
        e.register({ kind: 'job', type: 'other', run: async ({ operationId }) => void order.push(operationId) });
      },
    });
    const { engine } = harness;
    submit(engine, { kind: 'block' });
    const low1 = submit(engine, { kind: 'job', priority: 1 });
    const high = submit(engine, { kind: 'job', priority: 10 });
    const low2 = submit(engine, { kind: 'job', priority: 1 });
    const mid = submit(engine, { kind: 'job', priority: 5 });
    unblock();
    await engine.waitFor(low2.id);
    expect(order).toEqual([high.id, mid.id, low1.id, low2.id]);
  });

  it('sends unpinned work to the least-loaded account', async () => {
    harness = await createHarness(3, {
      register: (e) => e.register({ kind: 'slow', type: 'other', run: () => sleep(30) }),
    });
    const ops = [1, 2, 3].map(() => submit(harness!.engine, { kind: 'slow' }));
    const accounts = new Set((await Promise.all(ops.map((op) => harness!.engine.waitFor(op.id)))).map((op) => op.accountId));
    expect(accounts.size).toBe(3);
  });

  it('refuses unknown kinds, bad params and unknown accounts without writing anything', async () => {
    harness = await createHarness(1, {
      register: (e) =>
        e.register({
          kind: 'typed',
          type: 'other',
          parse: (p) => {
            if (typeof p !== 'number') throw new Error('Give a number.');
            return p;
          },
          run: async () => undefined,
        }),
    });
    const { engine, db } = harness;
    expect(engine.submit({ kind: 'nope' })).toMatchObject({ kind: 'refused', reason: 'invalid', message: 'Unknown operation "nope".' });
    expect(engine.submit({ kind: 'typed', params: 'x' })).toMatchObject({ kind: 'refused', message: 'Give a number.' });
    expect(engine.submit({ kind: 'typed', params: 1, accountId: 99 })).toMatchObject({ kind: 'refused', reason: 'no_account' });
    expect(db.sqlite.prepare('select count(*) as n from operations').get()).toEqual({ n: 0 });
  });

  it('keeps at most the scrape limit of scrapes running across all accounts', async () => {
    let running = 0;
    let peak = 0;
    harness = await createHarness(6, {
      scrapeConcurrency: 2,
      register: (e) =>
        e.register({
          kind: 'scrape',
          type: 'scraping',
          run: async () => {
            running += 1;
            peak = Math.max(peak, running);
            expect(e.metrics().activeScrapes).toBeLessThanOrEqual(2);
            await sleep(10);
            running -= 1;
          },
        }),
    });
    const ops = Array.from({ length: 10 }, () => submit(harness!.engine, { kind: 'scrape' }));
    await Promise.all(ops.map((op) => harness!.engine.waitFor(op.id)));
    expect(peak).toBe(2);
    expect(harness.engine.metrics()).toMatchObject({ activeScrapes: 0, queued: 0, active: { scraping: 0 } });
  });

  it('times a long run out, aborts its signal and frees the account', async () => {
    let sawAbort = false;
    harness = await createHarness(1, {
      timeouts: { run: { other: 20 } },
      retry: { maxAttempts: 1 },
      register: (e) => {
        e.register({
          kind: 'hang',
          type: 'other',
          run: async ({ signal }) => {
            await sleep(10_000, signal).catch((error: unknown) => {
              sawAbort = true;
              throw error;
            });
          },
        });
        e.register({ kind: 'quick', type: 'other', run: async () => 'ok' });
      },
    });
    const hang = submit(harness.engine, { kind: 'hang', accountId: 1 });
    const quick = submit(harness.engine, { kind: 'quick', accountId: 1 });
    const done = await harness.engine.waitFor(hang.id);
    expect(done).toMatchObject({ status: 'failed', error: { kind: 'timeout' } });
    expect(sawAbort).toBe(true);
    expect(await harness.engine.waitFor(quick.id)).toMatchObject({ status: 'succeeded', result: 'ok' });
  });

  it('ends an operation whose runner ignores its signal, and frees the account at the latest after zombieMs', async () => {
    harness = await createHarness(1, {
      timeouts: { run: { other: 10 }, abortGraceMs: 10, zombieMs: 30 },
      retry: { maxAttempts: 1 },
      register: (e) => {
        e.register({ kind: 'deaf', type: 'other', run: () => new Promise(() => undefined) });
        e.register({ kind: 'quick', type: 'other', run: async () => 'ok' });
      },
    });
    const deaf = submit(harness.engine, { kind: 'deaf', accountId: 1 });
    const quick = submit(harness.engine, { kind: 'quick', accountId: 1 });
    expect((await harness.engine.waitFor(deaf.id)).error?.kind).toBe('timeout');
    expect((await harness.engine.waitFor(quick.id)).status).toBe('succeeded');
  });

  it('fails an operation that waits too long for a busy account', async () => {
    harness = await createHarness(1, {
      timeouts: { queueWaitMs: 15 },
      retry: { maxAttempts: 1 },
      register: (e) => e.register({ kind: 'slow', type: 'other', run: ({ signal }) => sleep(60, signal) }),
    });
    const first = submit(harness.engine, { kind: 'slow', accountId: 1 });
    const second = submit(harness.engine, { kind: 'slow', accountId: 1 });
    const failed = await harness.engine.waitFor(second.id);
    expect(failed.status).toBe('failed');
    expect(failed.error?.message).toMatch(/Waited more than .* for account #1/);
    expect((await harness.engine.waitFor(first.id)).status).toBe('succeeded');
  });

  it('cancels waiting and running operations', async () => {
    harness = await createHarness(1, {
      register: (e) => e.register({ kind: 'slow', type: 'other', run: ({ signal }) => sleep(5000, signal) }),
    });
    const { engine } = harness;
    const running = submit(engine, { kind: 'slow' });
    const waiting = submit(engine, { kind: 'slow' });
    expect(engine.cancel(waiting.id).kind).toBe('cancelled');
    expect(engine.cancel(running.id).kind).toBe('cancelling');
    expect(await engine.waitFor(running.id)).toMatchObject({ status: 'cancelled' });
    expect(await engine.waitFor(waiting.id)).toMatchObject({ status: 'cancelled' });
    expect(engine.cancel(running.id)).toEqual({ kind: 'finished', status: 'cancelled' });
    expect(engine.cancel(12345)).toEqual({ kind: 'not_found' });
    expect(engine.metrics()).toMatchObject({ queued: 0, active: { other: 0 } });
  });

  it('retries transient failures with backoff, then succeeds', async () => {
    let calls = 0;
    harness = await createHarness(1, {
      retry: { maxAttempts: 3, baseDelayMs: 5 },
      register: (e) =>
        e.register({
          kind: 'flaky',
          type: 'other',
          run: async ({ attempt }) => {
            calls += 1;
            if (attempt < 3) throw rpcError('RPC_CALL_FAIL', 500);
            return attempt;
          },
        }),
    });
    const op = submit(harness.engine, { kind: 'flaky' });
    expect(await harness.engine.waitFor(op.id)).toMatchObject({ status: 'succeeded', result: 3, attempts: 3 });
    expect(calls).toBe(3);
    const stats = harness.db.sqlite.prepare('select total, succeeded, retries from operation_stats where kind = ?').get('flaky');
    expect(stats).toEqual({ total: 1, succeeded: 1, retries: 2 });
  });

  it('gives up after the last attempt with the reason in plain words', async () => {
    harness = await createHarness(1, {
      retry: { maxAttempts: 2, baseDelayMs: 1 },
      register: (e) =>
        e.register({
          kind: 'down',
          type: 'other',
          run: async () => {
            throw rpcError('RPC_CALL_FAIL', 500);
          },
        }),
    });
    const op = submit(harness.engine, { kind: 'down' });
    const done = await harness.engine.waitFor(op.id);
    expect(done.status).toBe('failed');
    expect(done.error?.kind).toBe('transient');
    expect(done.error?.message).toContain('Gave up after 2 attempts');
  });

  it('sleeps through a short flood wait on the same account and resumes from the checkpoint', async () => {
    const seen: Array<{ account: number; from: unknown }> = [];
    harness = await createHarness(2, {
      floodSleepThresholdS: 1,
      register: (e) =>
        e.register<null, number, number>({
          kind: 'pages',
          type: 'other',
          run: async ({ account, checkpoint }) => {
            const from = checkpoint.get() ?? 0;
            seen.push({ account: account.id, from });
            for (let page = from; page < 4; page += 1) {
              if (page === 2 && seen.length === 1) throw rpcError('FLOOD_WAIT_0', 420, 0);
              checkpoint.save(page + 1);
            }
            return 4;
          },
        }),
    });
    const notices: Array<string | null> = [];
    harness.engine.events.on('operation:progress', (o) => notices.push(o.notice));
    const op = submit(harness.engine, { kind: 'pages', accountId: 1 });
    expect(await harness.engine.waitFor(op.id)).toMatchObject({ status: 'succeeded', result: 4, notice: null });
    // The wait is shown while it lasts, in plain words.
    expect(notices).toContain('Telegram asked this account to wait 0 s (flood control). Waiting it out, then resuming.');
    expect(seen).toEqual([
      { account: 1, from: 0 },
      { account: 1, from: 2 },
    ]);
    const flood = harness.db.sqlite.prepare('select seconds, action from flood_events').all();
    expect(flood).toEqual([{ seconds: 0, action: 'slept' }]);
  });

  it('cools an account after a long flood wait and moves the work to another account', async () => {
    const seen: Array<{ account: number; from: number }> = [];
    harness = await createHarness(2, {
      floodSleepThresholdS: 60,
      register: (e) =>
        e.register<null, number, number>({
          kind: 'pages',
          type: 'scraping',
          run: async ({ account, checkpoint }) => {
            const from = checkpoint.get() ?? 0;
            seen.push({ account: account.id, from });
            for (let page = from; page < 5; page += 1) {
              if (page === 3 && seen.length === 1) throw rpcError('FLOOD_WAIT_120', 420, 120);
              checkpoint.save(page + 1);
            }
            return 5;
          },
        }),
    });
    const states: string[] = [];
    harness.engine.events.on('account:state', (account) => states.push(`${account.id}:${account.state}`));
    const op = submit(harness.engine, { kind: 'pages' });
    const done = await harness.engine.waitFor(op.id);
    expect(done.status).toBe('succeeded');
    expect(seen).toHaveLength(2);
    expect(seen[1]?.from).toBe(3);
    expect(seen[1]?.account).not.toBe(seen[0]?.account);
    const cooled = harness.engine.getAccount(seen[0]!.account)!;
    expect(cooled.state).toBe('cooling');
    expect(cooled.cooldownUntil).toBeGreaterThan(Date.now() + 100_000);
    expect(states).toContain(`${seen[0]!.account}:cooling`);
    const persisted = harness.db.sqlite.prepare('select state, cooldown_until from accounts where id = ?').get(seen[0]!.account) as {
      state: string;
      cooldown_until: number;
    };
    expect(persisted.state).toBe('cooling');
    expect(persisted.cooldown_until).toBe(cooled.cooldownUntil);
  });

  it('marks an account dead, takes it out of rotation and finishes the work elsewhere', async () => {
    harness = await createHarness(2, {
      random: () => 0, // the tie-break picks account 1 first
      register: (e) =>
        e.register({
          kind: 'job',
          type: 'other',
          run: async ({ account }) => {
            if (account.id === 1) throw rpcError('AUTH_KEY_UNREGISTERED', 401);
            return account.id;
          },
        }),
    });
    const op = submit(harness.engine, { kind: 'job' });
    const done = await harness.engine.waitFor(op.id);
    expect(done).toMatchObject({ status: 'succeeded', result: 2 });
    const dead = harness.engine.getAccount(1)!;
    expect(dead.state).toBe('dead');
    expect(dead.stateReason).toMatch(/no longer usable/);
    // A dead account takes no further work, pinned or not.
    expect(harness.engine.submit({ kind: 'job', accountId: 1 })).toMatchObject({ kind: 'refused', reason: 'dead' });
    const later = submit(harness.engine, { kind: 'job' });
    expect((await harness.engine.waitFor(later.id)).accountId).toBe(2);
  });

  it('marks an account limited on PEER_FLOOD and fails work pinned to it', async () => {
    harness = await createHarness(1, {
      register: (e) =>
        e.register({
          kind: 'send',
          type: 'sending',
          run: async () => {
            throw rpcError('PEER_FLOOD', 400);
          },
        }),
    });
    const op = submit(harness.engine, { kind: 'send', accountId: 1 });
    expect(await harness.engine.waitFor(op.id)).toMatchObject({ status: 'failed', error: { kind: 'limited' } });
    expect(harness.engine.getAccount(1)?.state).toBe('limited');
  });

  it('fails with no_account when no account can ever take the work', async () => {
    harness = await createHarness(0, { register: (e) => e.register({ kind: 'job', type: 'other', run: async () => 1 }) });
    const op = submit(harness.engine, { kind: 'job' });
    const done = await harness.engine.waitFor(op.id);
    expect(done.error).toEqual({ kind: 'no_account', message: 'No account is available: add one with /addaccount.' });
  });

  it('keeps monitoring accounts out of scraping and refuses a scrape pinned to one', async () => {
    let stopWatch!: () => void;
    harness = await createHarness(2, {
      register: (e) => {
        e.register({
          kind: 'monitor',
          type: 'monitoring',
          run: async ({ spawn }) => {
            spawn('watch', 'monitoring', (signal) => new Promise<void>((resolve) => {
              stopWatch = resolve;
              signal.addEventListener('abort', () => resolve());
            }));
          },
        });
        e.register({ kind: 'scrape', type: 'scraping', run: async ({ account }) => account.id });
      },
    });
    const { engine } = harness;
    const monitor = submit(engine, { kind: 'monitor', accountId: 1 });
    await engine.waitFor(monitor.id);
    expect(engine.getAccount(1)).toMatchObject({ state: 'monitoring', monitors: 1 });
    expect(engine.metrics().active.monitoring).toBe(1);
    const refused = engine.submit({ kind: 'scrape', accountId: 1 });
    expect(refused).toMatchObject({ kind: 'refused' });
    expect(refused.kind === 'refused' && refused.message).toMatch(/monitoring/);
    for (let i = 0; i < 4; i += 1) {
      const op = submit(engine, { kind: 'scrape' });
      expect((await engine.waitFor(op.id)).result).toBe(2);
    }
    stopWatch();
    await until(() => engine.getAccount(1)?.state === 'idle', 'the account to leave monitoring');
    expect(engine.metrics().active.monitoring).toBe(0);
  });

  it('removes an account: cancels its tasks within the budget and moves its waiting work', async () => {
    harness = await createHarness(2, {
      register: (e) => e.register({ kind: 'slow', type: 'other', run: async ({ signal, account }) => (await sleep(40, signal), account.id) }),
    });
    const { engine } = harness;
    const a = submit(engine, { kind: 'slow', accountId: 1 });
    const b = submit(engine, { kind: 'slow' });
    const c = submit(engine, { kind: 'slow' });
    const placed = engine.getAccount(1)!.load;
    expect(placed).toBeGreaterThanOrEqual(1);
    const started = Date.now();
    const removal = await engine.removeAccount(1);
    expect(removal.kind).toBe('ok');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(engine.tasks.count(1)).toBe(0);
    expect(await engine.waitFor(a.id)).toMatchObject({ status: 'failed', error: { kind: 'no_account' } });
    expect((await engine.waitFor(b.id)).result).toBe(2);
    expect((await engine.waitFor(c.id)).result).toBe(2);
    expect(engine.getAccount(1)).toBeUndefined();
    expect(await engine.removeAccount(1)).toMatchObject({ kind: 'not_found' });
  });

  it('pauses and resumes an account', async () => {
    harness = await createHarness(2, { register: (e) => e.register({ kind: 'job', type: 'other', run: async ({ account }) => account.id }) });
    const { engine } = harness;
    expect(engine.pauseAccount(1)).toMatchObject({ kind: 'ok', account: { state: 'paused', paused: true } });
    for (let i = 0; i < 3; i += 1) expect((await engine.waitFor(submit(engine, { kind: 'job' }).id)).result).toBe(2);
    expect(engine.resumeAccount(1)).toMatchObject({ kind: 'ok', account: { state: 'idle' } });
    expect((await engine.waitFor(submit(engine, { kind: 'job', accountId: 1 }).id)).result).toBe(1);
    expect(harness.db.sqlite.prepare('select paused from accounts where id = 1').get()).toEqual({ paused: 0 });
  });

  it('reports progress, persists it, and emits typed events in order', async () => {
    const events: string[] = [];
    harness = await createHarness(1, {
      register: (e) =>
        e.register({
          kind: 'count',
          type: 'other',
          run: async ({ progress }) => {
            progress(1, 3);
            progress(1, 3);
            progress(3);
            return 'done';
          },
        }),
    });
    const { engine } = harness;
    for (const name of ['operation:queued', 'operation:started', 'operation:progress', 'operation:finished'] as const) {
      engine.events.on(name, (op: Operation) => events.push(`${name}:${op.progress.done}/${op.progress.total ?? '?'}`));
    }
    const op = submit(engine, { kind: 'count' });
    await engine.waitFor(op.id);
    expect(events).toEqual([
      'operation:queued:0/?',
      'operation:started:0/?',
      'operation:progress:1/3',
      'operation:progress:3/3',
      'operation:finished:3/3',
    ]);
    expect(engine.getOperation(op.id)).toMatchObject({ status: 'succeeded', result: 'done', progress: { done: 3, total: 3 } });
  });

  it('keeps internal bookkeeping out of the operation list unless asked', async () => {
    harness = await createHarness(1, {
      register: (e) => {
        e.register({ kind: 'health', type: 'other', internal: true, run: async () => 'ok' });
        e.register({ kind: 'job', type: 'other', run: async () => 'ok' });
      },
    });
    const { engine } = harness;
    const check = submit(engine, { kind: 'health', accountId: 1 });
    const job = submit(engine, { kind: 'job' });
    await Promise.all([engine.waitFor(check.id), engine.waitFor(job.id)]);
    expect(engine.internalKinds).toEqual(['health']);
    expect(engine.listOperations().map((op) => op.id)).toEqual([job.id]);
    expect(engine.listOperations({ includeInternal: true }).map((op) => op.id)).toEqual([job.id, check.id]);
  });

  it('lets a runner end with a chosen failure and message', async () => {
    harness = await createHarness(1, {
      register: (e) =>
        e.register({
          kind: 'resolve',
          type: 'other',
          run: async () => {
            throw new OperationFailure({ kind: 'not_found', message: 'There is no chat @nothere.' });
          },
        }),
    });
    const op = submit(harness.engine, { kind: 'resolve' });
    expect((await harness.engine.waitFor(op.id)).error).toEqual({ kind: 'not_found', message: 'There is no chat @nothere.' });
  });

  it('refuses a duplicate or malformed phone number', async () => {
    harness = await createHarness(1);
    expect(await harness.engine.addAccount({ phone: '+15550000001' })).toMatchObject({ kind: 'refused' });
    expect(await harness.engine.addAccount({ phone: 'hello' })).toMatchObject({ kind: 'refused', message: expect.stringMatching(/not a phone number/) });
  });
});
