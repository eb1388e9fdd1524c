import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { BudgetOverrunError, windowStart, type BudgetAction, type BudgetCaps, type BudgetNeeds } from '../../src/engine/budget.js';
import { sleep, type Engine, type Operation, type OperationType } from '../../src/engine/index.js';
import { onFakeClock } from './fake-clock.js';
import { createHarness } from './harness.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A random piece of budgeted work: its main call (and a look-up before it), where, when, and how its runs end. */
interface BudgetOp {
  readonly action: BudgetAction;
  /** Looks the target up first (a join or a send by @username). */
  readonly lookup: boolean;
  readonly pin: number | null;
  readonly submitAfterMs: number;
  readonly durationMs: number;
  readonly ending: 'ok' | 'spend-less' | 'fatal' | 'flood-short' | 'flood-long' | 'peer-flood' | 'greedy';
}

const TYPES: Readonly<Record<BudgetAction, OperationType>> = { join: 'other', send: 'sending', resolve: 'scraping' };
/** The Telegram method each budgeted call is (what GramJS puts in an RPC error's request). */
const METHODS: Readonly<Record<BudgetAction, string>> = { join: 'channels.JoinChannel', send: 'messages.SendMessage', resolve: 'contacts.ResolveUsername' };

const callsOf = (spec: BudgetOp): BudgetAction[] => (spec.action === 'resolve' ? ['resolve'] : spec.lookup ? ['resolve', spec.action] : [spec.action]);

function needsOf(spec: BudgetOp): BudgetNeeds {
  const needs: Partial<Record<BudgetAction, number>> = {};
  for (const action of callsOf(spec)) needs[action] = (needs[action] ?? 0) + 1;
  return needs;
}

const opArb = (accounts: number): fc.Arbitrary<BudgetOp> =>
  fc.record({
    action: fc.constantFrom<BudgetAction>('join', 'send', 'resolve'),
    lookup: fc.boolean(),
    pin: fc.oneof({ arbitrary: fc.constant(null), weight: 2 }, { arbitrary: fc.integer({ min: 1, max: accounts }), weight: 1 }),
    // Up to three days: windows of both sizes end and begin while work waits and runs.
    submitAfterMs: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 10 * 60_000 }), weight: 4 }, { arbitrary: fc.integer({ min: 0, max: 3 * DAY }), weight: 1 }),
    durationMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2 * HOUR })),
    ending: fc.oneof(
      { arbitrary: fc.constant<BudgetOp['ending']>('ok'), weight: 12 },
      { arbitrary: fc.constantFrom<BudgetOp['ending']>('spend-less', 'fatal', 'flood-short', 'flood-long', 'greedy'), weight: 4 },
      { arbitrary: fc.constant<BudgetOp['ending']>('peer-flood'), weight: 1 },
    ),
  });

const scenario = fc
  .record({
    accounts: fc.integer({ min: 1, max: 4 }),
    caps: fc.record({ join: fc.integer({ min: 1, max: 4 }), send: fc.integer({ min: 1, max: 4 }), resolve: fc.integer({ min: 1, max: 5 }) }),
    // Any moment of a day, so that some runs start right before a window ends.
    startAt: fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 0, 3) }),
  })
  .chain((base) => fc.record({ base: fc.constant(base), ops: fc.array(opArb(base.accounts), { minLength: 1, maxLength: 40, size: 'max' }) }));

/** One run of a runner as it went: where and when it was granted its budget, and what it spent. */
interface Run {
  readonly operationId: number;
  readonly accountId: number;
  readonly at: number;
  readonly needs: BudgetNeeds;
  readonly spent: BudgetAction[];
}

/**
 * Registers the three budgeted kinds. Each run spends its calls one by one (as the Telegram runners do),
 * then ends as its spec says; every run and every halving the test causes is recorded.
 */
function instrument(engine: Engine) {
  const runs: Run[] = [];
  const halvings: Array<{ accountId: number; action: BudgetAction; at: number }> = [];
  const overruns: string[] = [];
  const runsOf = new Map<number, number>();
  for (const action of ['join', 'send', 'resolve'] as const) {
    engine.register<BudgetOp, unknown, string>({
      kind: `b-${action}`,
      type: TYPES[action],
      parse: (params) => params as BudgetOp,
      budget: needsOf,
      run: async ({ operationId, params: spec, account, signal, budget }) => {
        const nth = (runsOf.get(operationId) ?? 0) + 1;
        runsOf.set(operationId, nth);
        // The engine grants a run its budget right before calling it: this is the grant's time.
        const run: Run = { operationId, accountId: account.id, at: Date.now(), needs: needsOf(spec), spent: [] };
        runs.push(run);
        const calls = callsOf(spec);
        const spend = (what: BudgetAction) => {
          budget.take(what);
          run.spent.push(what);
        };
        for (const [i, what] of calls.entries()) {
          if (spec.ending === 'spend-less' && i > 0) break;
          spend(what);
          await sleep(spec.durationMs / calls.length, signal);
        }
        const last = calls.at(-1) as BudgetAction;
        if (spec.ending === 'greedy') {
          try {
            spend(last);
          } catch (error) {
            if (!(error instanceof BudgetOverrunError)) overruns.push(`#${operationId}: ${String(error)}`);
            throw error;
          }
          overruns.push(`#${operationId} spent a ${last} it was not granted`);
        }
        if (spec.ending === 'fatal') throw new Error('synthetic failure');
        const rpc = (errorMessage: string, extra: object = {}) => Object.assign(new Error(errorMessage), { errorMessage, request: { className: METHODS[last] }, ...extra });
        if (nth === 1 && spec.ending === 'flood-short') throw rpc('FLOOD_WAIT_1', { seconds: 1, code: 420 });
        if (nth === 1 && (spec.ending === 'flood-long' || spec.ending === 'peer-flood')) {
          halvings.push({ accountId: account.id, action: last, at: Date.now() });
          throw spec.ending === 'peer-flood' ? rpc('PEER_FLOOD', { code: 400 }) : rpc('FLOOD_WAIT_3600', { seconds: 3600, code: 420 });
        }
        return 'ok';
      },
    });
  }
  return { runs, halvings, overruns };
}

