import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { AccountsRepository } from '../../db/repositories/accounts.js';
import type { OperationsRepository } from '../../db/repositories/operations.js';
import type { WorkerRepository } from '../../db/repositories/workers.js';
import type { SessionCipher } from '../../db/session-crypto.js';
import type { SqlDatabase } from '../../db/sql/sql-port.js';
import type { AppCredentials } from '../clients/telegram-client.js';
import { lockUnheldAccount } from '../../db/repositories/account-holds.js';
import type { AccountRow } from '../../db/schema.js';
import type { AccountResult, AddAccountRequest, ProxyChangeResult } from '../account-admin.js';
import type { AccountIdentity, IdentityRequest } from '../account-identity.js';
import type { AccountHealth } from '../account-store.js';
import type { StoredOperation } from '../operation-store.js';
import { parsePhone } from '../phone.js';
import { formatProxyUrl, proxyAddress, showProxy, type ProxySetting } from '../proxy-url.js';
import type { Account, EngineEvents } from '../types.js';
import { removeAccountIn } from './account-removal.js';
import type { AccountChange, AccountChangeOutcome, AccountCommand, FleetEvents } from './fleet-events.js';
import type { EventBus } from './event-bus.js';
import type { OperationQueue } from './operation-queue.js';
import { PanelIdentities } from './panel-identities.js';

/** What a panel refuses, in plain words: the worker holding the account would have to do it. */
export const ON_A_WORKER =
  'On a panel shared with workers (DATABASE_URL), this change to an account is not available yet (pause, resume, reinstate, removing it and changing its proxy are): run Switchboard in one process for it (docs/deploy.md). Nothing was changed.';

const notFound = (id: number) => ({ kind: 'not_found', message: `There is no account #${id}.` }) as const;

/** Whether a worker's view of an account shows the command done. */
function applied(command: AccountCommand, account: Account): boolean {
  if (command === 'pause') return account.paused;
  if (command === 'resume') return !account.paused;
  return account.state !== 'limited' && account.state !== 'dead';
}

export interface FleetAccountAdminOptions {
  readonly accounts: AccountsRepository;
  readonly operations: OperationsRepository;
  readonly workers: WorkerRepository;
  /** The shared database: an account nobody holds is changed in a transaction of its own. */
  readonly db: SqlDatabase;
  /** Where the work of a removed account nobody held goes on (op-unassigned), and its own queue is dropped. */
  readonly queue: Pick<OperationQueue, 'enqueue' | 'forgetAccountQueue'>;
  readonly bus: EventBus<FleetEvents>;
  /** Seals sessions, app credentials and proxies (SESSION_SECRET). */
  readonly cipher: SessionCipher;
  /** The app credentials new accounts are given, one each while they last (README, Accounts). */
  readonly credentials: readonly AppCredentials[];
  /** LEASE_SECONDS in ms: a worker silent for longer holds nothing. */
  readonly leaseMs: number;
  readonly logger: Logger;
  /**
   * How long an account change waits for the worker holding the account to tell of it, in ms.
   * @default 10000
   */
  readonly commandTimeoutMs?: number;
  readonly now: () => number;
  readonly random: () => number;
  /** The panel engine's events: the account states workers tell of answer pause, resume and reinstate. */
  readonly events: EventEmitter<EngineEvents>;
  /** The panel's view of an account row (with `held`: shown not connected when no live worker holds it). */
  readonly view: (row: AccountRow, held?: ReadonlySet<number>) => Account;
  /** Drops what workers last told of an account that is gone. */
  readonly forget: (accountId: number) => void;
  /** An operation that ended here (work pinned to a removed account): the panel tells of its finish. */
  readonly finished: (row: StoredOperation) => void;
}

/**
 * The accounts as a panel of a fleet changes them (docs/several-processes.md, "Account changes"): an account a live
 * worker holds is changed by that worker, asked over the bus; one nobody holds is changed in its row, in a transaction
 * that locks it against a worker taking it up meanwhile (lockUnheldAccount). Adding accounts and the logins' identities
 * are here too.
 */
export class FleetAccountAdmin {
  readonly #o: FleetAccountAdminOptions;
  /** Who waits for a holder's answer to an account change, by request id. */
  readonly #changes = new Map<string, (outcome: AccountChangeOutcome) => void>();
  readonly #identities: PanelIdentities;

  constructor(options: FleetAccountAdminOptions) {
    this.#o = options;
    this.#identities = new PanelIdentities({ accounts: options.accounts, credentials: options.credentials, cipher: options.cipher, random: options.random });
  }

  /** A holder's answer to `account:change` (another panel's, or one that timed out here, is nobody's). */
  answered(requestId: string, outcome: AccountChangeOutcome): void {
    this.#changes.get(requestId)?.(outcome);
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
      this.#o.now(),
    );
    this.#identities.registered(parsed.phone);
    logger.info({ accountId: row.id }, 'account added; a worker takes it up at its next lease round');
    return { kind: 'ok', account: this.#o.view(row) };
  }

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
    return (await this.#holder(row.id))?.name;
  }

