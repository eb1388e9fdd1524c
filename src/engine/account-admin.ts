import { OperationAbortedError } from './errors.js';
import type { AccountPool, Reconnect } from './account-pool.js';
import type { AccountHealth } from './account-store.js';
import type { DeviceProfile } from './clients/device-profile.js';
import type { AppCredentials } from './clients/telegram-client.js';
import type { EngineCore } from './core.js';
import type { IdentityRegistry } from './identity-registry.js';
import type { SessionCipher } from './options.js';
import { parsePhone } from './phone.js';
import { formatProxyUrl, proxyAddress, showProxy, type ProxySetting } from './proxy-url.js';
import { verdictLimits } from './rules/account-health.js';
import { spamReason } from './spam-reason.js';
import type { Account, AccountCheck } from './types.js';

export type AccountResult =
  | { readonly kind: 'ok'; readonly account: Account }
  | { readonly kind: 'not_found'; readonly message: string }
  | { readonly kind: 'refused'; readonly message: string };

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

const notFound = (id: number) => ({ kind: 'not_found', message: `There is no account #${id}.` }) as const;

/** What admins and health checks change on accounts; documented on the Engine methods that call these. */
export class AccountAdmin<C> {
  readonly #core: EngineCore;
  readonly #pool: AccountPool<C>;
  readonly #cipher: SessionCipher | undefined;
  readonly #identities: IdentityRegistry;

  constructor(core: EngineCore, pool: AccountPool<C>, cipher: SessionCipher | undefined, identities: IdentityRegistry) {
    this.#core = core;
    this.#pool = pool;
    this.#cipher = cipher;
    this.#identities = identities;
  }

