import type { AccountPool } from './account-pool.js';
import type { BudgetCheck } from './budget-ledger.js';
import type { EngineCore } from './core.js';
import { OperationAbortedError, type Failure } from './errors.js';
import type { Lane } from './lane.js';
import { snapshotOf, type LiveOp } from './live-operation.js';
import { decideAfterRun, decideAfterWait, decideBudgetWait, type Decision, type Effect } from './outcome-policy.js';
import { backoffDelay, decideMove, decideRetry } from './rules/retries.js';
import { releaseSlot } from './rules/scrape-limit.js';
import type { Operation, OperationStatus } from './types.js';

/**
 * Carries out the outcome policy's decisions (outcome-policy.ts): the writes, the counters, the events,
 * and the next placement of work that goes back in line. The policy decides; this only applies.
 */
export class Outcomes<C> {
  readonly #core: EngineCore;
  readonly #pool: AccountPool<C>;
  /** Places an operation again (the dispatcher's `dispatch`). */
  readonly #dispatch: (op: LiveOp) => void;
  readonly #waiters = new Map<number, Array<(op: Operation) => void>>();

  constructor(core: EngineCore, pool: AccountPool<C>, dispatch: (op: LiveOp) => void) {
    this.#core = core;
    this.#pool = pool;
    this.#dispatch = dispatch;
  }

  /** Resolves with the operation once its finish is committed. */
  waitFor(id: number): Promise<Operation> {
    return new Promise((resolve) => {
      const list = this.#waiters.get(id) ?? [];
      list.push(resolve);
      this.#waiters.set(id, list);
    });
  }

  /** A run ended on `lane`: its effects on the account first, then the operation's fate. */
  afterRun(op: LiveOp, lane: Lane<C, LiveOp>, outcome: { ok: true; result: unknown } | { ok: false; failure: Failure }, signal: AbortSignal): void {
    const abort = signal.aborted && signal.reason instanceof OperationAbortedError ? { kind: signal.reason.kind, message: signal.reason.message } : undefined;
    const { effects, decision } = decideAfterRun({ outcome, cancelRequested: op.cancelRequested, abort });
    for (const effect of effects) this.#affect(lane, effect, op);
    if (decision.kind === 'succeed') this.conclude(op, null, outcome.ok ? outcome.result : undefined);
    else this.apply(op, decision, lane);
  }

