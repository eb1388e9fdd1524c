import { sleep } from '../abort.js';
import type { AccountPool } from '../account-pool.js';
import { needsBudget } from '../budget-ledger.js';
import { BUDGET_FREED, type BudgetWaits } from '../budget-waits.js';
import type { EngineCore } from '../core.js';
import { OperationAbortedError } from '../errors.js';
import type { Executor } from '../executor.js';
import type { Lane } from '../lane.js';
import type { LiveOp } from '../live-operation.js';
import type { StoredOperation } from '../operation-store.js';
import type { Outcomes } from '../outcomes.js';
import { place } from '../rules/balancing.js';
import { allowsMonitoring, takeFastPath } from '../rules/exclusivity.js';
import { nextLock } from '../rules/lock-order.js';
import { releaseSlot, type ScrapeSlots } from '../rules/scrape-limit.js';
import { abortAfter, accountWaitTimedOut, slotWaitTimedOut } from '../rules/timeouts.js';
import type { CancelReach, Dispatcher } from './dispatcher.js';

const noop = () => undefined;

/**
 * Today's dispatch, in one process: timed waits on the task registry, the in-process scrape slots, the
 * balancer over the lanes in memory, each lane's priority queue, and the fast path that skips it.
 */
export class LocalDispatcher<C> implements Dispatcher {
  readonly slots: ScrapeSlots;
  readonly #core: EngineCore;
  readonly #pool: AccountPool<C>;
  readonly #budget: BudgetWaits;
  readonly #executor: Executor<C>;
  readonly #outcomes: Outcomes<C>;

  readonly #handBack: ((row: StoredOperation, why: string) => boolean) | undefined;

  constructor(
    core: EngineCore,
    pool: AccountPool<C>,
    budget: BudgetWaits,
    executor: Executor<C>,
    outcomes: Outcomes<C>,
    slots: ScrapeSlots,
    handBack?: (row: StoredOperation, why: string) => boolean,
  ) {
    this.#handBack = handBack;
    this.#core = core;
    this.#pool = pool;
    this.#budget = budget;
    this.#executor = executor;
    this.#outcomes = outcomes;
    this.slots = slots;
  }

