import { EventEmitter } from 'node:events';
import { Semaphore } from 'async-mutex';
import type { Logger } from 'pino';
import type { AccountIdentity, IdentityRequest } from './account-identity.js';
import { createAccountStore, type AccountHealth, type AccountStore } from './account-store.js';
import type { DeviceProfile } from './clients/device-profile.js';
import type { AppCredentials } from './clients/telegram-client.js';
import { raceAbort, sleep } from './abort.js';
import { actionOfMethod, BUDGET_ACTIONS, NO_BUDGET, type BudgetAction, type BudgetNeeds, type RunBudget } from './budget.js';
import { BudgetLedger, needsBudget, type BudgetCheck, type BudgetGrant, type BudgetHold } from './budget-ledger.js';
import { createBudgetsRepository } from '../db/repositories/budgets.js';
import { backoffDelay } from './rules/retries.js';
import { pinnedAccountProblem } from './eligibility.js';
import { IdentityRegistry } from './identity-registry.js';
import { classifyError, formatSeconds, OperationAbortedError, type Failure } from './errors.js';
import { moveLegacyProxies } from './legacy-proxy.js';
import { parseProxyUrl, formatProxyUrl, proxyAddress, showProxy, type ProxySetting } from './proxy-url.js';
import type { AccountRow } from '../db/schema.js';
import { Lane } from './lane.js';
import { toOperation } from './operation-view.js';
import { parsePhone } from './phone.js';
import { place } from './rules/balancing.js';
import { LiveMetrics } from './rules/metrics.js';
import { createOperationStore, type NewOperation, type OperationStore, type StoredOperation } from './operation-store.js';
import { resolveOptions, type ClientFactory, type EngineOptions, type ResolvedOptions, type SessionCipher } from './options.js';
import { TaskRegistry } from './rules/task-registry.js';
import { spamReason } from './spam-reason.js';
import {
  Priority,
  type Account,
  type AccountCheck,
  type AccountContext,
  type AccountState,
  type EngineEvents,
  type EngineStatus,
  type FailureKind,
  type Operation,
  type OperationStatus,
  type OperationType,
  type RunContext,
  type RunnerDefinition,
  type SubmitRequest,
} from './types.js';

/** What `submit` answers: the queued operation, or a refusal in plain words that changed nothing. */
export type SubmitResult =
  | { readonly kind: 'queued'; readonly operation: Operation }
  | { readonly kind: 'refused'; readonly reason: FailureKind; readonly message: string };

export type CancelResult =
  | { readonly kind: 'cancelled'; readonly operation: Operation }
  | { readonly kind: 'cancelling'; readonly operation: Operation }
  | { readonly kind: 'finished'; readonly status: OperationStatus }
  | { readonly kind: 'not_found' };

export type AccountResult =
  | { readonly kind: 'ok'; readonly account: Account }
  | { readonly kind: 'not_found'; readonly message: string }
  | { readonly kind: 'refused'; readonly message: string };

/**
 * Whether an account was reconnected: `done` (its state says how it went), `busy` (its work held it past the
 * lock timeout), `monitoring` (its monitors watch the connection it has: it keeps it), `not_needed`.
 */
export type Reconnect = 'done' | 'busy' | 'monitoring' | 'not_needed';

/** How setting or clearing an account's proxy went: stored, and whether the account reconnected with it. */
export type ProxyChangeResult =
  | { readonly kind: 'ok'; readonly account: Account; readonly reconnect: Reconnect }
  | { readonly kind: 'not_found'; readonly message: string }
  | { readonly kind: 'refused'; readonly message: string };

export interface AddAccountRequest {
  readonly phone: string;
  readonly session?: string | null;
  readonly label?: string | null;
  /** The account's proxy (stored encrypted), or none. */
  readonly proxy?: ProxySetting | null;
  /** The device profile the account keeps (an imported sidecar's); unset: one drawn from the catalogue. */
  readonly device?: DeviceProfile | undefined;
  /** The app credential the account keeps (an imported sidecar's); unset: the next configured one in turn. */
  readonly credentials?: AppCredentials | undefined;
}

type Phase = 'pending' | 'delayed' | 'slot' | 'account' | 'locking' | 'running' | 'done';

interface LiveOp {
  row: StoredOperation;
  readonly def: RunnerDefinition<unknown, unknown, unknown, unknown>;
  readonly type: OperationType;
  phase: Phase;
  /** Aborts the current wait (delay, slot, account queue). */
  wait: AbortController | undefined;
  /** Aborts the current run. */
  run: AbortController | undefined;
  slotRelease: (() => void) | undefined;
  laneId: number | null;
  failures: number;
  moves: number;
  cancelRequested: boolean;
  notice: string | null;
  /** The most budgeted calls one run may make (README: Budgets); empty for most work. */
  readonly needs: BudgetNeeds;
  /** Budget set aside on the account whose queue the operation waits in. */
  hold: BudgetHold | undefined;
}

type AnyDefinition = RunnerDefinition<unknown, unknown, unknown, unknown>;

/** One run's runner as #runOnLane watches it: its work, whether it has really stopped, and its budget grant. */
interface RunnerState {
  work: Promise<unknown> | undefined;
  settled: boolean;
  grant: BudgetGrant | undefined;
}

const noop = () => undefined;

/** Why a parked operation's wait ends early: budget it needs came back. */
const BUDGET_FREED = new OperationAbortedError('moved', 'Budget came free.');
const ACTIVITY: ReadonlySet<AccountState> = new Set(['idle', 'busy', 'monitoring']);

/** The engine: accounts, durable operations and the scheduler that keeps rules R1–R10. */
export class Engine<C = unknown> {
  readonly events = new EventEmitter<EngineEvents>();
  readonly tasks: TaskRegistry;
  readonly #log: Logger;
  readonly #opts: ResolvedOptions;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #cipher: SessionCipher | undefined;
  readonly #clients: ClientFactory<C> | undefined;
  /** Identities handed to logins of phones not registered yet, by phone: they count as taken until added. */
  readonly #identities: IdentityRegistry;
  readonly #classify: EngineOptions<C>['classify'];
  readonly #ops: OperationStore;
  readonly #accounts: AccountStore;
  readonly #runners = new Map<string, AnyDefinition>();
  readonly #lanes = new Map<number, Lane<C, LiveOp>>();
  readonly #live = new Map<number, LiveOp>();
  /** Each account's pending reconnect after a failed connect, so a proxy change or check can bring it forward. */
  readonly #reconnects = new Map<number, AbortController>();
  /** Each account's connect in flight. */
  readonly #connecting = new Map<number, Promise<void>>();
  readonly #waiters = new Map<number, Array<(op: Operation) => void>>();
  readonly #executions = new Set<Promise<void>>();
  /** The timer that ends each account's @SpamBot limit on its date, by account. */
  readonly #releases = new Map<number, AbortController>();
  readonly #metrics = new LiveMetrics();
  readonly #budgets: BudgetLedger;
  /** Operations parked until some account has budget again: woken early when a refund frees some. */
  readonly #budgetParked = new Set<LiveOp>();
  /** The budget wait last written for an operation, so that waking it and parking it again writes nothing. */
  readonly #storedWaits = new WeakMap<LiveOp, { notBefore: number; message: string }>();
  readonly #slots: Semaphore;
  #slotsHeld = 0;
  #started = false;
  #stopping = false;

