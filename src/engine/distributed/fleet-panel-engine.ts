import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { AccountsRepository } from '../../db/repositories/accounts.js';
import type { OperationsRepository } from '../../db/repositories/operations.js';
import type { ScrapeSlotRepository } from '../../db/repositories/scrape-slots.js';
import type { WorkerRepository, WorkerStatus } from '../../db/repositories/workers.js';
import type { AccountRow } from '../../db/schema.js';
import type { SessionCipher } from '../../db/session-crypto.js';
import type { SqlDatabase } from '../../db/sql/sql-port.js';
import type { AccountResult, AddAccountRequest, ProxyChangeResult } from '../account-admin.js';
import type { AccountIdentity, IdentityRequest } from '../account-identity.js';
import type { AppCredentials } from '../clients/telegram-client.js';
import type { AccountHealth } from '../account-store.js';
import type { Reconnect } from '../account-pool.js';
import type { CancelResult, SubmitResult } from '../engine.js';
import type { StoredOperation } from '../operation-store.js';
import { toOperation } from '../operation-view.js';
import type { ProxySetting } from '../proxy-url.js';
import type { Account, EngineEvents, EngineStatus, Operation, OperationStatus, OperationType, SubmitRequest } from '../types.js';
import { accountFromRow } from './account-row-view.js';
import type { EventBus } from './event-bus.js';
import type { FleetEvents } from './fleet-events.js';
import { FleetAccountAdmin } from './fleet-account-admin.js';
import type { FleetSubmitter } from './fleet-submitter.js';
import type { OperationQueue } from './operation-queue.js';
import { PanelOperationEvents } from './panel-operation-events.js';

export { ON_A_WORKER } from './fleet-account-admin.js';

export interface FleetPanelEngineOptions {
  readonly operations: OperationsRepository;
  readonly accounts: AccountsRepository;
  readonly workers: WorkerRepository;
  readonly slots: Pick<ScrapeSlotRepository, 'countActive'>;
  readonly submitter: FleetSubmitter;
  /** The shared database: an account nobody holds is removed, or given another proxy, in a transaction of its own. */
  readonly db: SqlDatabase;
  /** Where the work of a removed account nobody held goes on (op-unassigned), and its own queue is dropped. */
  readonly queue: Pick<OperationQueue, 'enqueue' | 'forgetAccountQueue'>;
  readonly bus: EventBus<FleetEvents>;
  /** The type of each kind the workers run (for views of stored rows). */
  readonly types: ReadonlyMap<string, OperationType>;
  /**
   * The kinds the workers run for themselves (health and account checks, proxy checks): left out of the operation
   * lists, as in one process.
   * @default []
   */
  readonly internalKinds?: readonly string[];
  /** SCRAPE_CONCURRENCY: the fleet-wide limit /status shows. */
  readonly scrapeLimit: number;
  /** LEASE_SECONDS in ms: a worker silent for longer is shown as silent. */
  readonly leaseMs: number;
  /** Seals the sessions and app credentials of added accounts (SESSION_SECRET). */
  readonly cipher: SessionCipher;
  /** The app credentials new accounts are given, one each while they last (README, Accounts). */
  readonly credentials: readonly AppCredentials[];
  readonly logger: Logger;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default Math.random */
  readonly random?: () => number;
  /**
   * How long an account change waits for the worker holding the account to tell of it, in ms.
   * @default 10000
   */
  readonly commandTimeoutMs?: number;
}

/** The accounts the live ones of `workers` hold. */
function heldBy(workers: readonly WorkerStatus[]): ReadonlySet<number> {
  return new Set(workers.filter((w) => w.live).flatMap((w) => w.accountIds));
}

/** A refusal of a kind the workers do not run (fleet-runners.ts lists what they do; their own checks go unsaid). */
function notRunHere(kind: string, types: ReadonlyMap<string, OperationType>, internal: readonly string[]): string {
  const kinds = [...types.keys()].filter((k) => !internal.includes(k)).map((k) => `${k}s`);
  const runs = kinds.length > 1 ? `${kinds.slice(0, -1).join(', ')} and ${kinds.at(-1) ?? ''}` : (kinds[0] ?? 'nothing');
  return `Workers do not run ${kind} operations yet, only ${runs}: run Switchboard in one process (no DATABASE_URL) for this (docs/deploy.md). Nothing was changed.`;
}

/**
 * The engine as a panel of a fleet sees it (docs/several-processes.md): it runs nothing itself. Work is submitted to
 * the queue with its row (FleetSubmitter); operations and accounts are read from the shared database; workers' events
 * arrive over the bus and are re-emitted here (panel-operation-events.ts), so the bot's progress messages, bulk summaries and alerts work as in
 * one process. Each answer comes after a database round trip, which the bot's port allows (`Awaitable`).
 */
export class FleetPanelEngine {
  readonly events = new EventEmitter<EngineEvents>();
  /** The kinds the workers run for themselves (their checks): the panel lists them only when asked to. */
  readonly internalKinds: readonly string[];
  readonly #o: FleetPanelEngineOptions;
  readonly #now: () => number;
  /** The latest view of each account a worker told of, with when: a worker's view knows the running operation. */
  readonly #liveAccounts = new Map<number, Account>();
  readonly #ops: PanelOperationEvents;
  readonly #unsubscribe: Array<() => void> = [];
  readonly #admin: FleetAccountAdmin;

