import type { Logger } from 'pino';
import type { DatabaseHandle } from '../db/client.js';
import type { AccountRow } from '../db/schema.js';
import type { EventEmitter } from 'node:events';
import type { AccountIdentity, IdentityRequest } from './account-identity.js';
import { AccountAdmin, type AccountResult, type AddAccountRequest, type ProxyChangeResult } from './account-admin.js';
import { AccountPool, type Reconnect } from './account-pool.js';
import { createAccountStore, type AccountHealth } from './account-store.js';
import { Admission } from './admission.js';
import { BudgetLedger } from './budget-ledger.js';
import { BudgetWaits } from './budget-waits.js';
import type { EngineCore } from './core.js';
import { createBudgetsRepository } from '../db/repositories/budgets.js';
import type { Dispatcher } from './dispatch/dispatcher.js';
import { LocalDispatcher } from './dispatch/local-dispatcher.js';
import { classifyError, OperationAbortedError, type Failure } from './errors.js';
import { EngineEventBus } from './events.js';
import { Executor } from './executor.js';
import { IdentityRegistry } from './identity-registry.js';
import { moveLegacyProxies } from './legacy-proxy.js';
import { insertedRow, liveOperation, snapshotOf, type AnyDefinition, type LiveOp } from './live-operation.js';
import { toOperation } from './operation-view.js';
import { createOperationStore, type NewOperation, type StoredOperation } from './operation-store.js';
import { resolveOptions, type EngineOptions, type EngineStores } from './options.js';
import { Outcomes } from './outcomes.js';
import type { ProxySetting } from './proxy-url.js';
import { resumeUnfinished } from './rules/durability.js';
import { LiveMetrics } from './rules/metrics.js';
import { LocalScrapeSlots } from './rules/scrape-limit.js';
import { TaskRegistry } from './rules/task-registry.js';
import type { Account, AccountState, EngineEvents, EngineStatus, FailureKind, Operation, OperationStatus, OperationType, RunnerDefinition, SubmitRequest } from './types.js';

export type { AccountResult, AddAccountRequest, ProxyChangeResult, Reconnect };

/** What `submit` answers: the queued operation, or a refusal in plain words that changed nothing. */
export type SubmitResult =
  | { readonly kind: 'queued'; readonly operation: Operation }
  | { readonly kind: 'refused'; readonly reason: FailureKind; readonly message: string };

/** What {@link Engine.adopt} did with a row: took it up, or found it held here already, finished, or of no known kind. */
export type AdoptResult = 'adopted' | 'known' | 'finished' | 'no_runner';

export type CancelResult =
  | { readonly kind: 'cancelled'; readonly operation: Operation }
  | { readonly kind: 'cancelling'; readonly operation: Operation }
  | { readonly kind: 'finished'; readonly status: OperationStatus }
  | { readonly kind: 'not_found' };


/**
 * The engine: accounts, durable operations and the scheduler that keeps rules R1–R10 (docs/engine.md says
 * which file keeps which). This class is the facade: it owns the rooms and keeps the public API; the work
 * happens in admission.ts, dispatch/, executor.ts, outcomes.ts (outcome-policy.ts decides) and account-pool.ts.
 */
export class Engine<C = unknown> {
  readonly events: EventEmitter<EngineEvents>;
  readonly tasks: TaskRegistry;
  readonly #core: EngineCore;
  readonly #cipher: EngineOptions<C>['cipher'];
  readonly #identities: IdentityRegistry;
  readonly #pool: AccountPool<C>;
  readonly #admin: AccountAdmin<C>;
  readonly #admission: Admission<C>;
  readonly #outcomes: Outcomes<C>;
  readonly #dispatcher: Dispatcher;

