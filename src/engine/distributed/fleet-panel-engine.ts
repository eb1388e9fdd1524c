import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { lockUnheldAccount } from '../../db/repositories/account-holds.js';
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
import { parsePhone } from '../phone.js';
import { formatProxyUrl, proxyAddress, showProxy, type ProxySetting } from '../proxy-url.js';
import type { Account, EngineEvents, EngineStatus, Operation, OperationStatus, OperationType, SubmitRequest } from '../types.js';
import { accountFromRow } from './account-row-view.js';
import type { EventBus } from './event-bus.js';
import { removeAccountIn } from './account-removal.js';
import type { AccountChange, AccountChangeOutcome, AccountCommand, FleetEvents } from './fleet-events.js';
import type { FleetSubmitter } from './fleet-submitter.js';
import type { OperationQueue } from './operation-queue.js';
import { PanelIdentities } from './panel-identities.js';
import { PanelOperationEvents } from './panel-operation-events.js';

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

/** What a panel of a fleet refuses, for now, in plain words: the worker holding the account would have to do it. */
export const ON_A_WORKER =
  'On a panel shared with workers (DATABASE_URL), this change to an account is not available yet (pause, resume, reinstate, removing it and changing its proxy are): run Switchboard in one process for it (docs/deploy.md). Nothing was changed.';

const notFound = (id: number) => ({ kind: 'not_found', message: `There is no account #${id}.` }) as const;

/** The accounts the live ones of `workers` hold. */
function heldBy(workers: readonly WorkerStatus[]): ReadonlySet<number> {
  return new Set(workers.filter((w) => w.live).flatMap((w) => w.accountIds));
}

