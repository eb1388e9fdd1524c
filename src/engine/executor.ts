import { raceAbort, sleep } from './abort.js';
import type { AccountPool } from './account-pool.js';
import { NO_BUDGET, type RunBudget } from './budget.js';
import { needsBudget, type BudgetGrant } from './budget-ledger.js';
import type { BudgetWaits } from './budget-waits.js';
import type { EngineCore } from './core.js';
import { OperationAbortedError, type Failure } from './errors.js';
import type { Lane } from './lane.js';
import type { LiveOp, RunnerState } from './live-operation.js';
import type { Outcomes } from './outcomes.js';
import { checkpointStore } from './rules/durability.js';
import { leaveAccount, reserveAccount } from './rules/exclusivity.js';
import { sleepsThrough } from './rules/retries.js';
import { abortAfter, lockTimedOut, runTimedOut, runTimeoutOf } from './rules/timeouts.js';
import type { AccountContext, OperationType, RunContext } from './types.js';

const noop = () => undefined;

type AttemptOutcome = { ok: true; result: unknown } | { ok: false; failure: Failure };

/**
 * One attempt of an operation on an account: take the account's lock (R1, R3), turn its budget hold into
 * a grant, run the runner under its run timeout with an abort grace period, sleep through short flood
 * waits (R7), then release the account the moment it ends (R1) and hand the outcome to outcomes.ts.
 */
export class Executor<C> {
  readonly #core: EngineCore;
  readonly #pool: AccountPool<C>;
  readonly #budget: BudgetWaits;
  readonly #outcomes: Outcomes<C>;
  readonly #executions = new Set<Promise<void>>();

  constructor(core: EngineCore, pool: AccountPool<C>, budget: BudgetWaits, outcomes: Outcomes<C>) {
    this.#core = core;
    this.#pool = pool;
    this.#budget = budget;
    this.#outcomes = outcomes;
  }

  /** The attempts in flight, for shutdown to wait on. */
  get executions(): ReadonlySet<Promise<void>> {
    return this.#executions;
  }