  constructor(options: EngineOptions<C>) {
    this.#log = options.logger.child({ module: 'engine' });
    this.#opts = resolveOptions(options);
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#cipher = options.cipher;
    this.#clients = options.clients;
    this.#classify = options.classify;
    this.#ops = createOperationStore(options.db, (error) => this.#log.error({ err: error }, 'a deferred operation write failed'));
    this.#accounts = createAccountStore(options.db);
    this.#identities = new IdentityRegistry({
      accounts: this.#accounts,
      credentials: options.credentials ?? [],
      cipher: options.cipher,
      random: this.#random,
      now: this.#now,
      logger: this.#log,
    });
    this.#budgets = new BudgetLedger(createBudgetsRepository(options.db), this.#opts.budgets);
    this.#slots = new Semaphore(this.#opts.scrapeConcurrency);
    this.tasks = new TaskRegistry(this.#now);
  }

  /** The engine's clock (epoch ms): injectable, so tests run it on fake time. */
  now(): number {
    return this.#now();
  }

  // ---------------------------------------------------------------- runners

  /** Registers the runner of an operation kind. */
  register<P, K, R>(definition: RunnerDefinition<P, C, K, R>): this {
    if (this.#runners.has(definition.kind)) throw new Error(`a runner for "${definition.kind}" is already registered`);
    this.#runners.set(definition.kind, definition as unknown as AnyDefinition);
    return this;
  }

  /** Kinds registered as `internal` (bookkeeping), which lists and reports leave out. */
  get internalKinds(): string[] {
    return [...this.#runners.values()].filter((def) => def.internal).map((def) => def.kind);
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Loads the accounts and connects them, then resumes every queued or interrupted operation from its
   * checkpoint (R9). Call once, after registering the runners.
   */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    moveLegacyProxies(this.#accounts, this.#cipher, this.#log, this.#now());
    this.#identities.completeStored();
    for (const row of this.#accounts.list()) if (!this.#lanes.has(row.id)) this.#addLane(row);
    const unfinished = this.#ops.unfinished();
    let resumed = 0;
    for (const row of unfinished) {
      const def = this.#runners.get(row.kind);
      if (!def) {
        this.#ops.finish(row, { status: 'failed', errorKind: 'invalid', errorMessage: `No runner for operation kind "${row.kind}".`, durationMs: 0 }, null, this.#now());
        continue;
      }
      if (row.status === 'running') {
        this.#ops.requeue(row.id, row.notBefore, null, this.#now());
        row.status = 'queued';
      }
      const op = this.#track(row, def);
      resumed += 1;
      this.#dispatch(op);
    }
    if (resumed > 0) this.#log.info({ resumed }, 'resumed unfinished operations');
    await Promise.all([...this.#lanes.values()].map((lane) => this.#connect(lane)));
  }

  /**
   * Stops taking work, cancels every task within the cleanup budget (R5), leaves unfinished operations
   * queued in the database for the next start, and disconnects the clients.
   */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    const started = this.#now();
    for (const op of this.#live.values()) {
      op.wait?.abort(new OperationAbortedError('shutdown', 'The panel is shutting down.', op.row.id));
    }
    const report = await this.tasks.cancelAll('shutdown', 'The panel is shutting down.', this.#opts.cleanupMs);
    const budget = new AbortController();
    await Promise.race([
      Promise.allSettled([...this.#executions]),
      sleep(Math.max(0, this.#opts.cleanupMs - (this.#now() - started)), budget.signal).catch(noop),
    ]);
    budget.abort();
    for (const lane of this.#lanes.values()) {
      lane.queue.pause();
      lane.queue.clear();
    }
    await Promise.allSettled([...this.#lanes.values()].map((lane) => this.#disconnect(lane)));
    this.#ops.flush();
    if (report.stragglers.length > 0) {
      this.#log.warn({ stragglers: report.stragglers.map((t) => t.name) }, 'tasks did not end within the cleanup budget');
    }
    this.#log.info({ cancelled: report.cancelled, ms: this.#now() - started }, 'engine stopped');
  }

  // ---------------------------------------------------------------- operations

  /** Validates and records an operation, then dispatches it. Nothing changes when it is refused. */
  submit(request: SubmitRequest): SubmitResult {
    const checked = this.#check(request);
    if (checked.kind === 'refused') return checked;
    const now = this.#now();
    const id = this.#ops.insert(checked.row, now);
    return this.#admit(id, checked.def, checked.row, now);
  }

  /** Submits many operations in one transaction (e.g. /bulk); refused ones are reported in place. */
  submitMany(requests: readonly SubmitRequest[]): SubmitResult[] {
    const checked = requests.map((request) => this.#check(request));
    const accepted = checked.filter((c) => c.kind === 'ok');
    const now = this.#now();
    const ids = this.#ops.insertMany(
      accepted.map((c) => c.row),
      now,
    );
    let next = 0;
    return checked.map((c) => (c.kind === 'ok' ? this.#admit(ids[next++] as number, c.def, c.row, now) : c));
  }

  #check(
    request: SubmitRequest,
  ):
    | { kind: 'ok'; def: AnyDefinition; row: NewOperation }
    | { kind: 'refused'; reason: FailureKind; message: string } {
    if (this.#stopping) return { kind: 'refused', reason: 'error', message: 'The panel is shutting down; try again in a moment.' };
    const def = this.#runners.get(request.kind);
    if (!def) return { kind: 'refused', reason: 'invalid', message: `Unknown operation "${request.kind}".` };
    let params: unknown = request.params ?? null;
    if (def.parse) {
      try {
        params = def.parse(params);
      } catch (error) {
        return { kind: 'refused', reason: 'invalid', message: (error as Error).message };
      }
    }
    const pinned = request.accountId ?? null;
    if (pinned !== null) {
      const problem = pinnedAccountProblem(this.#lanes.get(pinned), pinned, this.#allowsMonitoring(def), def.allowOnLimited ?? false);
      if (problem) return { kind: 'refused', reason: problem.kind, message: problem.message };
      // Pinned work its account cannot afford is refused now, saying when it could run, rather than
      // queued for hours behind the admin's back.
      const needs = this.#needsOf(def, params);
      if ((request.overBudget ?? 'refuse') === 'refuse' && needsBudget(needs)) {
        const check = this.#budgets.check(pinned, needs, this.#now());
        if (!check.ok) return { kind: 'refused', reason: 'no_budget', message: check.message };
      }
    }
    const priority = request.priority ?? def.priority ?? Priority[def.type];
    if (!Number.isSafeInteger(priority)) return { kind: 'refused', reason: 'invalid', message: 'The priority must be a whole number.' };
    return {
      kind: 'ok',
      def,
      row: {
        kind: def.kind,
        params,
        pinnedAccountId: pinned,
        priority,
        requestedBy: request.requestedBy ?? null,
        reportChatId: request.reportChatId ?? null,
        parentId: request.parentId ?? null,
      },
    };
  }

  #admit(id: number, def: AnyDefinition, inserted: NewOperation, now: number): SubmitResult {
    // The row as just inserted, without reading it back.
    const row: StoredOperation = {
      ...inserted,
      id,
      assignedAccountId: null,
      status: 'queued',
      attempts: 0,
      checkpoint: undefined,
      progressDone: 0,
      progressTotal: null,
      result: undefined,
      errorKind: null,
      errorMessage: null,
      reportMessageId: null,
      notBefore: null,
      createdAt: now,
      startedAt: null,
      finishedAt: null,
    };
    const op = this.#track(row, def);
    const snapshot = this.#snapshot(op);
    this.#emit('operation:queued', snapshot);
    if (this.#started) this.#dispatch(op);
    return { kind: 'queued', operation: snapshot };
  }

  #needsOf(def: AnyDefinition, params: unknown): BudgetNeeds {
    if (!def.budget) return {};
    try {
      return def.budget(params);
    } catch (error) {
      // Params stored by an older version may not parse: the worst case is then "no budget known", which
      // the runner's own take() still bounds at zero.
      this.#log.warn({ err: error, kind: def.kind }, 'could not work out the budget of an operation');
      return {};
    }
  }

  #track(row: StoredOperation, def: AnyDefinition): LiveOp {
    const op: LiveOp = {
      row,
      def,
      type: def.type,
      phase: 'pending',
      wait: undefined,
      run: undefined,
      slotRelease: undefined,
      laneId: null,
      failures: 0,
      moves: 0,
      cancelRequested: false,
      notice: null,
      needs: this.#needsOf(def, row.params),
      hold: undefined,
    };
    this.#live.set(row.id, op);
    return op;
  }

  /** Cancels an operation wherever it is: waiting ones end at once, running ones through their signal. */
  cancel(id: number, message = 'Cancelled by an admin.'): CancelResult {
    const op = this.#live.get(id);
    if (!op || op.phase === 'done') {
      const row = op?.row ?? this.#ops.get(id);
      return row ? { kind: 'finished', status: row.status } : { kind: 'not_found' };
    }
    const reason = new OperationAbortedError('cancelled', message, id);
    if (op.run) {
      // Remembered as well: the run may be stopping already (a timeout), and then this abort changes nothing.
      op.cancelRequested = true;
      op.run.abort(reason);
      return { kind: 'cancelling', operation: this.#snapshot(op) };
    }
    if (op.wait) {
      op.wait.abort(reason);
      return { kind: 'cancelled', operation: this.#snapshot(op) };
    }
    op.cancelRequested = true;
    if (op.phase === 'pending') this.#conclude(op, { kind: 'cancelled', message });
    return { kind: 'cancelling', operation: this.#snapshot(op) };
  }

  /** The operation as it is now, from memory when live, else from the database. */
  getOperation(id: number): Operation | undefined {
    const op = this.#live.get(id);
    if (op) return this.#snapshot(op);
    const row = this.#ops.get(id);
    return row ? this.#fromRow(row) : undefined;
  }

  /** Recent operations, newest first; internal ones (health checks) only when asked for. */
  listOperations(options: { limit?: number; offset?: number; status?: OperationStatus; includeInternal?: boolean } = {}): Operation[] {
    const rows = this.#ops.recent(options.limit ?? 20, options.offset ?? 0, options.status, options.includeInternal ? [] : this.internalKinds);
    return rows.map((row) => {
      const op = this.#live.get(row.id);
      return op ? this.#snapshot(op) : this.#fromRow(row);
    });
  }

  /**
   * Every operation not finished yet (waiting or running), of one kind or all, oldest first. No limit: the
   * engine holds them all anyway, and a check like "is this monitor armed?" must see every one.
   */
  unfinishedOperations(kind?: string): Operation[] {
    const out: Operation[] = [];
    for (const op of this.#live.values()) if (op.phase !== 'done' && (kind === undefined || op.row.kind === kind)) out.push(this.#snapshot(op));
    return out.sort((a, b) => a.id - b.id);
  }

  /** Resolves when the operation has finished (at once if it already has). */
  waitFor(id: number): Promise<Operation> {
    // A live operation resolves once its finish is committed (it leaves #live then), never before.
    if (!this.#live.has(id)) {
      const row = this.#ops.get(id);
      if (!row) return Promise.reject(new Error(`There is no operation #${id}.`));
      if (row.status !== 'queued' && row.status !== 'running') return Promise.resolve(this.#fromRow(row));
    }
    return new Promise((resolve) => {
      const list = this.#waiters.get(id) ?? [];
      list.push(resolve);
      this.#waiters.set(id, list);
    });
  }

  /** Remembers the chat message that shows an operation's progress, so it survives a restart. */
  setReportMessage(id: number, chatId: number | null, messageId: number | null): void {
    this.#ops.setReportMessage(id, chatId, messageId, this.#now());
    const op = this.#live.get(id);
    if (op) Object.assign(op.row, { reportChatId: chatId, reportMessageId: messageId });
  }

  status(): EngineStatus {
    return { ...this.metrics(), accounts: this.listAccounts() };
  }

  metrics(): Omit<EngineStatus, 'accounts'> {
    let queued = 0;
    for (const op of this.#live.values()) if (op.phase !== 'running' && op.phase !== 'done') queued += 1;
    return {
      active: this.#metrics.snapshot(),
      activeScrapes: this.#slotsHeld,
      scrapeLimit: this.#opts.scrapeConcurrency,
      queued,
    };
  }

  // ---------------------------------------------------------------- dispatch

  #dispatch(op: LiveOp): void {
    if (this.#stopping || op.phase === 'done') return;
    if (op.cancelRequested) {
      this.#conclude(op, { kind: 'cancelled', message: 'Cancelled by an admin.' });
      return;
    }
    const now = this.#now();
    if (op.row.notBefore !== null && op.row.notBefore > now) {
      this.#park(op, op.row.notBefore - now);
      return;
    }
    if (op.type === 'scraping' && !op.slotRelease) {
      this.#acquireSlot(op);
      return;
    }
    const budget = needsBudget(op.needs) ? (accountId: number) => this.#budgets.check(accountId, op.needs, now) : undefined;
    const choice = place(
      this.#lanes,
      { pinned: op.row.pinnedAccountId, allowMonitoring: this.#allowsMonitoring(op.def), allowLimited: op.def.allowOnLimited ?? false, budget },
      now,
      this.#random,
    );
    switch (choice.kind) {
      case 'lane':
        this.#enqueue(op, choice.lane);
        return;
      case 'wait':
        this.#releaseSlot(op);
        if (choice.budget !== undefined) this.#parkForBudget(op, now + choice.ms, choice.budget, now);
        else this.#park(op, choice.ms);
        return;
      case 'fail':
        this.#conclude(op, choice.failure);
        return;
    }
  }

  #allowsMonitoring(def: AnyDefinition): boolean {
    return def.allowOnMonitoring ?? def.type !== 'scraping';
  }

  #park(op: LiveOp, ms: number): void {
    op.phase = 'delayed';
    op.wait = this.tasks.timer(
      op.row.pinnedAccountId ?? 'engine',
      `wait #${op.row.id}`,
      ms,
      () => {
        op.wait = undefined;
        this.#budgetParked.delete(op);
        this.#storedWaits.delete(op);
        Object.assign(op.row, { notBefore: null });
        this.#dispatch(op);
      },
      (reason) => {
        op.wait = undefined;
        this.#budgetParked.delete(op);
        // Only a wake for budget leaves the stored wait as it is (it is placed again at once).
        if (reason !== BUDGET_FREED) this.#storedWaits.delete(op);
        this.#onWaitAborted(op, reason);
      },
    );
  }

  /** No account can afford the operation now: it waits until one could, persisted (R9), saying why. */
  #parkForBudget(op: LiveOp, notBefore: number, message: string, now: number): void {
    const stored = this.#storedWaits.get(op);
    if (stored?.notBefore !== notBefore || stored.message !== message) {
      this.#ops.requeue(op.row.id, notBefore, { kind: 'no_budget', message }, now);
      this.#storedWaits.set(op, { notBefore, message });
    }
    Object.assign(op.row, { status: 'queued', notBefore, errorKind: 'no_budget', errorMessage: message });
    this.#park(op, notBefore - now);
    this.#budgetParked.add(op);
    this.#emitOp('operation:queued', op);
  }

  /**
   * Budget of these actions came back on the account (a refund, a released hold): the operations parked
   * for it that could use it look again at once, instead of waiting for the window to end.
   */
  #wakeBudgetWaiters(accountId: number, actions: readonly BudgetAction[]): void {
    if (actions.length === 0) return;
    for (const op of [...this.#budgetParked]) {
      const pinned = op.row.pinnedAccountId;
      if ((pinned === null || pinned === accountId) && actions.some((action) => (op.needs[action] ?? 0) > 0)) op.wait?.abort(BUDGET_FREED);
    }
  }

  /** Releases the operation's hold; `freed` when the budget really comes free (not when the hold becomes its run's grant). */
  #dropHold(op: LiveOp, freed = true): void {
    const hold = op.hold;
    op.hold = undefined;
    if (!hold || hold.released) return;
    this.#budgets.release(hold);
    if (freed) this.#wakeBudgetWaiters(hold.accountId, BUDGET_ACTIONS.filter((action) => (hold.needs[action] ?? 0) > 0));
  }

  #refund(grant: BudgetGrant | undefined): void {
    if (grant) this.#wakeBudgetWaiters(grant.accountId, this.#budgets.refund(grant, this.#now()));
  }

  /** R4: one of SCRAPE_CONCURRENCY slots, taken before the account (the one lock order, R8). */
  #acquireSlot(op: LiveOp): void {
    op.phase = 'slot';
    const wait = new AbortController();
    op.wait = wait;
    const timer = setTimeout(() => {
      wait.abort(new OperationAbortedError('timeout', `Waited more than ${formatSeconds(this.#opts.scrapeSlotMs / 1000)} for a free scrape slot.`, op.row.id));
    }, this.#opts.scrapeSlotMs);
    const acquisition = this.#slots.acquire(1, op.row.priority);
    const onAbort = () => {
      clearTimeout(timer);
      op.wait = undefined;
      // The semaphore cannot forget a waiter: hand the slot straight back when it comes.
      void acquisition.then(([, release]) => release());
      this.#onWaitAborted(op, wait.signal.reason);
    };
    wait.signal.addEventListener('abort', onAbort, { once: true });
    void acquisition.then(([, release]) => {
      if (wait.signal.aborted) return;
      wait.signal.removeEventListener('abort', onAbort);
      clearTimeout(timer);
      op.wait = undefined;
      this.#slotsHeld += 1;
      let released = false;
      op.slotRelease = () => {
        if (released) return;
        released = true;
        this.#slotsHeld -= 1;
        release();
      };
      this.#dispatch(op);
    });
  }

  #releaseSlot(op: LiveOp): void {
    const release = op.slotRelease;
    op.slotRelease = undefined;
    release?.();
  }

  #enqueue(op: LiveOp, lane: Lane<C, LiveOp>): void {
    op.laneId = lane.id;
    // Set aside now, so that the balancer never promises the same budget to two waiting operations.
    if (needsBudget(op.needs)) op.hold = this.#budgets.hold(lane.id, op.needs);
    const now = this.#now();
    if (lane.idle && lane.isRunnable(now, op.def.allowOnLimited ?? false)) {
      // R1 fast path: an idle account starts the operation at once, with no queue hop.
      lane.fastPath = true;
      lane.syncQueue(now);
      this.#execute(op, lane, true);
      return;
    }
    op.phase = 'account';
    const wait = new AbortController();
    op.wait = wait;
    lane.waiting.add(op);
    const timer = setTimeout(() => {
      const why = lane.paused ? ' (the account is paused)' : lane.connection !== 'connected' ? ' (the account is offline)' : '';
      wait.abort(
        new OperationAbortedError('timeout', `Waited more than ${formatSeconds(this.#opts.queueWaitMs / 1000)} for account #${lane.id}${why}.`, op.row.id),
      );
    }, this.#opts.queueWaitMs);
    lane.queue
      .add(
        () => {
          clearTimeout(timer);
          lane.waiting.delete(op);
          op.wait = undefined;
          return this.#execute(op, lane, false);
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

  /** A wait (delay, slot, account queue) ended early: decide by why. */
  #onWaitAborted(op: LiveOp, reason: unknown): void {
    this.#dropHold(op);
    if (op.phase === 'done') return;
    if (reason === BUDGET_FREED) {
      // Placed again at once; the stored wait stays until it runs, a new wait is written only if it differs.
      Object.assign(op.row, { notBefore: null });
      this.#dispatch(op);
      return;
    }
    const kind = reason instanceof OperationAbortedError ? reason.kind : undefined;
    switch (kind) {
      case 'shutdown':
        this.#releaseSlot(op);
        this.#forget(op);
        return;
      case 'moved':
        this.#requeue(op, null, null);
        return;
      case 'removed':
        this.#move(op, { kind: 'no_account', message: (reason as Error).message });
        return;
      case 'timeout':
        this.#retry(op, classifyError(reason));
        return;
      case 'cancelled':
        this.#conclude(op, { kind: 'cancelled', message: (reason as Error).message });
        return;
      default:
        this.#conclude(op, this.#classifyError(reason));
    }
  }

  #execute(op: LiveOp, lane: Lane<C, LiveOp>, fastPath: boolean): Promise<void> {
    const execution = this.#runOnLane(op, lane, fastPath).catch((error: unknown) => {
      this.#log.error({ err: error, operationId: op.row.id }, 'scheduler bug: an execution threw');
    });
    this.#executions.add(execution);
    void execution.finally(() => this.#executions.delete(execution));
    return execution;
  }

  async #runOnLane(op: LiveOp, lane: Lane<C, LiveOp>, fastPath: boolean): Promise<void> {
    lane.reserved = true;
    op.phase = 'locking';
    let release: (() => void) | undefined;
    try {
      release = await lane.mutex.acquire();
    } catch {
      this.#dropHold(op);
      this.#leaveLane(lane, fastPath);
      this.#retry(op, { kind: 'timeout', message: `Could not lock account #${lane.id} within ${formatSeconds(this.#opts.lockMs / 1000)}.` });
      return;
    }
    const now = this.#now();
    // The hold becomes a grant below: counted as used (persisted) before the runner makes any call.
    const allowLimited = op.def.allowOnLimited ?? false;
    const converting = op.hold !== undefined && !op.cancelRequested && !this.#stopping && lane.isRunnable(now, allowLimited);
    this.#dropHold(op, !converting);
    if (op.cancelRequested || this.#stopping || !lane.isRunnable(now, allowLimited)) {
      release();
      this.#leaveLane(lane, fastPath);
      if (op.cancelRequested) this.#conclude(op, { kind: 'cancelled', message: 'Cancelled by an admin.' });
      else if (this.#stopping) this.#forget(op);
      else this.#requeue(op, null, null);
      return;
    }
    let grant: BudgetGrant | undefined;
    if (needsBudget(op.needs)) {
      const granted = this.#budgets.grant(lane.id, op.needs, now);
      if (!granted.ok) {
        // The cap fell since it was placed (a halving): it waits for budget like any other.
        release();
        this.#leaveLane(lane, fastPath);
        this.#waitForBudget(op, lane, granted);
        return;
      }
      grant = granted.grant;
    }
    const run = new AbortController();
    op.run = run;
    op.phase = 'running';
    lane.current = op;
    const timeoutMs = op.def.timeoutMs ?? this.#opts.run[op.type];
    const runTimer = setTimeout(() => {
      run.abort(new OperationAbortedError('timeout', `The operation ran longer than ${formatSeconds(timeoutMs / 1000)} and was stopped.`, op.row.id));
    }, timeoutMs);
    this.#metrics.increment(op.type);
    this.#ops.markRunning(op.row.id, lane.id, now);
    Object.assign(op.row, { status: 'running', assignedAccountId: lane.id, attempts: op.row.attempts + 1, startedAt: op.row.startedAt ?? now, notBefore: null });
    this.#publish(lane);
    this.#emitOp('operation:started', op);

    let outcome: { ok: true; result: unknown } | { ok: false; failure: Failure };
    const runner: RunnerState = { work: undefined, settled: true, grant };
    try {
      outcome = await this.tasks.run(lane.id, `operation #${op.row.id} (${op.row.kind})`, op.type, () => this.#attempt(op, lane, run.signal, runner), run);
    } catch (error) {
      outcome = { ok: false, failure: this.#classifyError(error) };
    }
    clearTimeout(runTimer);
    op.run = undefined;
    let settled = false;
    const settle = () => {
      settled = true;
      if (outcome.ok) this.#conclude(op, null, outcome.result);
      else this.#settleFailure(op, lane, outcome.failure, run.signal);
    };
    if (!runner.settled && runner.work) {
      // The runner ignored its abort past the grace period. The operation ends now, but the account stays
      // locked until the runner really stops (at most zombieMs): two request streams on one account is
      // exactly what R1 forbids.
      const slot = op.slotRelease;
      op.slotRelease = undefined;
      settle();
      this.#log.error({ accountId: lane.id, operationId: op.row.id }, 'a runner ignored its abort signal; holding the account until it ends');
      await Promise.race([runner.work.then(noop, noop), sleep(this.#opts.zombieMs)]);
      slot?.();
    }
    // What the run did not spend goes back, once it has really stopped; a runner still going keeps it all.
    if (runner.settled || !runner.work) this.#refund(runner.grant);
    this.#metrics.decrement(op.type);
    lane.current = null;
    // R1: the lock is released the moment the operation ends, whichever way.
    release();
    this.#leaveLane(lane, fastPath);
    if (!settled) settle();
  }

  /** Runs the runner, sleeping through short flood waits on the same account (R7). */
  async #attempt(op: LiveOp, lane: Lane<C, LiveOp>, signal: AbortSignal, runner: RunnerState): Promise<{ ok: true; result: unknown } | { ok: false; failure: Failure }> {
    for (;;) {
      try {
        const work = op.def.run(this.#context(op, lane, signal, runner.grant ?? NO_BUDGET));
        runner.work = work;
        runner.settled = false;
        void work.then(
          () => (runner.settled = true),
          () => (runner.settled = true),
        );
        const result = await raceAbort(work, signal, this.#opts.abortGraceMs);
        if (signal.aborted) return { ok: false, failure: this.#classifyError(signal.reason) };
        return { ok: true, result };
      } catch (error) {
        const failure = signal.aborted ? this.#classifyError(signal.reason) : this.#classifyError(error);
        if (failure.kind !== 'flood' || failure.seconds > this.#opts.floodSleepThresholdS) return { ok: false, failure };
        this.#ops.recordFlood(op.row.kind, lane.id, op.row.id, failure.method ?? null, failure.seconds, 'slept', this.#now());
        lane.floodWaits += 1;
        this.#log.info({ accountId: lane.id, operationId: op.row.id, seconds: failure.seconds }, 'sleeping through a short flood wait');
        op.notice = `${failure.message} Waiting it out, then resuming.`;
        this.#emitOp('operation:progress', op);
        try {
          await sleep(failure.seconds * 1000, signal);
        } catch (reason) {
          return { ok: false, failure: this.#classifyError(reason) };
        } finally {
          op.notice = null;
        }
        // The run that met the flood has ended: it gives back what it did not spend, the next one asks afresh.
        if (runner.grant) {
          this.#refund(runner.grant);
          runner.grant = undefined;
          const again = this.#budgets.grant(lane.id, op.needs, this.#now());
          if (!again.ok) return { ok: false, failure: { kind: 'no_budget', message: again.message, freeAt: again.freeAt } };
          runner.grant = again.grant;
        }
      }
    }
  }

  #leaveLane(lane: Lane<C, LiveOp>, fastPath: boolean): void {
    lane.reserved = false;
    if (fastPath) lane.fastPath = false;
    lane.syncQueue(this.#now());
    this.#publish(lane);
  }

  #context(op: LiveOp, lane: Lane<C, LiveOp>, signal: AbortSignal, budget: RunBudget): RunContext<unknown, unknown, unknown> {
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
        this.#ops.progress(id, done, t, this.#now());
        Object.assign(op.row, { progressDone: done, progressTotal: t });
        this.#emitOp('operation:progress', op);
      },
      checkpoint: {
        get: () => op.row.checkpoint,
        save: (value) => {
          this.#ops.saveCheckpoint(id, value, this.#now());
          Object.assign(op.row, { checkpoint: value });
        },
        saveWith: (write, next) => {
          const { result, value } = this.#ops.saveCheckpointWith(id, this.#now(), write, next);
          Object.assign(op.row, { checkpoint: value });
          return result;
        },
        adopt: (value) => {
          Object.assign(op.row, { checkpoint: value });
        },
      },
      spawn: (name, type, task) => this.#spawn(lane, name, type, task),
    };
  }

  #spawn(lane: Lane<C, LiveOp>, name: string, type: OperationType, task: (signal: AbortSignal) => Promise<void>): void {
    this.#metrics.increment(type);
    if (type === 'monitoring') lane.monitors += 1;
    this.#publish(lane);
    void this.tasks
      .run(lane.id, name, type, task)
      .catch((error: unknown) => {
        if (!(error instanceof OperationAbortedError)) this.#log.error({ err: error, accountId: lane.id, task: name }, 'background task failed');
      })
      .finally(() => {
        this.#metrics.decrement(type);
        if (type === 'monitoring') lane.monitors -= 1;
        this.#publish(lane);
      });
  }

  #classifyError(error: unknown): Failure {
    if (error instanceof OperationAbortedError) return classifyError(error);
    return this.#classify?.(error) ?? classifyError(error);
  }

  #settleFailure(op: LiveOp, lane: Lane<C, LiveOp>, failure: Failure, signal: AbortSignal): void {
    // A cancel that came while the run was already stopping (a timeout, a move) could not abort it again;
    // it still decides how the operation ends: never retried or moved after an admin said stop.
    if (op.cancelRequested) return this.#conclude(op, { kind: 'cancelled', message: 'Cancelled by an admin.' });
    const abort = signal.aborted && signal.reason instanceof OperationAbortedError ? signal.reason.kind : undefined;
    if (abort === 'shutdown') return this.#interrupt(op);
    if (abort === 'moved') return this.#requeue(op, null, null);
    if (abort === 'removed') return this.#move(op, { kind: 'no_account', message: (signal.reason as Error).message });
    // A PEER_FLOOD, or a flood wait too long to sleep through, on a budgeted call halves that cap for a day.
    if (failure.kind === 'limited' || failure.kind === 'flood') this.#halve(lane, failure.method);
    switch (failure.kind) {
      case 'no_budget':
        return this.#waitForBudget(op, lane, failure);
      case 'flood':
        this.#cool(lane, failure.seconds, op, failure.method ?? null);
        return this.#move(op, failure);
      case 'dead':
      case 'limited':
        this.#markHealth(lane, failure.kind, failure.message);
        return this.#move(op, failure);
      case 'transient':
      case 'timeout':
        return this.#retry(op, failure);
      default:
        return this.#conclude(op, failure);
    }
  }

  #halve(lane: Lane<C, LiveOp>, method: string | undefined): void {
    const action = actionOfMethod(method);
    if (!action) return;
    this.#budgets.halve(lane.id, action, this.#now());
    this.#log.warn({ accountId: lane.id, action }, 'budget halved for 24 h after a flood');
  }

  /**
   * The account it was given cannot afford another run: pinned work waits for that account's budget,
   * unpinned work is placed again (on an account with budget, or waits for the soonest).
   */
  #waitForBudget(op: LiveOp, lane: Lane<C, LiveOp>, check: Extract<BudgetCheck, { ok: false }> | Extract<Failure, { kind: 'no_budget' }>): void {
    const failure: Failure = { kind: 'no_budget', message: check.message, freeAt: check.freeAt };
    if (op.row.pinnedAccountId !== lane.id) return this.#requeue(op, null, failure);
    if (check.freeAt === null) return this.#conclude(op, failure);
    this.#requeue(op, check.freeAt, failure);
  }

  /** Shutdown hit a running operation: it stays queued in the database and resumes at the next start. */
  #interrupt(op: LiveOp): void {
    this.#releaseSlot(op);
    this.#ops.requeue(op.row.id, null, null, this.#now());
    this.#forget(op);
  }

  #forget(op: LiveOp): void {
    op.phase = 'done';
    this.#live.delete(op.row.id);
  }

  /** Puts a failed attempt back in line after a backoff, or gives up (R7). */
  #retry(op: LiveOp, failure: Failure): void {
    op.failures += 1;
    if (op.failures >= this.#opts.maxAttempts) {
      this.#conclude(op, { ...failure, message: `${failure.message} Gave up after ${op.failures} attempts.` } as Failure);
      return;
    }
    this.#ops.recordRetry(op.row.kind, this.#now());
    const delay = backoffDelay(op.failures, { baseMs: this.#opts.baseDelayMs, maxMs: this.#opts.maxDelayMs }, this.#random);
    this.#requeue(op, this.#now() + delay, failure);
  }

  /** Moves an operation off its account (flood cooldown, dead, limited, removed) to resume elsewhere. */
  #move(op: LiveOp, failure: Failure): void {
    op.moves += 1;
    const pinned = op.row.pinnedAccountId;
    if (pinned !== null) {
      const lane = this.#lanes.get(pinned);
      // A pinned operation can only wait for its own account's cooldown to end.
      if (failure.kind === 'flood' && lane && !lane.removed && lane.health === 'ok' && op.moves <= this.#opts.maxMoves) {
        this.#requeue(op, lane.cooldownUntil, failure);
        return;
      }
      this.#conclude(op, failure);
      return;
    }
    if (op.moves > this.#opts.maxMoves) {
      this.#conclude(op, { ...failure, message: `${failure.message} It moved ${op.moves - 1} times without finishing.` } as Failure);
      return;
    }
    this.#requeue(op, null, failure);
  }

  #requeue(op: LiveOp, notBefore: number | null, failure: Failure | null): void {
    this.#releaseSlot(op);
    const now = this.#now();
    this.#ops.requeue(op.row.id, notBefore, failure ? { kind: failure.kind, message: failure.message } : null, now);
    Object.assign(op.row, {
      status: 'queued',
      notBefore,
      errorKind: failure?.kind ?? null,
      errorMessage: failure?.message ?? null,
    });
    op.phase = 'pending';
    op.laneId = null;
    this.#emitOp('operation:queued', op);
    this.#dispatch(op);
  }

  #conclude(op: LiveOp, failure: Failure | null, result?: unknown): void {
    if (op.phase === 'done') return;
    this.#releaseSlot(op);
    const now = this.#now();
    const status: OperationStatus = failure === null ? 'succeeded' : failure.kind === 'cancelled' ? 'cancelled' : 'failed';
    const durationMs = op.row.startedAt === null ? 0 : now - op.row.startedAt;
    const accountId = op.row.assignedAccountId;
    this.#ops.finish(
      op.row,
      { status, result, errorKind: failure?.kind ?? null, errorMessage: failure?.message ?? null, durationMs },
      accountId !== null && this.#lanes.has(accountId) ? accountId : null,
      now,
      () => this.#announceFinished(op),
    );
    const lane = accountId !== null ? this.#lanes.get(accountId) : undefined;
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
    if (status === 'failed') this.#log.info({ operationId: op.row.id, kind: op.row.kind, error: failure }, 'operation failed');
  }

  /** Once the finish is committed: forget the operation, tell listeners and waiters. */
  #announceFinished(op: LiveOp): void {
    this.#live.delete(op.row.id);
    const snapshot = this.#snapshot(op);
    this.#emit('operation:finished', snapshot);
    const waiters = this.#waiters.get(op.row.id);
    if (waiters) {
      this.#waiters.delete(op.row.id);
      for (const resolve of waiters) resolve(snapshot);
    }
  }

  // ---------------------------------------------------------------- account health

  /** R7: the account cools down until the flood wait ends; waiting unpinned work moves elsewhere. */
  #cool(lane: Lane<C, LiveOp>, seconds: number, op: LiveOp | null, method: string | null): void {
    const now = this.#now();
    const until = now + seconds * 1000;
    lane.cooldownUntil = Math.max(lane.cooldownUntil ?? 0, until);
    lane.floodWaits += 1;
    this.#accounts.setCooldown(lane.id, lane.cooldownUntil, now);
    this.#ops.recordFlood(op?.row.kind ?? 'account', lane.id, op?.row.id ?? null, method, seconds, 'cooled', now);
    this.#log.warn({ accountId: lane.id, seconds }, 'account cooling down after a flood wait');
    this.tasks.timer(lane.id, `cooldown of account #${lane.id}`, lane.cooldownUntil - now, () => {
      lane.syncQueue(this.#now());
      this.#publish(lane);
    });
    lane.syncQueue(now);
    this.#evacuate(lane, 'moved', `Account #${lane.id} is cooling down.`);
    this.#publish(lane);
  }

  /** R10: dead and limited accounts leave rotation at once; their waiting work moves. */
  #markHealth(lane: Lane<C, LiveOp>, health: AccountHealth, reason: string | null): void {
    if (lane.health === health && lane.stateReason === reason) return;
    const now = this.#now();
    lane.health = health;
    lane.stateReason = health === 'ok' ? null : reason;
    this.#accounts.setHealth(lane.id, health, lane.stateReason, now);
    lane.syncQueue(now);
    if (health !== 'ok') {
      this.#log.warn({ accountId: lane.id, health, reason }, 'account left rotation');
      this.#evacuate(lane, 'removed', `Account #${lane.id} is ${health}: ${reason ?? ''}`.trim(), health === 'limited');
    }
    this.#publish(lane);
  }

  /**
   * Aborts the waits of the lane's queued operations. `moved`: they are placed again (pinned ones wait
   * for the account); `removed`: unpinned ones move, pinned ones fail.
   */
  #evacuate(lane: Lane<C, LiveOp>, kind: 'moved' | 'removed', message: string, keepLimitedWork = false): void {
    for (const op of [...lane.waiting]) {
      if (kind === 'moved' && op.row.pinnedAccountId === lane.id) continue;
      if (keepLimitedWork && op.def.allowOnLimited) continue;
      op.wait?.abort(new OperationAbortedError(kind, message, op.row.id));
    }
  }

  /** Publishes the account's derived state when it changed: persisted, then emitted. */
  #publish(lane: Lane<C, LiveOp>): void {
    if (lane.removed) return;
    const now = this.#now();
    const state = lane.deriveState(now);
    if (state === lane.state) return;
    const previous = lane.state;
    lane.state = state;
    // Flips between idle, busy and monitoring happen on every operation and are derived again at start:
    // only the states that mean something after a restart are written.
    if (!ACTIVITY.has(previous) || !ACTIVITY.has(state)) this.#accounts.setState(lane.id, state, now);
    if (this.events.listenerCount('account:state') > 0) this.#emit('account:state', this.#account(lane), previous);
  }

  // ---------------------------------------------------------------- accounts

  #addLane(row: AccountRow): Lane<C, LiveOp> {
    const lane = new Lane<C, LiveOp>(row, this.#opts.lockMs);
    const proxy = this.#proxyOf(row);
    lane.proxy = proxy ? { scheme: proxy.scheme, address: proxyAddress(proxy) } : null;
    lane.queue.pause();
    this.#lanes.set(lane.id, lane);
    const now = this.#now();
    if (lane.isCooling(now)) {
      this.tasks.timer(lane.id, `cooldown of account #${lane.id}`, (lane.cooldownUntil ?? now) - now, () => {
        lane.syncQueue(this.#now());
        this.#publish(lane);
      });
    }
    this.#armRelease(lane);
    return lane;
  }

  /** Whether the account is out of rotation because of @SpamBot's verdict (and no other reason since). */
  #spamLimited(lane: Lane<C, LiveOp>): boolean {
    return lane.health === 'limited' && lane.check?.verdict === 'limited' && lane.stateReason === spamReason(lane.check.until);
  }

  /**
   * A @SpamBot limit with an end date: the account comes back into rotation when it passes, on the
   * engine's clock. A timer holds at most a day (setTimeout's limit is under 25 days), then looks again.
   */
  #armRelease(lane: Lane<C, LiveOp>): void {
    // One timer per account: a later verdict replaces the earlier one's.
    this.#releases.get(lane.id)?.abort();
    this.#releases.delete(lane.id);
    const until = lane.check?.until;
    if (!this.#spamLimited(lane) || until === null || until === undefined) return;
    const left = until - this.#now();
    const timer = this.tasks.timer(lane.id, `@SpamBot limit of account #${lane.id}`, Math.min(Math.max(0, left), 86_400_000), () => {
      this.#releases.delete(lane.id);
      if (lane.removed || !this.#spamLimited(lane) || lane.check?.until !== until) return;
      if (until > this.#now()) return this.#armRelease(lane);
      this.#log.info({ accountId: lane.id }, 'the @SpamBot limit ended: the account is back in rotation');
      this.#markHealth(lane, 'ok', null);
    });
    this.#releases.set(lane.id, timer);
  }

  /** Connects an account; a reconnect waits for the connect in flight (`#connecting`), so one client is made at a time. */
  #connect(lane: Lane<C, LiveOp>, attempt = 1): Promise<void> {
    const connecting = this.#connectOnce(lane, attempt).finally(() => {
      if (this.#connecting.get(lane.id) === connecting) this.#connecting.delete(lane.id);
    });
    this.#connecting.set(lane.id, connecting);
    return connecting;
  }

  async #connectOnce(lane: Lane<C, LiveOp>, attempt: number): Promise<void> {
    if (lane.removed || this.#stopping || lane.health === 'dead') {
      this.#publish(lane);
      return;
    }
    if (!this.#clients) {
      lane.connection = 'connected';
      lane.syncQueue(this.#now());
      this.#publish(lane);
      return;
    }
    lane.connection = 'connecting';
    this.#publish(lane);
    const row = this.#accounts.get(lane.id);
    let session: string | null = null;
    try {
      session = row?.sessionEnc ? this.#requireCipher().decrypt(row.sessionEnc) : null;
      // Every connection, the first and each reconnect, presents the account's own credential and device,
      // and the proxy as stored now, so a changed proxy is the one the next connection uses.
      const credentials = row?.apiId != null && row.apiHashEnc ? { apiId: row.apiId, apiHash: this.#requireCipher().decrypt(row.apiHashEnc) } : null;
      const proxy = row ? this.#proxyOf(row) : null;
      const request = { accountId: lane.id, phone: lane.phone, session, proxy, credentials, device: lane.device };
      const client = await this.tasks.run(lane.id, `connect account #${lane.id}`, 'other', (signal) => this.#clients!.connect(request, signal));
      if (lane.removed || this.#stopping) {
        await this.#clients.disconnect(client, lane.id).catch(() => undefined);
        return;
      }
      lane.client = client;
      lane.connection = 'connected';
      lane.lastError = null;
      this.#accounts.setLastError(lane.id, null, this.#now());
      this.#log.info({ accountId: lane.id }, 'account connected');
    } catch (error) {
      if (error instanceof OperationAbortedError) return;
      const failure = this.#classifyError(error);
      lane.connection = 'disconnected';
      lane.lastError = failure.message;
      this.#accounts.setLastError(lane.id, failure.message, this.#now());
      if (failure.kind === 'dead') {
        this.#markHealth(lane, 'dead', failure.message);
      } else {
        // A proxy that does not answer leaves the account disconnected, not dead: it is tried again (and at
        // once when its proxy changes or is checked).
        const delay = backoffDelay(attempt, { baseMs: 5000, maxMs: 300_000 }, this.#random);
        this.#log.warn(
          { accountId: lane.id, error: failure.message, retryInMs: delay, ...(failure.kind === 'proxy_down' && lane.proxy ? { proxy: lane.proxy.address } : {}) },
          'account could not connect',
        );
        this.#reconnects.get(lane.id)?.abort();
        this.#reconnects.set(
          lane.id,
          this.tasks.timer(lane.id, `reconnect account #${lane.id}`, delay, () => {
            this.#reconnects.delete(lane.id);
            void this.#connect(lane, attempt + 1);
          }),
        );
      }
    }
    lane.syncQueue(this.#now());
    this.#publish(lane);
  }

  async #disconnect(lane: Lane<C, LiveOp>): Promise<void> {
    const client = lane.client;
    lane.client = undefined;
    lane.connection = 'disconnected';
    if (client !== undefined && this.#clients) {
      await this.#clients.disconnect(client, lane.id).catch((error: unknown) => {
        this.#log.warn({ err: error, accountId: lane.id }, 'disconnect failed');
      });
    }
  }

  /** The account's proxy, decrypted; null without one, or (logged) when its envelope cannot be opened. */
  #proxyOf(row: AccountRow): ProxySetting | null {
    if (!row.proxyEnc) return null;
    try {
      const parsed = parseProxyUrl(this.#requireCipher().decrypt(row.proxyEnc));
      if (parsed.ok) return parsed.proxy;
      this.#log.warn({ accountId: row.id, reason: parsed.reason }, 'the stored proxy is not readable');
    } catch (error) {
      this.#log.warn({ accountId: row.id, err: error }, 'the stored proxy cannot be decrypted');
    }
    return null;
  }

  /**
   * Stores an account's proxy (encrypted, with its `host:port` for show), or clears it with null, and
   * reconnects the account through it at a safe moment: once its running operation has released it (its
   * lock), and before the next starts. An account that stays busy past the lock timeout, or whose monitors
   * watch its connection, keeps it; the new proxy is used at its next connect.
   */
  async setProxy(id: number, proxy: ProxySetting | null): Promise<ProxyChangeResult> {
    const lane = this.#lanes.get(id);
    if (!lane || lane.removed) return { kind: 'not_found', message: `There is no account #${id}.` };
    if (proxy && !this.#cipher) return { kind: 'refused', message: 'Proxies cannot be stored: SESSION_SECRET is not configured.' };
    const stored = proxy ? { enc: this.#requireCipher().encrypt(formatProxyUrl(proxy)), host: proxyAddress(proxy) } : null;
    this.#accounts.setProxy(id, stored, this.#now());
    lane.proxy = proxy ? { scheme: proxy.scheme, address: proxyAddress(proxy) } : null;
    this.#log.info({ accountId: id, proxy: proxy ? showProxy(proxy) : null }, 'account proxy changed');
    if (!this.#started || this.#stopping || lane.health === 'dead') {
      this.#publish(lane);
      return { kind: 'ok', account: this.#account(lane), reconnect: 'not_needed' };
    }
    const reconnect = await this.reconnectAccount(id);
    return { kind: 'ok', account: this.#account(lane), reconnect };
  }

  /**
   * Connects an account again now, through its current proxy, at a safe moment (see setProxy). A connected
   * account with monitors is left as it is: their watches hold its client and would go deaf on a new one.
   */
  async reconnectAccount(id: number): Promise<Reconnect> {
    const lane = this.#lanes.get(id);
    if (!lane || lane.removed || !this.#started || this.#stopping || lane.health === 'dead') return 'not_needed';
    if (lane.connection === 'connected' && lane.monitors > 0) return 'monitoring';
    let release: () => void;
    try {
      release = await lane.mutex.acquire();
    } catch {
      return 'busy';
    }
    try {
      await this.#connecting.get(id);
      // A connect that failed meanwhile left a retry behind: this one replaces it.
      this.#reconnects.get(id)?.abort();
      this.#reconnects.delete(id);
      await this.#disconnect(lane);
      await this.#connect(lane);
    } finally {
      release();
    }
    return 'done';
  }

  #requireCipher(): SessionCipher {
    if (!this.#cipher) throw new Error('no session cipher configured: SESSION_SECRET is needed to store sessions');
    return this.#cipher;
  }

  /** Adds an account (its session string is encrypted at rest) and connects it. */
  async addAccount(request: AddAccountRequest): Promise<AccountResult> {
    const parsed = parsePhone(request.phone);
    if (!parsed.ok) return { kind: 'refused', message: parsed.message };
    const normalized = parsed.phone;
    if (this.#accounts.byPhone(normalized)) return { kind: 'refused', message: `An account with phone ${normalized} is already registered.` };
    if (this.#stopping) return { kind: 'refused', message: 'The panel is shutting down; try again in a moment.' };
    let sessionEnc: string | null = null;
    if (request.session) {
      if (!this.#cipher) return { kind: 'refused', message: 'Sessions cannot be stored: SESSION_SECRET is not configured.' };
      sessionEnc = this.#cipher.encrypt(request.session);
    }
    if (request.proxy && !this.#cipher) return { kind: 'refused', message: 'Proxies cannot be stored: SESSION_SECRET is not configured.' };
    const proxy = request.proxy ? { proxyEnc: this.#requireCipher().encrypt(formatProxyUrl(request.proxy)), proxyHost: proxyAddress(request.proxy) } : {};
    const { device, credentials } = this.#identities.forNewAccount(request);
    if (credentials && !this.#cipher) return { kind: 'refused', message: 'App credentials cannot be stored: SESSION_SECRET is not configured.' };
    const row = this.#accounts.insert(
      {
        phone: normalized,
        label: request.label ?? null,
        sessionEnc,
        ...proxy,
        device,
        apiId: credentials?.apiId ?? null,
        apiHashEnc: credentials && this.#cipher ? this.#cipher.encrypt(credentials.apiHash) : null,
      },
      this.#now(),
    );
    this.#identities.registered(normalized);
    const lane = this.#addLane(row);
    this.#log.info({ accountId: lane.id }, 'account added');
    if (this.#started) await this.#connect(lane);
    return { kind: 'ok', account: this.#account(lane) };
  }

  /**
   * The credential and device a login of `phone` must use: the account's own when it is registered, else
   * the ones `addAccount` will give it (pass them on to it: Telegram ties the new auth key to the api id
   * that created it). Undefined when no credential is configured or stored.
   */
  identityFor(phone: string): AccountIdentity | undefined {
    return this.#identities.forLogin(phone);
  }

  /**
   * The identity a new account would take now: the request's device and credential where it has them
   * (an imported sidecar's), the rest assigned as `addAccount` assigns it. For a session that is checked
   * before it is added: pass the same identity to `addAccount`, so the account keeps what it presented.
   * Undefined when no credential is configured and the request has none.
   */
  proposeIdentity(request: IdentityRequest = {}): AccountIdentity | undefined {
    return this.#identities.propose(request);
  }

  /** Whether the account has a session stored (a login or an import); false for an unknown account. */
  hasSession(id: number): boolean {
    return Boolean(this.#accounts.get(id)?.sessionEnc);
  }

  /** Stores a new session for an account (after a login) and reconnects it. */
  async setSession(id: number, session: string): Promise<AccountResult> {
    const lane = this.#lanes.get(id);
    if (!lane || lane.removed) return { kind: 'not_found', message: `There is no account #${id}.` };
    this.#accounts.setSession(id, this.#requireCipher().encrypt(session), this.#now());
    await this.#disconnect(lane);
    if (lane.health === 'dead') this.#markHealth(lane, 'ok', null);
    if (this.#started) await this.#connect(lane);
    return { kind: 'ok', account: this.#account(lane) };
  }

  /**
   * Removes an account: its tasks are cancelled within the cleanup budget (R5), its unpinned work moves,
   * work pinned to it fails, and its client is disconnected.
   */
  async removeAccount(id: number): Promise<AccountResult> {
    const lane = this.#lanes.get(id);
    if (!lane || lane.removed) return { kind: 'not_found', message: `There is no account #${id}.` };
    const account = this.#account(lane);
    lane.removed = true;
    lane.syncQueue(this.#now());
    this.#evacuate(lane, 'removed', `Account #${id} was removed.`);
    const report = await this.tasks.cancelScope(id, 'removed', `Account #${id} was removed.`, this.#opts.cleanupMs);
    if (report.stragglers.length > 0) this.#log.warn({ accountId: id, stragglers: report.stragglers.map((t) => t.name) }, 'tasks outlived the cleanup budget');
    await this.#disconnect(lane);
    this.#lanes.delete(id);
    this.#releases.delete(id);
    this.#budgets.forget(id);
    // Deferred writes that name this account land before the row goes (its foreign keys then clear).
    this.#ops.flush();
    this.#accounts.delete(id);
    this.#log.info({ accountId: id, cancelled: report.cancelled }, 'account removed');
    return { kind: 'ok', account: { ...account, state: 'disconnected' } };
  }

  /** Takes an account out of rotation: it finishes its current operation, waiting unpinned work moves. */
  pauseAccount(id: number): AccountResult {
    const lane = this.#lanes.get(id);
    if (!lane || lane.removed) return { kind: 'not_found', message: `There is no account #${id}.` };
    if (!lane.paused) {
      lane.paused = true;
      this.#accounts.setPaused(id, true, this.#now());
      lane.syncQueue(this.#now());
      this.#evacuate(lane, 'moved', `Account #${id} was paused.`);
      this.#publish(lane);
    }
    return { kind: 'ok', account: this.#account(lane) };
  }

  resumeAccount(id: number): AccountResult {
    const lane = this.#lanes.get(id);
    if (!lane || lane.removed) return { kind: 'not_found', message: `There is no account #${id}.` };
    if (lane.paused) {
      lane.paused = false;
      this.#accounts.setPaused(id, false, this.#now());
      lane.syncQueue(this.#now());
      this.#publish(lane);
    }
    return { kind: 'ok', account: this.#account(lane) };
  }

  /** Marks an account's health (health checks, R10), or clears it when an admin puts it back. */
  setAccountHealth(id: number, health: AccountHealth, reason: string | null): AccountResult {
    const lane = this.#lanes.get(id);
    if (!lane || lane.removed) return { kind: 'not_found', message: `There is no account #${id}.` };
    this.#markHealth(lane, health, reason);
    if (health === 'ok' && lane.connection === 'disconnected' && this.#started) void this.#connect(lane);
    return { kind: 'ok', account: this.#account(lane) };
  }

  /** Records a passed health check: the account's Telegram identity (from getMe) and when it was seen alive. */
  recordHealthCheck(id: number, profile: { telegramUserId: number | null; username: string | null; firstName: string | null }): void {
    const lane = this.#lanes.get(id);
    if (!lane) return;
    Object.assign(lane, profile);
    const now = this.#now();
    this.#accounts.setProfile(id, { ...profile, lastHealthAt: now }, now);
  }

  /**
   * Records a check's verdict (README.md, "Account checks"): a limited account leaves rotation with the reason and,
   * when the limit has an end date, comes back by itself then; a free verdict brings a limited account
   * back. A dead account stays dead. `nextCheckAt` is when the daily round checks it again.
   */
  recordCheck(id: number, verdict: { kind: 'free' } | { kind: 'limited'; until: number | null }, nextCheckAt: number | null): AccountResult {
    const lane = this.#lanes.get(id);
    if (!lane || lane.removed) return { kind: 'not_found', message: `There is no account #${id}.` };
    const now = this.#now();
    const previous = lane.check;
    const check: AccountCheck = { verdict: verdict.kind, until: verdict.kind === 'limited' ? verdict.until : null, checkedAt: now };
    lane.check = check;
    lane.nextCheckAt = nextCheckAt;
    this.#accounts.setCheck(id, check, nextCheckAt, now);
    // A limit whose end has passed already is no limit.
    const limited = verdict.kind === 'limited' && (verdict.until === null || verdict.until > now);
    if (lane.health !== 'dead') {
      if (limited) {
        this.#markHealth(lane, 'limited', spamReason(check.until));
        this.#armRelease(lane);
      } else if (lane.health === 'limited') {
        this.#markHealth(lane, 'ok', null);
        if (lane.connection === 'disconnected' && this.#started) void this.#connect(lane);
      }
    }
    if (this.events.listenerCount('account:check') > 0) this.#emit('account:check', this.#account(lane), previous);
    return { kind: 'ok', account: this.#account(lane) };
  }

  /** Plans the account's next daily check (epoch ms), or none. */
  setNextCheck(id: number, at: number | null): void {
    const lane = this.#lanes.get(id);
    if (!lane || lane.removed) return;
    lane.nextCheckAt = at;
    this.#accounts.setNextCheck(id, at, this.#now());
  }

  getAccount(id: number): Account | undefined {
    const lane = this.#lanes.get(id);
    return lane && !lane.removed ? this.#account(lane) : undefined;
  }

  listAccounts(): Account[] {
    return [...this.#lanes.values()].filter((lane) => !lane.removed).map((lane) => this.#account(lane));
  }

  #account(lane: Lane<C, LiveOp>): Account {
    return {
      id: lane.id,
      phone: lane.phone,
      label: lane.label,
      state: lane.state,
      paused: lane.paused,
      cooldownUntil: lane.isCooling(this.#now()) ? lane.cooldownUntil : null,
      stateReason: lane.stateReason,
      lastError: lane.lastError,
      telegramUserId: lane.telegramUserId,
      username: lane.username,
      firstName: lane.firstName,
      load: lane.load,
      running: lane.current?.row.id ?? null,
      queued: lane.waiting.size,
      monitors: lane.monitors,
      opsTotal: lane.opsTotal,
      opsFailed: lane.opsFailed,
      floodWaits: lane.floodWaits,
      apiId: lane.apiId,
      device: lane.device,
      proxy: lane.proxy,
      check: lane.check,
      nextCheckAt: lane.nextCheckAt,
      budgets: this.#budgets.view(lane.id, this.#now()),
    };
  }

  // ---------------------------------------------------------------- snapshots and events

  #snapshot(op: LiveOp): Operation {
    return toOperation(op.row, op.type, op.laneId ?? op.row.assignedAccountId, op.notice);
  }

  #fromRow(row: StoredOperation, type?: OperationType, accountId: number | null = row.assignedAccountId): Operation {
    return toOperation(row, type ?? this.#runners.get(row.kind)?.type ?? 'other', accountId);
  }

  /** Emits an operation event, building the snapshot only when someone listens (hot path). */
  #emitOp(event: 'operation:queued' | 'operation:started' | 'operation:progress', op: LiveOp): void {
    if (this.events.listenerCount(event) > 0) this.#emit(event, this.#snapshot(op));
  }

  #emit<E extends keyof EngineEvents>(event: E, ...args: EngineEvents[E]): void {
    try {
      (this.events.emit as (e: E, ...a: EngineEvents[E]) => boolean)(event, ...args);
    } catch (error) {
      this.#log.error({ err: error, event }, 'engine event listener threw');
    }
  }

  /** Emits a monitor hit to the bot (used by the monitor operation). */
  emitMonitorHit(hit: EngineEvents['monitor:hit'][0]): void {
    this.#emit('monitor:hit', hit);
  }
}

/** Builds the engine. Register runners, then `await engine.start()`. */
export function createEngine<C = unknown>(options: EngineOptions<C>): Engine<C> {
  return new Engine<C>(options);
}

export type { AccountState };