/** Whether a worker's view of an account shows the command done. */
function applied(command: AccountCommand, account: Account): boolean {
  if (command === 'pause') return account.paused;
  if (command === 'resume') return !account.paused;
  return account.state !== 'limited' && account.state !== 'dead';
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
  /** Who waits for a holder's answer to an account change, by request id. */
  readonly #changes = new Map<string, (outcome: AccountChangeOutcome) => void>();
  readonly #identities: PanelIdentities;

  constructor(options: FleetPanelEngineOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#identities = new PanelIdentities({ accounts: options.accounts, credentials: options.credentials, cipher: options.cipher, random: options.random ?? Math.random });
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
  async addAccount(request: AddAccountRequest): Promise<AccountResult> {
    const { accounts, cipher, logger } = this.#o;
    const parsed = parsePhone(request.phone);
    if (!parsed.ok) return { kind: 'refused', message: parsed.message };
    if (await accounts.byPhone(parsed.phone)) return { kind: 'refused', message: `An account with phone ${parsed.phone} is already registered.` };
    const identity = await this.#identities.forNewAccount(request);
    const row = await accounts.insert(
      {
        phone: parsed.phone,
        label: request.label ?? null,
        sessionEnc: request.session ? cipher.encrypt(request.session) : null,
        // Nobody holds a new account yet: its first holder connects it through this proxy.
        ...(request.proxy ? { proxyEnc: cipher.encrypt(formatProxyUrl(request.proxy)), proxyHost: proxyAddress(request.proxy) } : {}),
        device: identity.device,
        apiId: identity.credentials?.apiId ?? null,
        apiHashEnc: identity.credentials ? cipher.encrypt(identity.credentials.apiHash) : null,
      },
      this.#now(),
    );
    this.#identities.registered(parsed.phone);
    logger.info({ accountId: row.id }, 'account added; a worker takes it up at its next lease round');
    return { kind: 'ok', account: this.#account(row) };
  }

  // ---------------------------------------------------------------- logins and imports (panel-login.ts)

  /**
   * The credential and device a login of `phone` must use: the account's own when it is registered, else the ones
   * `addAccount` will give it, held for the login until then. Undefined when no credential is configured or stored.
   */
  identityFor(phone: string): Promise<AccountIdentity | undefined> {
    return this.#identities.forLogin(phone);
  }

  /** The identity a new account would take now (a session checked before it is added keeps it: pass it to addAccount). */
  proposeIdentity(request: IdentityRequest = {}): Promise<AccountIdentity | undefined> {
    return this.#identities.propose(request);
  }

  /** The name of the live worker holding the account registered with `phone`, if one does. */
  async holderOf(phone: string): Promise<string | undefined> {
    const parsed = parsePhone(phone);
    const row = parsed.ok ? await this.#o.accounts.byPhone(parsed.phone) : undefined;
    if (row === undefined) return undefined;
    return (await this.#o.workers.listWithAccounts(this.#now(), this.#o.leaseMs)).find((w) => w.live && w.accountIds.includes(row.id))?.name;
  }

  /**
   * Stores a new session (a login's, sealed) for an account nobody holds, locked against a worker taking it up
   * meanwhile; a dead account is back in rotation with it, and its next holder connects with it. The session of an
   * account a worker holds is not replaced under it: that is refused in plain words (the login's client was the only
   * one on the new session, and is closed).
   */
  async setSession(id: number, session: string): Promise<AccountResult> {
    const { accounts, db, cipher, workers, leaseMs, logger } = this.#o;
    const now = this.#now();
    const here = await db.transaction(async (tx) => {
      const hold = await lockUnheldAccount(tx, id, now);
      if (hold.kind !== 'free') return hold;
      await accounts.setSession(id, cipher.encrypt(session), now, tx);
      if ((await accounts.get(id, tx))?.health === 'dead') await accounts.setHealth(id, 'ok', null, now, tx);
      return { kind: 'stored' as const };
    });
    if (here.kind === 'gone') return notFound(id);
    if (here.kind === 'held') {
      const name = (await workers.listWithAccounts(now, leaseMs)).find((w) => w.id === here.workerId)?.name ?? here.workerId;
      return {
        kind: 'refused',
        message: `Account #${id} is connected by worker ${name}: its session is not replaced while a worker uses it. Remove the account (/removeaccount) and log it in again. Nothing was changed.`,
      };
    }
    logger.info({ accountId: id }, 'account given a new session; its next holder connects with it');
    const changed = await accounts.get(id);
    return changed ? { kind: 'ok', account: this.#account(changed, new Set()) } : notFound(id);
  }

  /**
   * Stores the profile Telegram gave at a login or an import, in the row of an account nobody holds yet; a worker
   * holding it already records its own at its health check.
   */
  async recordHealthCheck(id: number, profile: { telegramUserId: number | null; username: string | null; firstName: string | null }): Promise<void> {
    const { accounts, db } = this.#o;
    const now = this.#now();
    await db.transaction(async (tx) => {
      if ((await lockUnheldAccount(tx, id, now)).kind !== 'free') return;
      await accounts.setProfile(id, { ...profile, lastHealthAt: now }, now, tx);
    });
  }

  /**
   * Removes an account as one process does (AccountAdmin.remove): its runs end, work pinned to it fails, its other
   * work moves on, and its row goes. A live worker holding it does that itself, asked over the bus: it disconnects the
   * account and deletes its row fenced by its lease. An account nobody holds is deleted here, in a transaction that
   * locks it against a worker taking it up meanwhile (lockUnheldAccount).
   */
  async removeAccount(id: number): Promise<AccountResult> {
    const { accounts, operations, queue, db, bus, logger } = this.#o;
    const row = await accounts.get(id);
    if (row === undefined) return notFound(id);
    const account: Account = { ...this.#account(row), state: 'disconnected' };
    const now = this.#now();
    const here = await db.transaction(async (tx) => {
      const hold = await lockUnheldAccount(tx, id, now);
      if (hold.kind !== 'free') return hold;
      return { kind: 'removed' as const, work: await removeAccountIn(tx, { accounts, operations, queue }, id, now) };
    });
    if (here.kind === 'gone') return notFound(id);
    if (here.kind === 'held') {
      const outcome = await this.#change(id, here.workerId, { kind: 'remove' });
      if (outcome.kind === 'refused') return outcome;
      this.#liveAccounts.delete(id);
      return { kind: 'ok', account: { ...outcome.account, state: 'disconnected' } };
    }
    this.#liveAccounts.delete(id);
    for (const failed of here.work.failed) {
      const done = await operations.get(failed.id);
      if (done !== undefined) this.#ops.finished(this.#view(done));
    }
    if (here.work.handedBack.length > 0) bus.publish('queue:wake').catch((error: unknown) => logger.debug({ err: error }, 'could not wake the workers'));
    // Its jobs are for rows that ended or moved on: nobody will work that queue again.
    await queue.forgetAccountQueue(id).catch((error: unknown) => logger.warn({ err: error, accountId: id }, 'could not empty a removed account’s queue'));
    logger.info({ accountId: id, failed: here.work.failed.length, handedBack: here.work.handedBack.length }, 'account removed (no worker held it)');
    return { kind: 'ok', account };
  }

  pauseAccount(id: number): Promise<AccountResult> {
    return this.#command(id, 'pause');
  }

  resumeAccount(id: number): Promise<AccountResult> {
    return this.#command(id, 'resume');
  }

  /** An admin puts an account back in rotation (`ok`); other verdicts are the workers' own (health checks, R10). */
  setAccountHealth(id: number, health: AccountHealth, _reason: string | null): Promise<AccountResult> {
    if (health !== 'ok') return this.#refuseFor(id);
    return this.#command(id, 'reinstate');
  }

  /**
   * An account held by a live worker is changed by that worker, asked over the bus: its answer is the account's next
   * state it tells of. An account nobody holds is changed in its row, which its next holder reads.
   */
  async #command(id: number, command: AccountCommand): Promise<AccountResult> {
    const { accounts, workers, bus, leaseMs } = this.#o;
    const row = await accounts.get(id);
    if (row === undefined) return { kind: 'not_found', message: `There is no account #${id}.` };
    const wanted = command === 'pause' ? row.paused : command === 'resume' ? !row.paused : row.health === 'ok';
    if (wanted) return { kind: 'ok', account: this.#account(row) };
    if (command === 'reinstate' && row.health === 'dead') {
      return { kind: 'refused', message: `Account #${id} is dead: its session no longer works. Log it in again with /addaccount.` };
    }
    const now = this.#now();
    const holder = (await workers.listWithAccounts(now, leaseMs)).find((w) => w.live && w.accountIds.includes(id));
    if (holder === undefined) {
      // Locked as a removal is, so that a worker taking the account up meanwhile reads the change (lockUnheldAccount).
      const hold = await this.#o.db.transaction(async (tx) => {
        const found = await lockUnheldAccount(tx, id, now);
        if (found.kind !== 'free') return found.kind;
        if (command === 'reinstate') await accounts.setHealth(id, 'ok', null, now, tx);
        else await accounts.setPaused(id, command === 'pause', now, tx);
        return found.kind;
      });
      if (hold === 'held') return { kind: 'refused', message: `A worker is taking account #${id} up right now; nothing was changed. Try again in a moment.` };
      const changed = await accounts.get(id);
      return changed ? { kind: 'ok', account: this.#account(changed) } : { kind: 'not_found', message: `There is no account #${id}.` };
    }
    const told = new Promise<Account | undefined>((resolve) => {
      const timer = setTimeout(() => done(undefined), this.#o.commandTimeoutMs ?? 10_000);
      const onState = (account: Account) => {
        if (account.id === id && applied(command, account)) done(account);
      };
      const done = (account: Account | undefined) => {
        clearTimeout(timer);
        this.events.off('account:state', onState);
        resolve(account);
      };
      this.events.on('account:state', onState);
    });
    await bus.publish('account:command', id, command);
    const account = await told;
    if (account === undefined) {
      return { kind: 'refused', message: `Worker ${holder.name}, which holds account #${id}, did not answer in time; nothing is known to have changed. Try again.` };
    }
    // The worker's own view: its row is written behind and may not show the change yet.
    return { kind: 'ok', account };
  }

  /**
   * Sets or clears an account's proxy. A live worker holding the account is sent the proxy sealed (SESSION_SECRET): it
   * stores it, fenced by its lease, and connects the account through it as one process does (Engine.setProxy). The row
   * of an account nobody holds is changed here, locked against a worker taking it up meanwhile: its next holder
   * connects through the new proxy.
   */
  async setProxy(id: number, proxy: ProxySetting | null): Promise<ProxyChangeResult> {
    const { accounts, db, cipher, logger } = this.#o;
    if ((await accounts.get(id)) === undefined) return notFound(id);
    const stored = proxy ? { enc: cipher.encrypt(formatProxyUrl(proxy)), host: proxyAddress(proxy) } : null;
    const now = this.#now();
    const here = await db.transaction(async (tx) => {
      const hold = await lockUnheldAccount(tx, id, now);
      if (hold.kind !== 'free') return hold;
      await accounts.setProxy(id, stored, now, tx);
      return { kind: 'stored' as const };
    });
    if (here.kind === 'gone') return notFound(id);
    if (here.kind === 'held') {
      const outcome = await this.#change(id, here.workerId, { kind: 'proxy', sealed: stored?.enc ?? null });
      if (outcome.kind === 'refused') return outcome;
      if (outcome.kind !== 'proxy') return { kind: 'refused', message: `Account #${id} was not given the proxy. Try again.` };
      return { kind: 'ok', account: outcome.account, reconnect: outcome.reconnect };
    }
    logger.info({ accountId: id, proxy: proxy ? showProxy(proxy) : null }, 'account proxy changed; its next holder connects through it');
    const changed = await accounts.get(id);
    if (changed === undefined) return notFound(id);
    return { kind: 'ok', account: this.#account(changed, new Set()), reconnect: 'not_needed' };
  }

  /**
   * Asks the worker holding an account to change it, and waits for its answer; a worker that does not answer in time
   * is named in a plain refusal, as for pause and resume.
   */
  async #change(id: number, workerId: string, change: AccountChange): Promise<AccountChangeOutcome> {
    const { bus, workers, leaseMs, logger } = this.#o;
    const requestId = randomUUID();
    const answered = new Promise<AccountChangeOutcome | undefined>((resolve) => {
      const timer = setTimeout(() => done(undefined), this.#o.commandTimeoutMs ?? 10_000);
      const done = (outcome: AccountChangeOutcome | undefined) => {
        clearTimeout(timer);
        this.#changes.delete(requestId);
        resolve(outcome);
      };
      this.#changes.set(requestId, done);
    });
    try {
      await bus.publish('account:change', id, change, requestId);
    } catch (error) {
      logger.warn({ err: error, accountId: id, change: change.kind }, 'could not ask the worker holding an account');
      this.#changes.get(requestId)?.({ kind: 'refused', message: `The worker holding account #${id} could not be asked (the database did not take the message); nothing was changed. Try again.` });
    }
    const outcome = await answered;
    if (outcome !== undefined) return outcome;
    const name = (await workers.listWithAccounts(this.#now(), leaseMs)).find((w) => w.id === workerId)?.name ?? workerId;
    return { kind: 'refused', message: `Worker ${name}, which holds account #${id}, did not answer in time; nothing is known to have changed. Try again.` };
  }

  reconnectAccount(_id: number): Promise<Reconnect> {
    return Promise.resolve('not_needed');
  }

  async #refuseFor(id: number): Promise<{ readonly kind: 'not_found' | 'refused'; readonly message: string }> {
    if ((await this.#o.accounts.get(id)) === undefined) return { kind: 'not_found', message: `There is no account #${id}.` };
    return { kind: 'refused', message: ON_A_WORKER };
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
        // Another panel's request, or one that timed out here: nobody waits for it.
        this.#changes.get(requestId)?.(outcome);
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