  execute(op: LiveOp, lane: Lane<C, LiveOp>, fastPath: boolean): Promise<void> {
    const execution = this.#runOnLane(op, lane, fastPath).catch((error: unknown) => {
      this.#core.log.error({ err: error, operationId: op.row.id }, 'scheduler bug: an execution threw');
    });
    this.#executions.add(execution);
    void execution.finally(() => this.#executions.delete(execution));
    return execution;
  }

  async #runOnLane(op: LiveOp, lane: Lane<C, LiveOp>, fastPath: boolean): Promise<void> {
    const { opts, ops, metrics, tasks, log, bus, lifecycle } = this.#core;
    reserveAccount(lane);
    op.phase = 'locking';
    let release: (() => void) | undefined;
    try {
      release = await lane.mutex.acquire();
    } catch {
      this.#budget.dropHold(op);
      this.#leave(lane, fastPath);
      this.#outcomes.retry(op, lockTimedOut(lane.id, opts.lockMs));
      return;
    }
    const now = this.#core.now();
    // The hold becomes a grant below: counted as used (persisted) before the runner makes any call.
    const allowLimited = op.def.allowOnLimited ?? false;
    const converting = op.hold !== undefined && !op.cancelRequested && !lifecycle.stopping && lane.isRunnable(now, allowLimited);
    this.#budget.dropHold(op, !converting);
    if (op.cancelRequested || lifecycle.stopping || !lane.isRunnable(now, allowLimited)) {
      release();
      this.#leave(lane, fastPath);
      if (op.cancelRequested) this.#outcomes.conclude(op, { kind: 'cancelled', message: 'Cancelled by an admin.' });
      else if (lifecycle.stopping) this.#outcomes.forget(op);
      else this.#outcomes.requeue(op, null, null);
      return;
    }
    let grant: BudgetGrant | undefined;
    if (needsBudget(op.needs)) {
      const granted = this.#core.budgets.grant(lane.id, op.needs, now);
      if (!granted.ok) {
        // The cap fell since it was placed (a halving): it waits for budget like any other.
        release();
        this.#leave(lane, fastPath);
        this.#outcomes.waitForBudget(op, lane, granted);
        return;
      }
      grant = granted.grant;
    }
    const run = new AbortController();
    op.run = run;
    op.phase = 'running';
    lane.current = op;
    const timeoutMs = runTimeoutOf(op.def, opts);
    const runTimer = abortAfter(run, timeoutMs, () => runTimedOut(timeoutMs, op.row.id));
    metrics.increment(op.type);
    ops.markRunning(op.row.id, lane.id, now);
    Object.assign(op.row, { status: 'running', assignedAccountId: lane.id, attempts: op.row.attempts + 1, startedAt: op.row.startedAt ?? now, notBefore: null });
    this.#pool.publish(lane);
    bus.emitOp('operation:started', op);

    let outcome: AttemptOutcome;
    const runner: RunnerState = { work: undefined, settled: true, grant };
    try {
      outcome = await tasks.run(lane.id, `operation #${op.row.id} (${op.row.kind})`, op.type, () => this.#attempt(op, lane, run.signal, runner), run);
    } catch (error) {
      outcome = { ok: false, failure: this.#core.classify(error) };
    }
    clearTimeout(runTimer);
    op.run = undefined;
    let settled = false;
    const settle = () => {
      settled = true;
      this.#outcomes.afterRun(op, lane, outcome, run.signal);
    };
    if (!runner.settled && runner.work) {
      // The runner ignored its abort past the grace period. The operation ends now, but the account stays
      // locked until the runner really stops (at most zombieMs): two request streams on one account is
      // exactly what R1 forbids.
      const slot = op.slotRelease;
      op.slotRelease = undefined;
      settle();
      log.error({ accountId: lane.id, operationId: op.row.id }, 'a runner ignored its abort signal; holding the account until it ends');
      await Promise.race([runner.work.then(noop, noop), sleep(opts.zombieMs)]);
      slot?.();
    }
    // What the run did not spend goes back, once it has really stopped; a runner still going keeps it all.
    if (runner.settled || !runner.work) this.#budget.refund(runner.grant);
    metrics.decrement(op.type);
    lane.current = null;
    // R1: the lock is released the moment the operation ends, whichever way.
    release();
    this.#leave(lane, fastPath);
    if (!settled) settle();
  }

  /** Runs the runner, sleeping through short flood waits on the same account (R7). */
  async #attempt(op: LiveOp, lane: Lane<C, LiveOp>, signal: AbortSignal, runner: RunnerState): Promise<AttemptOutcome> {
    const { opts, ops, log, bus, budgets, now } = this.#core;
    for (;;) {
      try {
        const work = op.def.run(this.#context(op, lane, signal, runner.grant ?? NO_BUDGET));
        runner.work = work;
        runner.settled = false;
        void work.then(
          () => (runner.settled = true),
          () => (runner.settled = true),
        );
        const result = await raceAbort(work, signal, opts.abortGraceMs);
        if (signal.aborted) return { ok: false, failure: this.#core.classify(signal.reason) };
        return { ok: true, result };
      } catch (error) {
        const failure = signal.aborted ? this.#core.classify(signal.reason) : this.#core.classify(error);
        if (!sleepsThrough(failure, opts.floodSleepThresholdS)) return { ok: false, failure };
        ops.recordFlood(op.row.kind, lane.id, op.row.id, failure.method ?? null, failure.seconds, 'slept', now());
        lane.floodWaits += 1;
        log.info({ accountId: lane.id, operationId: op.row.id, seconds: failure.seconds }, 'sleeping through a short flood wait');
        op.notice = `${failure.message} Waiting it out, then resuming.`;
        bus.emitOp('operation:progress', op);
        try {
          await sleep(failure.seconds * 1000, signal);
        } catch (reason) {
          return { ok: false, failure: this.#core.classify(reason) };
        } finally {
          op.notice = null;
        }
        // The run that met the flood has ended: it gives back what it did not spend, the next one asks afresh.
        if (runner.grant) {
          this.#budget.refund(runner.grant);
          runner.grant = undefined;
          const again = budgets.grant(lane.id, op.needs, now());
          if (!again.ok) return { ok: false, failure: { kind: 'no_budget', message: again.message, freeAt: again.freeAt } };
          runner.grant = again.grant;
        }
      }
    }
  }

  #leave(lane: Lane<C, LiveOp>, fastPath: boolean): void {
    leaveAccount(lane, fastPath, this.#core.now());
    this.#pool.publish(lane);
  }

  #context(op: LiveOp, lane: Lane<C, LiveOp>, signal: AbortSignal, budget: RunBudget): RunContext<unknown, unknown, unknown> {
    const { ops, now, bus } = this.#core;
    const id = op.row.id;
    const account: AccountContext<C | undefined> = { id: lane.id, phone: lane.phone, client: lane.client };
    return {
      operationId: id,
      params: op.row.params,
      account,
      signal,
      attempt: op.row.attempts,
      budget,
      progress: (done, total) => {
        if (op.phase === 'done') return;
        const t = total === undefined ? op.row.progressTotal : total;
        if (done === op.row.progressDone && t === op.row.progressTotal) return;
        ops.progress(id, done, t, now());
        Object.assign(op.row, { progressDone: done, progressTotal: t });
        bus.emitOp('operation:progress', op);
      },
      checkpoint: checkpointStore(op, ops, now),
      spawn: (name, type, task) => this.#spawn(lane, name, type, task),
    };
  }

  /** A background task of the run (a monitor's watch): counted in the live metrics and registered (R4, R5). */
  #spawn(lane: Lane<C, LiveOp>, name: string, type: OperationType, task: (signal: AbortSignal) => Promise<void>): void {
    const { metrics, tasks, log } = this.#core;
    metrics.increment(type);
    if (type === 'monitoring') lane.monitors += 1;
    this.#pool.publish(lane);
    void tasks
      .run(lane.id, name, type, task)
      .catch((error: unknown) => {
        if (!(error instanceof OperationAbortedError)) log.error({ err: error, accountId: lane.id, task: name }, 'background task failed');
      })
      .finally(() => {
        metrics.decrement(type);
        if (type === 'monitoring') lane.monitors -= 1;
        this.#pool.publish(lane);
      });
  }
}