  async add(request: AddAccountRequest): Promise<AccountResult> {
    const { accounts, lifecycle, log, now } = this.#core;
    const parsed = parsePhone(request.phone);
    if (!parsed.ok) return { kind: 'refused', message: parsed.message };
    const normalized = parsed.phone;
    if (accounts.byPhone(normalized)) return { kind: 'refused', message: `An account with phone ${normalized} is already registered.` };
    if (lifecycle.stopping) return { kind: 'refused', message: 'The panel is shutting down; try again in a moment.' };
    let sessionEnc: string | null = null;
    if (request.session) {
      if (!this.#cipher) return { kind: 'refused', message: 'Sessions cannot be stored: SESSION_SECRET is not configured.' };
      sessionEnc = this.#cipher.encrypt(request.session);
    }
    if (request.proxy && !this.#cipher) return { kind: 'refused', message: 'Proxies cannot be stored: SESSION_SECRET is not configured.' };
    const proxy = request.proxy ? { proxyEnc: this.#pool.requireCipher().encrypt(formatProxyUrl(request.proxy)), proxyHost: proxyAddress(request.proxy) } : {};
    const { device, credentials } = this.#identities.forNewAccount(request);
    if (credentials && !this.#cipher) return { kind: 'refused', message: 'App credentials cannot be stored: SESSION_SECRET is not configured.' };
    const row = accounts.insert(
      {
        phone: normalized,
        label: request.label ?? null,
        sessionEnc,
        ...proxy,
        device,
        apiId: credentials?.apiId ?? null,
        apiHashEnc: credentials && this.#cipher ? this.#cipher.encrypt(credentials.apiHash) : null,
      },
      now(),
    );
    this.#identities.registered(normalized);
    const lane = this.#pool.add(row);
    log.info({ accountId: lane.id }, 'account added');
    if (lifecycle.started) await this.#pool.connect(lane);
    return { kind: 'ok', account: this.#pool.view(lane) };
  }

  async setProxy(id: number, proxy: ProxySetting | null): Promise<ProxyChangeResult> {
    const lane = this.#pool.get(id);
    if (!lane) return notFound(id);
    if (proxy && !this.#cipher) return { kind: 'refused', message: 'Proxies cannot be stored: SESSION_SECRET is not configured.' };
    const { accounts, lifecycle, log, now } = this.#core;
    const stored = proxy ? { enc: this.#pool.requireCipher().encrypt(formatProxyUrl(proxy)), host: proxyAddress(proxy) } : null;
    accounts.setProxy(id, stored, now());
    lane.proxy = proxy ? { scheme: proxy.scheme, address: proxyAddress(proxy) } : null;
    log.info({ accountId: id, proxy: proxy ? showProxy(proxy) : null }, 'account proxy changed');
    if (!lifecycle.started || lifecycle.stopping || lane.health === 'dead') {
      this.#pool.publish(lane);
      return { kind: 'ok', account: this.#pool.view(lane), reconnect: 'not_needed' };
    }
    const reconnect = await this.#pool.reconnect(id);
    return { kind: 'ok', account: this.#pool.view(lane), reconnect };
  }

  async setSession(id: number, session: string): Promise<AccountResult> {
    const lane = this.#pool.get(id);
    if (!lane) return notFound(id);
    this.#core.accounts.setSession(id, this.#pool.requireCipher().encrypt(session), this.#core.now());
    await this.#pool.disconnect(lane);
    if (lane.health === 'dead') this.#pool.health.mark(lane, 'ok', null);
    if (this.#core.lifecycle.started) await this.#pool.connect(lane);
    return { kind: 'ok', account: this.#pool.view(lane) };
  }

  async remove(id: number): Promise<AccountResult> {
    const lane = this.#pool.get(id);
    if (!lane) return notFound(id);
    const { tasks, opts, log, ops, accounts, budgets, now } = this.#core;
    const account = this.#pool.view(lane);
    lane.removed = true;
    lane.syncQueue(now());
    this.#pool.evacuate(lane, 'removed', `Account #${id} was removed.`);
    const report = await tasks.cancelScope(id, 'removed', `Account #${id} was removed.`, opts.cleanupMs);
    if (report.stragglers.length > 0) log.warn({ accountId: id, stragglers: report.stragglers.map((t) => t.name) }, 'tasks outlived the cleanup budget');
    await this.#pool.disconnect(lane);
    this.#pool.delete(id);
    budgets.forget(id);
    // Deferred writes that name this account land before the row goes (its foreign keys then clear).
    ops.flush();
    accounts.delete(id);
    log.info({ accountId: id, cancelled: report.cancelled }, 'account removed');
    return { kind: 'ok', account: { ...account, state: 'disconnected' } };
  }

  /**
   * Lets another process have the account (several processes, docs/several-processes.md): nothing new is placed
   * on it, its runs and the waits of work bound to it end as at a shutdown (their rows stay queued, R9, for its
   * next holder), and it is disconnected and forgotten here. Its row stays. False when it is not held here.
   */
  async release(id: number, message: string): Promise<boolean> {
    const lane = this.#pool.get(id);
    if (!lane) return false;
    const { tasks, opts, log, live, budgets, now } = this.#core;
    lane.removed = true;
    lane.syncQueue(now());
    for (const op of live.values()) {
      const bound = op.laneId ?? op.row.assignedAccountId ?? op.row.pinnedAccountId;
      if (bound === id) op.wait?.abort(new OperationAbortedError('shutdown', message, op.row.id));
    }
    const report = await tasks.cancelScope(id, 'shutdown', message, opts.cleanupMs);
    if (report.stragglers.length > 0) log.warn({ accountId: id, stragglers: report.stragglers.map((t) => t.name) }, 'tasks outlived the cleanup budget');
    await this.#pool.disconnect(lane);
    this.#pool.delete(id);
    budgets.forget(id);
    log.info({ accountId: id, cancelled: report.cancelled }, 'account released');
    return true;
  }

  setPaused(id: number, paused: boolean): AccountResult {
    const lane = this.#pool.get(id);
    if (!lane) return notFound(id);
    if (lane.paused !== paused) {
      const { accounts, now } = this.#core;
      lane.paused = paused;
      accounts.setPaused(id, paused, now());
      lane.syncQueue(now());
      if (paused) this.#pool.evacuate(lane, 'moved', `Account #${id} was paused.`);
      this.#pool.publish(lane);
    }
    return { kind: 'ok', account: this.#pool.view(lane) };
  }

  setHealth(id: number, health: AccountHealth, reason: string | null): AccountResult {
    const lane = this.#pool.get(id);
    if (!lane) return notFound(id);
    this.#pool.health.mark(lane, health, reason);
    if (health === 'ok' && lane.connection === 'disconnected' && this.#core.lifecycle.started) void this.#pool.connect(lane);
    return { kind: 'ok', account: this.#pool.view(lane) };
  }

  recordHealthCheck(id: number, profile: { telegramUserId: number | null; username: string | null; firstName: string | null }): void {
    const lane = this.#pool.lanes.get(id);
    if (!lane) return;
    Object.assign(lane, profile);
    const now = this.#core.now();
    this.#core.accounts.setProfile(id, { ...profile, lastHealthAt: now }, now);
  }

  recordCheck(id: number, verdict: { kind: 'free' } | { kind: 'limited'; until: number | null }, nextCheckAt: number | null): AccountResult {
    const lane = this.#pool.get(id);
    if (!lane) return notFound(id);
    const { accounts, bus, lifecycle } = this.#core;
    const now = this.#core.now();
    const previous = lane.check;
    const check: AccountCheck = { verdict: verdict.kind, until: verdict.kind === 'limited' ? verdict.until : null, checkedAt: now };
    lane.check = check;
    lane.nextCheckAt = nextCheckAt;
    accounts.setCheck(id, check, nextCheckAt, now);
    if (lane.health !== 'dead') {
      if (verdictLimits(verdict, now)) {
        this.#pool.health.mark(lane, 'limited', spamReason(check.until));
        this.#pool.health.armRelease(lane);
      } else if (lane.health === 'limited') {
        this.#pool.health.mark(lane, 'ok', null);
        if (lane.connection === 'disconnected' && lifecycle.started) void this.#pool.connect(lane);
      }
    }
    if (bus.listening('account:check')) bus.emit('account:check', this.#pool.view(lane), previous);
    return { kind: 'ok', account: this.#pool.view(lane) };
  }

  setNextCheck(id: number, at: number | null): void {
    const lane = this.#pool.get(id);
    if (!lane) return;
    lane.nextCheckAt = at;
    this.#core.accounts.setNextCheck(id, at, this.#core.now());
  }
}