  /**
   * Stores a new session (a login's, sealed) for an account nobody holds, locked against a worker taking it up
   * meanwhile; a dead account is back in rotation with it, and its next holder connects with it. The session of an
   * account a worker holds is not replaced under it: that is refused in plain words (the login's client was the only
   * one on the new session, and is closed).
   */
  async setSession(id: number, session: string): Promise<AccountResult> {
    const { accounts, db, cipher, logger } = this.#o;
    const now = this.#o.now();
    const here = await db.transaction(async (tx) => {
      const hold = await lockUnheldAccount(tx, id, now);
      if (hold.kind !== 'free') return hold;
      await accounts.setSession(id, cipher.encrypt(session), now, tx);
      if ((await accounts.get(id, tx))?.health === 'dead') await accounts.setHealth(id, 'ok', null, now, tx);
      return { kind: 'stored' as const };
    });
    if (here.kind === 'gone') return notFound(id);
    if (here.kind === 'held') {
      const name = await this.#workerName(here.workerId);
      return {
        kind: 'refused',
        message: `Account #${id} is connected by worker ${name}: its session is not replaced while a worker uses it. Remove the account (/removeaccount) and log it in again. Nothing was changed.`,
      };
    }
    logger.info({ accountId: id }, 'account given a new session; its next holder connects with it');
    const changed = await accounts.get(id);
    return changed ? { kind: 'ok', account: this.#o.view(changed, new Set()) } : notFound(id);
  }

  /**
   * Stores the profile Telegram gave at a login or an import, in the row of an account nobody holds yet; a worker
   * holding it already records its own at its health check.
   */
  async recordHealthCheck(id: number, profile: { telegramUserId: number | null; username: string | null; firstName: string | null }): Promise<void> {
    const { accounts, db } = this.#o;
    const now = this.#o.now();
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
    const account: Account = { ...this.#o.view(row), state: 'disconnected' };
    const now = this.#o.now();
    const here = await db.transaction(async (tx) => {
      const hold = await lockUnheldAccount(tx, id, now);
      if (hold.kind !== 'free') return hold;
      return { kind: 'removed' as const, work: await removeAccountIn(tx, { accounts, operations, queue }, id, now) };
    });
    if (here.kind === 'gone') return notFound(id);
    if (here.kind === 'held') {
      const outcome = await this.#change(id, here.workerId, { kind: 'remove' });
      if (outcome.kind === 'refused') return outcome;
      this.#o.forget(id);
      return { kind: 'ok', account: { ...outcome.account, state: 'disconnected' } };
    }
    this.#o.forget(id);
    for (const failed of here.work.failed) {
      const done = await operations.get(failed.id);
      if (done !== undefined) this.#o.finished(done);
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
    const { accounts, bus } = this.#o;
    const row = await accounts.get(id);
    if (row === undefined) return notFound(id);
    const wanted = command === 'pause' ? row.paused : command === 'resume' ? !row.paused : row.health === 'ok';
    if (wanted) return { kind: 'ok', account: this.#o.view(row) };
    if (command === 'reinstate' && row.health === 'dead') {
      return { kind: 'refused', message: `Account #${id} is dead: its session no longer works. Log it in again with /addaccount.` };
    }
    const now = this.#o.now();
    const holder = await this.#holder(id);
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
      return changed ? { kind: 'ok', account: this.#o.view(changed) } : notFound(id);
    }
    const told = this.#answer<Account>((done) => {
      const onState = (account: Account) => {
        if (account.id === id && applied(command, account)) done(account);
      };
      this.#o.events.on('account:state', onState);
      return () => this.#o.events.off('account:state', onState);
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
    const now = this.#o.now();
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
    return { kind: 'ok', account: this.#o.view(changed, new Set()), reconnect: 'not_needed' };
  }

  /**
   * Asks the worker holding an account to change it, and waits for its answer; a worker that does not answer in time
   * is named in a plain refusal, as for pause and resume.
   */
  async #change(id: number, workerId: string, change: AccountChange): Promise<AccountChangeOutcome> {
    const { bus, logger } = this.#o;
    const requestId = randomUUID();
    const answered = this.#answer<AccountChangeOutcome>((done) => {
      this.#changes.set(requestId, done);
      return () => this.#changes.delete(requestId);
    });
    try {
      await bus.publish('account:change', id, change, requestId);
    } catch (error) {
      logger.warn({ err: error, accountId: id, change: change.kind }, 'could not ask the worker holding an account');
      this.#changes.get(requestId)?.({ kind: 'refused', message: `The worker holding account #${id} could not be asked (the database did not take the message); nothing was changed. Try again.` });
    }
    const outcome = await answered;
    if (outcome !== undefined) return outcome;
    const name = await this.#workerName(workerId);
    return { kind: 'refused', message: `Worker ${name}, which holds account #${id}, did not answer in time; nothing is known to have changed. Try again.` };
  }

  async #refuseFor(id: number): Promise<{ readonly kind: 'not_found' | 'refused'; readonly message: string }> {
    if ((await this.#o.accounts.get(id)) === undefined) return notFound(id);
    return { kind: 'refused', message: ON_A_WORKER };
  }

  /** The live worker holding the account, if one does. */
  async #holder(id: number): Promise<{ readonly id: string; readonly name: string } | undefined> {
    return (await this.#o.workers.listWithAccounts(this.#o.now(), this.#o.leaseMs)).find((w) => w.live && w.accountIds.includes(id));
  }

  async #workerName(workerId: string): Promise<string> {
    return (await this.#o.workers.listWithAccounts(this.#o.now(), this.#o.leaseMs)).find((w) => w.id === workerId)?.name ?? workerId;
  }

  /**
   * Waits for a worker's answer, at most `commandTimeoutMs`: `listen` starts listening with the function that answers,
   * and returns how to stop. Undefined when no answer came in time.
   */
  #answer<T>(listen: (done: (answer: T) => void) => () => void): Promise<T | undefined> {
    return new Promise<T | undefined>((resolve) => {
      const done = (answer: T | undefined) => {
        clearTimeout(timer);
        stop();
        resolve(answer);
      };
      const timer = setTimeout(() => done(undefined), this.#o.commandTimeoutMs ?? 10_000);
      const stop = listen(done);
    });
  }
}