/**
 * Every cap that was overrun. When a run is granted at `t`, the calls of every run granted before it in
 * the same window (on that account), its own included, must fit the cap in force at `t`: halved while a
 * halving of that action is under 24 h old. A halving at the very millisecond of a grant is not counted
 * (which one the engine saw first is a tie no rule decides).
 */
function overrunCaps(runs: readonly Run[], halvings: ReturnType<typeof instrument>['halvings'], caps: BudgetCaps): string[] {
  const problems: string[] = [];
  for (const [i, run] of runs.entries()) {
    for (const action of ['join', 'send', 'resolve'] as const) {
      if ((run.needs[action] ?? 0) === 0) continue;
      const window = windowStart(action, run.at);
      const before = runs.slice(0, i + 1).filter((r) => r.accountId === run.accountId && windowStart(action, r.at) === window);
      const used = before.reduce((n, r) => n + r.spent.filter((a) => a === action).length, 0);
      const halved = halvings.some((h) => h.accountId === run.accountId && h.action === action && h.at < run.at && run.at < h.at + DAY);
      const cap = halved ? Math.floor(caps[action] / 2) : caps[action];
      if (used > cap) {
        problems.push(`account ${run.accountId} made ${used} ${action} calls in the window from ${new Date(window).toISOString()} (cap ${cap}${halved ? ', halved' : ''}) by the run of #${run.operationId} at ${new Date(run.at).toISOString()}`);
      }
    }
  }
  return problems;
}

describe('Engine budgets', () => {
  it('never lets an account make more joins, sends or look-ups in a window than its cap (halved or not); work waits instead, and every operation ends', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ base, ops }) => {
        vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
        vi.setSystemTime(base.startAt);
        try {
          let probe!: ReturnType<typeof instrument>;
          const long = 7 * DAY;
          const { engine, db } = await createHarness(base.accounts, {
            budgets: base.caps,
            scrapeConcurrency: 2,
            timeouts: { queueWaitMs: long, lockMs: long, scrapeSlotMs: long, run: { scraping: long, sending: long, other: long } },
            retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5, maxMoves: 20 },
            floodSleepThresholdS: 5,
            register: (e) => {
              probe = instrument(e);
            },
          });
          try {
            const refusals: string[] = [];
            const submitted: Array<{ id: number; spec: BudgetOp }> = [];
            const submissions = ops.map(async (spec) => {
              await sleep(spec.submitAfterMs);
              const result = engine.submit({ kind: `b-${spec.action}`, params: spec, accountId: spec.pin });
              if (result.kind === 'queued') submitted.push({ id: result.operation.id, spec });
              else if (result.reason === 'no_budget') {
                // Refused only when pinned, and saying when the account could do it.
                if (spec.pin === null || !/^Account #\d+ .+; it can .+ again at (\d{4}-\d\d-\d\d )?\d\d:\d\d UTC\.$/.test(result.message)) refusals.push(result.message);
              }
            });
            const finished = await onFakeClock(
              Promise.all(submissions).then(() => Promise.all(submitted.map(({ id }) => engine.waitFor(id)))),
            );
            expect(overrunCaps(probe.runs, probe.halvings, base.caps), 'caps overrun').toEqual([]);
            expect(probe.overruns, 'spent past a grant').toEqual([]);
            expect(refusals, 'refusals that do not say when').toEqual([]);
            // Waiting for budget is never an ending: a cap of 1 halved to 0 still frees up after the halving.
            const noBudget = finished.filter((op: Operation) => op.error?.kind === 'no_budget').map((op) => `#${op.id}: ${op.error?.message ?? ''}`);
            expect(noBudget, 'operations that ended for want of budget').toEqual([]);
            const greedy = submitted.filter(({ spec }) => spec.ending === 'greedy').map(({ id }) => finished.find((op) => op.id === id));
            expect(greedy.filter((op) => op?.status === 'succeeded').map((op) => op?.id), 'greedy runs that succeeded').toEqual([]);
            // What runs were granted and did not spend came back: today's count is exactly what was spent.
            const now = Date.now();
            for (const account of engine.listAccounts()) {
              for (const budget of account.budgets) {
                const spent = probe.runs
                  .filter((r) => r.accountId === account.id && windowStart(budget.action, r.at) === windowStart(budget.action, now))
                  .reduce((n, r) => n + r.spent.filter((a) => a === budget.action).length, 0);
                expect({ account: account.id, action: budget.action, used: budget.used }).toEqual({ account: account.id, action: budget.action, used: spent });
              }
            }
          } finally {
            await onFakeClock(engine.stop());
            db.close();
          }
        } finally {
          vi.useRealTimers();
        }
      }),
      { numRuns: 60 },
    );
  });
});