  dispatch(op: LiveOp): void {
    const { lifecycle, budgets, random } = this.#core;
    if (lifecycle.stopping || op.phase === 'done') return;
    if (op.cancelRequested) {
      this.#outcomes.conclude(op, { kind: 'cancelled', message: 'Cancelled by an admin.' });
      return;
    }
    const now = this.#core.now();
    if (op.row.notBefore !== null && op.row.notBefore > now) {
      this.#park(op, op.row.notBefore - now);
      return;
    }
    if (nextLock(op.type, op.slotRelease !== undefined) === 'scrape-slot') {
      this.#acquireSlot(op);
      return;
    }
    const budget = needsBudget(op.needs) ? (accountId: number) => budgets.check(accountId, op.needs, now) : undefined;
    const choice = place(
      this.#pool.lanes,
      { pinned: op.row.pinnedAccountId, allowMonitoring: allowsMonitoring(op.def), allowLimited: op.def.allowOnLimited ?? false, budget },
      now,
      random,
    );
    switch (choice.kind) {
      case 'lane':
        this.#enqueue(op, choice.lane);
        return;
      case 'wait':
        releaseSlot(op);
        // No account here can take it now (cooling, offline): another worker's may (R7 across workers).
        if (choice.budget === undefined && this.#giveBack(op, 'no account of this worker is free')) return;
        if (choice.budget !== undefined) this.#parkForBudget(op, now + choice.ms, choice.budget, now);
        else this.#park(op, choice.ms);
        return;
      case 'fail':
        if (op.row.pinnedAccountId === null && choice.failure.kind === 'no_account' && this.#giveBack(op, choice.failure.message)) return;
        this.#outcomes.conclude(op, choice.failure);
        return;
    }
  }

  /** Hands unpinned work to the fleet (EngineOptions.handBack); true when it went, and this process let go of it. */
  #giveBack(op: LiveOp, why: string): boolean {
    if (this.#handBack === undefined || op.row.pinnedAccountId !== null) return false;
    if (!this.#handBack(op.row, why)) return false;
    this.#outcomes.forget(op);
    return true;
  }

  cancel(op: LiveOp, message: string): CancelReach {
    const reason = new OperationAbortedError('cancelled', message, op.row.id);
    if (op.run) {
      // Remembered as well: the run may be stopping already (a timeout), and then this abort changes nothing.
      op.cancelRequested = true;
      op.run.abort(reason);
      return 'cancelling';
    }
    if (op.wait) {
      op.wait.abort(reason);
      return 'cancelled';
    }
    op.cancelRequested = true;
    if (op.phase === 'pending') this.#outcomes.conclude(op, { kind: 'cancelled', message });
    return 'cancelling';
  }

  queued(): number {
    let queued = 0;
    for (const op of this.#core.live.values()) if (op.phase !== 'running' && op.phase !== 'done') queued += 1;
    return queued;
  }

  interruptWaits(): void {
    for (const op of this.#core.live.values()) {
      op.wait?.abort(new OperationAbortedError('shutdown', 'The panel is shutting down.', op.row.id));
    }
  }

  async drain(ms: number): Promise<void> {
    const budget = new AbortController();
    await Promise.race([Promise.allSettled([...this.#executor.executions]), sleep(ms, budget.signal).catch(noop)]);
    budget.abort();
  }

  close(): void {
    for (const lane of this.#pool.lanes.values()) {
      lane.queue.pause();
      lane.queue.clear();
    }
  }

  #park(op: LiveOp, ms: number): void {
    op.phase = 'delayed';
    op.wait = this.#core.tasks.timer(
      op.row.pinnedAccountId ?? 'engine',
      `wait #${op.row.id}`,
      ms,
      () => {
        op.wait = undefined;
        this.#budget.unpark(op, false);
        Object.assign(op.row, { notBefore: null });
        this.dispatch(op);
      },
      (reason) => {
        op.wait = undefined;
        // Only a wake for budget leaves the stored wait as it is (it is placed again at once).
        this.#budget.unpark(op, reason === BUDGET_FREED);
        this.#onWaitAborted(op, reason);
      },
    );
  }

  /** No account can afford the operation now: it waits until one could, persisted (R9), saying why. */
  #parkForBudget(op: LiveOp, notBefore: number, message: string, now: number): void {
    this.#budget.store(op, notBefore, message, now);
    Object.assign(op.row, { status: 'queued', notBefore, errorKind: 'no_budget', errorMessage: message });
    this.#park(op, notBefore - now);
    this.#budget.park(op);
    this.#core.bus.emitOp('operation:queued', op);
  }

  /** R4: one of SCRAPE_CONCURRENCY slots, taken before the account (the one lock order, R8). */
  #acquireSlot(op: LiveOp): void {
    const ms = this.#core.opts.scrapeSlotMs;
    op.phase = 'slot';
    const wait = new AbortController();
    op.wait = wait;
    const timer = abortAfter(wait, ms, () => slotWaitTimedOut(ms, op.row.id));
    const granted = (release: () => void) => {
      wait.signal.removeEventListener('abort', onAbort);
      clearTimeout(timer);
      op.wait = undefined;
      op.slotRelease = release;
      this.dispatch(op);
    };
    const abandon = this.slots.acquire(op.row.priority, granted, op.row.id);
    const onAbort = () => {
      clearTimeout(timer);
      op.wait = undefined;
      abandon();
      this.#onWaitAborted(op, wait.signal.reason);
    };
    wait.signal.addEventListener('abort', onAbort, { once: true });
  }

  #enqueue(op: LiveOp, lane: Lane<C, LiveOp>): void {
    op.laneId = lane.id;
    this.#core.ops.placed?.(op.row.id, lane.id, this.#core.now());
    // Set aside now, so that the balancer never promises the same budget to two waiting operations.
    this.#budget.hold(op, lane.id);
    if (takeFastPath(lane, this.#core.now(), op.def.allowOnLimited ?? false)) {
      // R1 fast path: an idle account starts the operation at once, with no queue hop.
      void this.#executor.execute(op, lane, true);
      return;
    }
    const ms = this.#core.opts.queueWaitMs;
    op.phase = 'account';
    const wait = new AbortController();
    op.wait = wait;
    lane.waiting.add(op);
    const timer = abortAfter(wait, ms, () => accountWaitTimedOut(lane, ms, op.row.id));
    lane.queue
      .add(
        () => {
          clearTimeout(timer);
          lane.waiting.delete(op);
          op.wait = undefined;
          return this.#executor.execute(op, lane, false);
        },
        { priority: op.row.priority, signal: wait.signal },
      )
      .catch((reason: unknown) => {
        clearTimeout(timer);
        lane.waiting.delete(op);
        op.wait = undefined;
        this.#onWaitAborted(op, reason);
      });
  }

  /** A wait (delay, slot, account queue) ended early: its hold goes back, then the policy decides by why. */
  #onWaitAborted(op: LiveOp, reason: unknown): void {
    this.#budget.dropHold(op);
    if (op.phase === 'done') return;
    this.#outcomes.afterWait(op, reason, reason === BUDGET_FREED);
  }
}