  constructor(options: FleetPanelEngineOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#admin = new FleetAccountAdmin({
      ...options,
      now: this.#now,
      random: options.random ?? Math.random,
      events: this.events,
      view: (row, held) => this.#account(row, held),
      forget: (accountId) => void this.#liveAccounts.delete(accountId),
      finished: (row) => this.#ops.finished(this.#view(row)),
    });
    this.internalKinds = options.internalKinds ?? [];
    this.#ops = new PanelOperationEvents({ events: this.events, operations: options.operations, view: (row) => this.#view(row), logger: options.logger });
    this.#unsubscribe.push(
      options.bus.subscribe((event, args) => this.#onBus(event, args)),
      options.bus.onResync(() => void this.#ops.resync()),
    );
  }

  /** Stops following the bus; waiters are left to the process's end. */
  close(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
  }

  // ---------------------------------------------------------------- operations

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    const [result] = await this.submitMany([request]);
    return result as SubmitResult;
  }

  /** Kinds no worker runs are refused here in plain words; the rest are checked and written by the submitter. */
  async submitMany(requests: readonly SubmitRequest[]): Promise<SubmitResult[]> {
    const runs = requests.filter((r) => this.#o.types.has(r.kind));
    const submitted = runs.length > 0 ? await this.#o.submitter.submitMany(runs) : [];
    let next = 0;
    const results = requests.map((r): SubmitResult => (this.#o.types.has(r.kind) ? (submitted[next++] as SubmitResult) : { kind: 'refused', reason: 'invalid', message: notRunHere(r.kind, this.#o.types, this.internalKinds) }));
    let queued = 0;
    for (const result of results) {
      if (result.kind !== 'queued') continue;
      queued += 1;
      this.#ops.queued(result.operation);
    }
    // A wake-up only saves the workers a poll interval: a lost one costs that much, nothing else.
    if (queued > 0) this.#o.bus.publish('queue:wake').catch((error: unknown) => this.#o.logger.debug({ err: error }, 'could not wake the workers'));
    return results;
  }

  /**
   * Work still in the queue is cancelled here, in its row; work a worker took up is cancelled by that worker, which is
   * asked over the bus and records the finish (the answer is then `cancelling`).
   */
  async cancel(id: number, message = 'Cancelled by an admin.'): Promise<CancelResult> {
    const { operations, bus } = this.#o;
    if (await operations.cancelUnplaced(id, message, this.#now())) {
      const row = await operations.get(id);
      if (row === undefined) return { kind: 'not_found' };
      const op = this.#view(row);
      this.#ops.finished(op);
      return { kind: 'cancelled', operation: op };
    }
    const row = await operations.get(id);
    if (row === undefined) return { kind: 'not_found' };
    if (row.status !== 'queued' && row.status !== 'running') return { kind: 'finished', status: row.status };
    await bus.publish('operation:cancel', id, message);
    return { kind: 'cancelling', operation: this.#view(row) };
  }

  async getOperation(id: number): Promise<Operation | undefined> {
    const row = await this.#o.operations.get(id);
    return row ? this.#view(row) : undefined;
  }

  async listOperations(options: { limit?: number; offset?: number; status?: OperationStatus; includeInternal?: boolean } = {}): Promise<Operation[]> {
    const rows = await this.#o.operations.recent(options.limit ?? 20, options.offset ?? 0, options.status, options.includeInternal ? [] : this.internalKinds);
    return rows.map((row) => this.#view(row));
  }

  /** Resolves when a worker finished the operation (at once if it has), as the shared database records it. */
  waitFor(id: number): Promise<Operation> {
    return this.#ops.waitFor(id);
  }

  async setReportMessage(id: number, chatId: number | null, messageId: number | null): Promise<void> {
    this.#ops.reportAt(id, chatId, messageId);
    await this.#o.operations.setReportMessage(id, chatId, messageId, this.#now());
  }

  async status(): Promise<EngineStatus> {
    // One read of the workers serves both the list and which accounts are held.
    const [metrics, rows, workers] = await Promise.all([this.metrics(), this.#o.accounts.list(), this.#o.workers.listWithAccounts(this.#now(), this.#o.leaseMs)]);
    const held = heldBy(workers);
    return {
      ...metrics,
      accounts: rows.map((row) => this.#account(row, held)),
      workers: workers.map((w) => ({ name: w.name, live: w.live, stopping: w.stoppingAt !== null, heartbeatAt: w.heartbeatAt, accountIds: w.accountIds })),
    };
  }

  async metrics(): Promise<Omit<EngineStatus, 'accounts'>> {
    const [counts, activeScrapes] = await Promise.all([this.#o.operations.unfinishedCounts(), this.#o.slots.countActive(this.#now())]);
    const active: Record<OperationType, number> = { scraping: 0, monitoring: 0, sending: 0, other: 0 };
    for (const [kind, n] of counts.runningByKind) active[this.#o.types.get(kind) ?? 'other'] += n;
    return { active, activeScrapes, scrapeLimit: this.#o.scrapeLimit, queued: counts.queued };
  }

  // ---------------------------------------------------------------- accounts

  async listAccounts(): Promise<Account[]> {
    const [rows, held] = await Promise.all([this.#o.accounts.list(), this.#held()]);
    return rows.map((row) => this.#account(row, held));
  }

  async getAccount(id: number): Promise<Account | undefined> {
    const [row, held] = await Promise.all([this.#o.accounts.get(id), this.#held()]);
    return row ? this.#account(row, held) : undefined;
  }

  /** The accounts live workers hold by unexpired lease. */
  async #held(): Promise<ReadonlySet<number>> {
    return heldBy(await this.#o.workers.listWithAccounts(this.#now(), this.#o.leaseMs));
  }

  /**
   * Adds an account with its session (sealed), a device and an app credential of its own; a worker takes it up at its
   * next lease round, as its fair share allows.
   */
  addAccount(request: AddAccountRequest): Promise<AccountResult> {
    return this.#admin.addAccount(request);
  }

  // Logins and imports (panel-login.ts): the identity a login presents, and the session it ends with.
  identityFor(phone: string): Promise<AccountIdentity | undefined> {
    return this.#admin.identityFor(phone);
  }

  proposeIdentity(request: IdentityRequest = {}): Promise<AccountIdentity | undefined> {
    return this.#admin.proposeIdentity(request);
  }

  holderOf(phone: string): Promise<string | undefined> {
    return this.#admin.holderOf(phone);
  }

  setSession(id: number, session: string): Promise<AccountResult> {
    return this.#admin.setSession(id, session);
  }

  recordHealthCheck(id: number, profile: { telegramUserId: number | null; username: string | null; firstName: string | null }): Promise<void> {
    return this.#admin.recordHealthCheck(id, profile);
  }

  // Account changes (fleet-account-admin.ts): by the worker holding the account, or in the row when nobody does.
  removeAccount(id: number): Promise<AccountResult> {
    return this.#admin.removeAccount(id);
  }

  pauseAccount(id: number): Promise<AccountResult> {
    return this.#admin.pauseAccount(id);
  }

  resumeAccount(id: number): Promise<AccountResult> {
    return this.#admin.resumeAccount(id);
  }

  setAccountHealth(id: number, health: AccountHealth, reason: string | null): Promise<AccountResult> {
    return this.#admin.setAccountHealth(id, health, reason);
  }

  setProxy(id: number, proxy: ProxySetting | null): Promise<ProxyChangeResult> {
    return this.#admin.setProxy(id, proxy);
  }

  reconnectAccount(_id: number): Promise<Reconnect> {
    return Promise.resolve('not_needed');
  }

  // ---------------------------------------------------------------- events from the workers

  #onBus(event: string, args: readonly unknown[]): void {
    switch (event) {
      case 'operation:started':
      case 'operation:progress':
      case 'operation:finished': {
        this.#ops.hear(event, args[0] as Operation);
        return;
      }
      case 'account:check': {
        const [account, previous] = args as FleetEvents['account:check'];
        this.#liveAccounts.set(account.id, account);
        this.events.emit('account:check', account, previous);
        return;
      }
      case 'account:changed': {
        const [requestId, outcome] = args as FleetEvents['account:changed'];
        this.#admin.answered(requestId, outcome);
        return;
      }
      case 'account:state': {
        const [account, previous] = args as FleetEvents['account:state'];
        this.#liveAccounts.set(account.id, account);
        this.events.emit('account:state', account, previous);
        return;
      }
      case 'monitor:hit': {
        // As the engine of one process emits it: the bot's MonitorAlerts sends it on.
        const [hit] = args as FleetEvents['monitor:hit'];
        this.events.emit('monitor:hit', hit);
        return;
      }
      default:
        // Another panel's cancel request, or an event this version does not know.
        return;
    }
  }

  #view(row: StoredOperation): Operation {
    return toOperation(row, this.#o.types.get(row.kind) ?? 'other', row.assignedAccountId ?? row.pinnedAccountId);
  }

  /**
   * The account's view; with `held`, one that no live worker holds is shown as it is: not connected (what a worker
   * told of it before it died or let it go is stale), unless its health keeps it out of rotation anyway.
   */
  #account(row: AccountRow, held?: ReadonlySet<number>): Account {
    const fromRow = accountFromRow(row, this.#now(), this.#o.cipher);
    if (held !== undefined && !held.has(row.id)) {
      this.#liveAccounts.delete(row.id);
      const state = row.health === 'dead' ? 'dead' : row.health === 'limited' ? 'limited' : 'disconnected';
      return { ...fromRow, state };
    }
    const told = this.#liveAccounts.get(row.id);
    // A worker's view knows what runs and waits on the account; the row knows the latest totals and profile.
    return told ? { ...fromRow, state: told.state, load: told.load, running: told.running, queued: told.queued, cooldownUntil: told.cooldownUntil, budgets: told.budgets } : fromRow;
  }
}