  /** A wait (delay, slot, account queue) ended early, for `reason`. */
  afterWait(op: LiveOp, reason: unknown, budgetFreed: boolean): void {
    const abort = reason instanceof OperationAbortedError ? { kind: reason.kind, message: reason.message } : undefined;
    this.apply(op, decideAfterWait({ budgetFreed, abort, failure: this.#core.classify(reason) }));
  }

  /** The account it was given cannot afford another run (see decideBudgetWait). */
  waitForBudget(op: LiveOp, lane: Lane<C, LiveOp>, check: Extract<BudgetCheck, { ok: false }> | Extract<Failure, { kind: 'no_budget' }>): void {
    this.apply(op, decideBudgetWait(op.row.pinnedAccountId === lane.id, { kind: 'no_budget', message: check.message, freeAt: check.freeAt }));
  }

  apply(op: LiveOp, decision: Decision, lane?: Lane<C, LiveOp>): void {
    switch (decision.kind) {
      case 'succeed':
        return this.conclude(op, null);
      case 'finish':
        return this.conclude(op, decision.failure);
      case 'interrupt':
        return this.#interrupt(op);
      case 'forget':
        releaseSlot(op);
        return this.forget(op);
      case 'requeue':
        return this.requeue(op, decision.notBefore, decision.failure);
      case 'retry':
        return this.retry(op, decision.failure);
      case 'move':
        return this.#move(op, decision.failure);
      case 'wait_budget':
        if (lane) return this.waitForBudget(op, lane, decision.failure);
        return this.requeue(op, null, decision.failure);
      case 'place_again':
        // Placed again at once; the stored wait stays until it runs, a new wait is written only if it differs.
        Object.assign(op.row, { notBefore: null });
        return this.#dispatch(op);
    }
  }

  #affect(lane: Lane<C, LiveOp>, effect: Effect, op: LiveOp): void {
    switch (effect.kind) {
      case 'halve':
        this.#core.budgets.halve(lane.id, effect.action, this.#core.now());
        this.#core.log.warn({ accountId: lane.id, action: effect.action }, 'budget halved for 24 h after a flood');
        return;
      case 'cool':
        return this.#pool.cool(lane, effect.seconds, op, effect.method);
      case 'mark':
        return this.#pool.health.mark(lane, effect.health, effect.reason);
    }
  }

  /** Shutdown hit a running operation: it stays queued in the database and resumes at the next start. */
  #interrupt(op: LiveOp): void {
    releaseSlot(op);
    this.#core.ops.requeue(op.row.id, null, null, this.#core.now());
    this.forget(op);
  }

  forget(op: LiveOp): void {
    op.phase = 'done';
    this.#core.live.delete(op.row.id);
  }

  /** Puts a failed attempt back in line after a backoff, or gives up (R7). */
  retry(op: LiveOp, failure: Failure): void {
    op.failures += 1;
    const { opts, ops, now, random } = this.#core;
    const decision = decideRetry(op.failures, opts.maxAttempts, failure);
    if (decision.kind === 'finish') return this.conclude(op, decision.failure);
    ops.recordRetry(op.row.kind, now());
    const delay = backoffDelay(op.failures, { baseMs: opts.baseDelayMs, maxMs: opts.maxDelayMs }, random);
    this.requeue(op, now() + delay, failure);
  }

  /** Moves an operation off its account (flood cooldown, dead, limited, removed) to resume elsewhere (R7). */
  #move(op: LiveOp, failure: Failure): void {
    op.moves += 1;
    const pinned = op.row.pinnedAccountId;
    let account: { waitable: boolean; cooldownUntil: number | null } | null = null;
    if (pinned !== null) {
      const lane = this.#pool.lanes.get(pinned);
      account = { waitable: lane !== undefined && !lane.removed && lane.health === 'ok', cooldownUntil: lane?.cooldownUntil ?? null };
    }
    this.apply(op, decideMove(op.moves, this.#core.opts.maxMoves, failure, account));
  }

  requeue(op: LiveOp, notBefore: number | null, failure: Failure | null): void {
    releaseSlot(op);
    const now = this.#core.now();
    this.#core.ops.requeue(op.row.id, notBefore, failure ? { kind: failure.kind, message: failure.message } : null, now);
    Object.assign(op.row, {
      status: 'queued',
      notBefore,
      errorKind: failure?.kind ?? null,
      errorMessage: failure?.message ?? null,
    });
    op.phase = 'pending';
    op.laneId = null;
    this.#core.bus.emitOp('operation:queued', op);
    this.#dispatch(op);
  }

  conclude(op: LiveOp, failure: Failure | null, result?: unknown): void {
    if (op.phase === 'done') return;
    releaseSlot(op);
    const now = this.#core.now();
    const status: OperationStatus = failure === null ? 'succeeded' : failure.kind === 'cancelled' ? 'cancelled' : 'failed';
    const durationMs = op.row.startedAt === null ? 0 : now - op.row.startedAt;
    const accountId = op.row.assignedAccountId;
    const lanes = this.#pool.lanes;
    this.#core.ops.finish(
      op.row,
      { status, result, errorKind: failure?.kind ?? null, errorMessage: failure?.message ?? null, durationMs },
      accountId !== null && lanes.has(accountId) ? accountId : null,
      now,
      () => this.#announceFinished(op),
    );
    const lane = accountId !== null ? lanes.get(accountId) : undefined;
    if (lane) {
      lane.opsTotal += 1;
      if (status === 'failed') lane.opsFailed += 1;
    }
    Object.assign(op.row, {
      status,
      result: result ?? null,
      errorKind: failure?.kind ?? null,
      errorMessage: failure?.message ?? null,
      finishedAt: now,
      notBefore: null,
    });
    op.phase = 'done';
    if (status === 'failed') this.#core.log.info({ operationId: op.row.id, kind: op.row.kind, error: failure }, 'operation failed');
  }

  /** Once the finish is committed: forget the operation, tell listeners and waiters. */
  #announceFinished(op: LiveOp): void {
    this.#core.live.delete(op.row.id);
    const snapshot = snapshotOf(op);
    this.#core.bus.emit('operation:finished', snapshot);
    const waiters = this.#waiters.get(op.row.id);
    if (waiters) {
      this.#waiters.delete(op.row.id);
      for (const resolve of waiters) resolve(snapshot);
    }
  }
}