  constructor(options: EngineOptions<C>) {
    const log = options.logger.child({ module: 'engine' });
    const opts = resolveOptions(options);
    const now = options.now ?? Date.now;
    const random = options.random ?? Math.random;
    const stores = options.stores ?? sqliteStores(options.db, log);
    const accounts = stores.accounts;
    const bus = new EngineEventBus(log);
    this.events = bus.emitter;
    this.tasks = new TaskRegistry(now);
    const classify = options.classify;
    this.#cipher = options.cipher;
    this.#core = {
      log,
      opts,
      now,
      random,
      ops: stores.operations,
      accounts,
      budgets: new BudgetLedger(stores.budgets, opts.budgets),
      tasks: this.tasks,
      metrics: new LiveMetrics(),
      bus,
      runners: new Map<string, AnyDefinition>(),
      live: new Map<number, LiveOp>(),
      lifecycle: { started: false, stopping: false },
      classify: (error: unknown): Failure => (error instanceof OperationAbortedError ? classifyError(error) : (classify?.(error) ?? classifyError(error))),
    };
    this.#identities = new IdentityRegistry({ accounts, credentials: options.credentials ?? [], cipher: options.cipher, random, now, logger: log });
    this.#pool = new AccountPool<C>(this.#core, options.cipher, options.clients);
    this.#admin = new AccountAdmin<C>(this.#core, this.#pool, options.cipher, this.#identities);
    this.#admission = new Admission<C>(this.#core, this.#pool);
    const budget = new BudgetWaits(this.#core);
    this.#outcomes = new Outcomes<C>(this.#core, this.#pool, (op) => this.#dispatcher.dispatch(op));
    const executor = new Executor<C>(this.#core, this.#pool, budget, this.#outcomes);
    this.#dispatcher = new LocalDispatcher<C>(this.#core, this.#pool, budget, executor, this.#outcomes, options.scrapeSlots ?? new LocalScrapeSlots(opts.scrapeConcurrency), options.handBack);
  }

  /** The engine's clock (epoch ms): injectable, so tests run it on fake time. */
  now(): number {
    return this.#core.now();
  }

  // ---------------------------------------------------------------- runners

  /** Registers the runner of an operation kind. */
  register<P, K, R>(definition: RunnerDefinition<P, C, K, R>): this {
    const runners = this.#core.runners;
    if (runners.has(definition.kind)) throw new Error(`a runner for "${definition.kind}" is already registered`);
    runners.set(definition.kind, definition as unknown as AnyDefinition);
    return this;
  }

  /** Kinds registered as `internal` (bookkeeping), which lists and reports leave out. */
  get internalKinds(): string[] {
    return [...this.#core.runners.values()].filter((def) => def.internal).map((def) => def.kind);
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Loads the accounts and connects them, then resumes every queued or interrupted operation from its
   * checkpoint (R9). Call once, after registering the runners.
   */
  async start(): Promise<void> {
    const { lifecycle, accounts, ops, runners, log, now } = this.#core;
    if (lifecycle.started) return;
    lifecycle.started = true;
    moveLegacyProxies(accounts, this.#cipher, log, now());
    this.#identities.completeStored();
    for (const row of accounts.list()) if (!this.#pool.lanes.has(row.id)) this.#pool.add(row);
    const resumed = resumeUnfinished(ops, runners, now, (row, def) => this.#dispatcher.dispatch(this.#track(row, def)));
    if (resumed > 0) log.info({ resumed }, 'resumed unfinished operations');
    await Promise.all([...this.#pool.lanes.values()].map((lane) => this.#pool.connect(lane)));
  }

  /**
   * Stops taking work, cancels every task within the cleanup budget (R5), leaves unfinished operations
   * queued in the database for the next start, and disconnects the clients.
   */
  async stop(): Promise<void> {
    const { lifecycle, opts, ops, log, now } = this.#core;
    if (lifecycle.stopping) return;
    lifecycle.stopping = true;
    const started = now();
    this.#dispatcher.interruptWaits();
    const report = await this.tasks.cancelAll('shutdown', 'The panel is shutting down.', opts.cleanupMs);
    await this.#dispatcher.drain(Math.max(0, opts.cleanupMs - (now() - started)));
    this.#dispatcher.close();
    await Promise.allSettled([...this.#pool.lanes.values()].map((lane) => this.#pool.disconnect(lane)));
    ops.flush();
    if (report.stragglers.length > 0) {
      log.warn({ stragglers: report.stragglers.map((t) => t.name) }, 'tasks did not end within the cleanup budget');
    }
    log.info({ cancelled: report.cancelled, ms: now() - started }, 'engine stopped');
  }

  // ---------------------------------------------------------------- operations

  /** Validates and records an operation, then dispatches it. Nothing changes when it is refused. */
  submit(request: SubmitRequest): SubmitResult {
    const checked = this.#admission.check(request);
    if (checked.kind === 'refused') return checked;
    const now = this.#core.now();
    const id = this.#core.ops.insert(checked.row, now);
    return this.#admit(id, checked.def, checked.row, now);
  }

  /** Submits many operations in one transaction (e.g. /bulk); refused ones are reported in place. */
  submitMany(requests: readonly SubmitRequest[]): SubmitResult[] {
    const checked = requests.map((request) => this.#admission.check(request));
    const accepted = checked.filter((c) => c.kind === 'ok');
    const now = this.#core.now();
    const ids = this.#core.ops.insertMany(
      accepted.map((c) => c.row),
      now,
    );
    let next = 0;
    return checked.map((c) => (c.kind === 'ok' ? this.#admit(ids[next++] as number, c.def, c.row, now) : c));
  }

  /** The row is written (R9): the operation is held in memory, announced, and placed once the engine runs. */
  #admit(id: number, def: AnyDefinition, inserted: NewOperation, now: number): SubmitResult {
    const op = this.#track(insertedRow(inserted, id, now), def);
    const snapshot = snapshotOf(op);
    this.#core.bus.emit('operation:queued', snapshot);
    if (this.#core.lifecycle.started) this.#dispatcher.dispatch(op);
    return { kind: 'queued', operation: snapshot };
  }

  #track(row: StoredOperation, def: AnyDefinition): LiveOp {
    const op = liveOperation(row, def, this.#admission.needsOf(def, row.params));
    this.#core.live.set(row.id, op);
    return op;
  }

  /** Cancels an operation wherever it is: waiting ones end at once, running ones through their signal. */
  cancel(id: number, message = 'Cancelled by an admin.'): CancelResult {
    const op = this.#core.live.get(id);
    if (!op || op.phase === 'done') {
      const row = op?.row ?? this.#core.ops.get(id);
      return row ? { kind: 'finished', status: row.status } : { kind: 'not_found' };
    }
    const kind = this.#dispatcher.cancel(op, message);
    return { kind, operation: snapshotOf(op) };
  }

  /** The operation as it is now, from memory when live, else from the database. */
  getOperation(id: number): Operation | undefined {
    const op = this.#core.live.get(id);
    if (op) return snapshotOf(op);
    const row = this.#core.ops.get(id);
    return row ? this.#fromRow(row) : undefined;
  }

  /** Recent operations, newest first; internal ones (health checks) only when asked for. */
  listOperations(options: { limit?: number; offset?: number; status?: OperationStatus; includeInternal?: boolean } = {}): Operation[] {
    const rows = this.#core.ops.recent(options.limit ?? 20, options.offset ?? 0, options.status, options.includeInternal ? [] : this.internalKinds);
    return rows.map((row) => {
      const op = this.#core.live.get(row.id);
      return op ? snapshotOf(op) : this.#fromRow(row);
    });
  }

  /**
   * Every operation not finished yet (waiting or running), of one kind or all, oldest first. No limit: the
   * engine holds them all anyway, and a check like "is this monitor armed?" must see every one.
   */
  unfinishedOperations(kind?: string): Operation[] {
    const out: Operation[] = [];
    for (const op of this.#core.live.values()) if (op.phase !== 'done' && (kind === undefined || op.row.kind === kind)) out.push(snapshotOf(op));
    return out.sort((a, b) => a.id - b.id);
  }

  /** Resolves when the operation has finished (at once if it already has). */
  waitFor(id: number): Promise<Operation> {
    // A live operation resolves once its finish is committed (it leaves the live map then), never before.
    if (!this.#core.live.has(id)) {
      const row = this.#core.ops.get(id);
      if (!row) return Promise.reject(new Error(`There is no operation #${id}.`));
      if (row.status !== 'queued' && row.status !== 'running') return Promise.resolve(this.#fromRow(row));
    }
    return this.#outcomes.waitFor(id);
  }

  /** Remembers the chat message that shows an operation's progress, so it survives a restart. */
  setReportMessage(id: number, chatId: number | null, messageId: number | null): void {
    this.#core.ops.setReportMessage(id, chatId, messageId, this.#core.now());
    const op = this.#core.live.get(id);
    if (op) Object.assign(op.row, { reportChatId: chatId, reportMessageId: messageId });
  }

  status(): EngineStatus {
    return { ...this.metrics(), accounts: this.listAccounts() };
  }

  metrics(): Omit<EngineStatus, 'accounts'> {
    const queued = this.#dispatcher.queued();
    const slots = this.#dispatcher.slots;
    return { active: this.#core.metrics.snapshot(), activeScrapes: slots.held(), scrapeLimit: slots.limit, queued };
  }

  // ---------------------------------------------------------------- accounts

  /**
   * Stores an account's proxy (encrypted, with its `host:port` for show), or clears it with null, and
   * reconnects the account through it at a safe moment: once its running operation has released it (its
   * lock), and before the next starts. An account that stays busy past the lock timeout, or whose monitors
   * watch its connection, keeps it; the new proxy is used at its next connect.
   */
  setProxy(id: number, proxy: ProxySetting | null): Promise<ProxyChangeResult> {
    return this.#admin.setProxy(id, proxy);
  }

  /**
   * Connects an account again now, through its current proxy, at a safe moment (see setProxy). A connected
   * account with monitors is left as it is: their watches hold its client and would go deaf on a new one.
   */
  reconnectAccount(id: number): Promise<Reconnect> {
    return this.#pool.reconnect(id);
  }

  /** Adds an account (its session string is encrypted at rest) and connects it. */
  addAccount(request: AddAccountRequest): Promise<AccountResult> {
    return this.#admin.add(request);
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
    return Boolean(this.#core.accounts.get(id)?.sessionEnc);
  }

  /** Stores a new session for an account (after a login) and reconnects it. */
  setSession(id: number, session: string): Promise<AccountResult> {
    return this.#admin.setSession(id, session);
  }

  /**
   * Removes an account: its tasks are cancelled within the cleanup budget (R5), its unpinned work moves,
   * work pinned to it fails, and its client is disconnected.
   */
  removeAccount(id: number): Promise<AccountResult> {
    return this.#admin.remove(id);
  }

  /** Takes an account out of rotation: it finishes its current operation, waiting unpinned work moves. */
  pauseAccount(id: number): AccountResult {
    return this.#admin.setPaused(id, true);
  }

  resumeAccount(id: number): AccountResult {
    return this.#admin.setPaused(id, false);
  }

  /** Marks an account's health (health checks, R10), or clears it when an admin puts it back. */
  setAccountHealth(id: number, health: AccountHealth, reason: string | null): AccountResult {
    return this.#admin.setHealth(id, health, reason);
  }

  /** Records a passed health check: the account's Telegram identity (from getMe) and when it was seen alive. */
  recordHealthCheck(id: number, profile: { telegramUserId: number | null; username: string | null; firstName: string | null }): void {
    this.#admin.recordHealthCheck(id, profile);
  }

  /**
   * Records a check's verdict (README.md, "Account checks"): a limited account leaves rotation with the reason and,
   * when the limit has an end date, comes back by itself then; a free verdict brings a limited account
   * back. A dead account stays dead. `nextCheckAt` is when the daily round checks it again.
   */
  recordCheck(id: number, verdict: { kind: 'free' } | { kind: 'limited'; until: number | null }, nextCheckAt: number | null): AccountResult {
    return this.#admin.recordCheck(id, verdict, nextCheckAt);
  }

  /** Plans the account's next daily check (epoch ms), or none. */
  setNextCheck(id: number, at: number | null): void {
    this.#admin.setNextCheck(id, at);
  }

  getAccount(id: number): Account | undefined {
    const lane = this.#pool.get(id);
    return lane ? this.#pool.view(lane) : undefined;
  }

  listAccounts(): Account[] {
    return [...this.#pool.lanes.values()].filter((lane) => !lane.removed).map((lane) => this.#pool.view(lane));
  }

  // ---------------------------------------------------------------- several processes

  /**
   * Takes up an operation whose row another process wrote (a job from the queue, or the work of an account this
   * worker just took over): held in memory and placed like a resumed one (R9). Answers what became of it; an
   * operation already held here or already finished is left as it is (jobs arrive at least once).
   */
  adopt(row: StoredOperation): AdoptResult {
    const { live, runners, ops, now } = this.#core;
    if (live.has(row.id)) return 'known';
    if (row.status !== 'queued' && row.status !== 'running') return 'finished';
    const def = runners.get(row.kind);
    if (!def) {
      ops.finish(row, { status: 'failed', errorKind: 'invalid', errorMessage: `No runner for operation kind "${row.kind}".`, durationMs: 0 }, null, now());
      return 'no_runner';
    }
    if (row.status === 'running') {
      // Its run died with the process that had it; it resumes from its checkpoint.
      ops.requeue(row.id, row.notBefore, null, now());
      row.status = 'queued';
    }
    const op = this.#track(row, def);
    if (this.#core.lifecycle.started) this.#dispatcher.dispatch(op);
    return 'adopted';
  }

  /** Holds an account this process was given (its lease, docs/several-processes.md): a lane, connected. */
  async attachAccount(row: AccountRow): Promise<void> {
    if (this.#pool.lanes.has(row.id)) return;
    const lane = this.#pool.add(row);
    if (this.#core.lifecycle.started) await this.#pool.connect(lane);
  }

  /** Lets another process have the account: see {@link AccountAdmin.release}. */
  releaseAccount(id: number, message: string): Promise<boolean> {
    return this.#admin.release(id, message);
  }

  // ---------------------------------------------------------------- snapshots and events

  #fromRow(row: StoredOperation, type?: OperationType, accountId: number | null = row.assignedAccountId): Operation {
    return toOperation(row, type ?? this.#core.runners.get(row.kind)?.type ?? 'other', accountId);
  }

  /** Emits a monitor hit to the bot (used by the monitor operation). */
  emitMonitorHit(hit: EngineEvents['monitor:hit'][0]): void {
    this.#core.bus.emit('monitor:hit', hit);
  }
}

/** Builds the engine. Register runners, then `await engine.start()`. */
/** The stores of one process, over its SQLite database. */
function sqliteStores(db: DatabaseHandle | undefined, log: Logger): EngineStores {
  if (db === undefined) throw new TypeError('the engine needs a database (db) or its stores (stores)');
  return {
    operations: createOperationStore(db, (error) => log.error({ err: error }, 'a deferred operation write failed')),
    accounts: createAccountStore(db),
    budgets: createBudgetsRepository(db),
  };
}

export function createEngine<C = unknown>(options: EngineOptions<C>): Engine<C> {
  return new Engine<C>(options);
}

export type { AccountState };
