import type { AccountRow } from '../db/schema.js';
import type { EngineCore } from './core.js';
import { OperationAbortedError } from './errors.js';
import { Lane } from './lane.js';
import type { LiveOp } from './live-operation.js';
import type { ClientFactory, SessionCipher } from './options.js';
import { parseProxyUrl, proxyAddress, type ProxySetting } from './proxy-url.js';
import { AccountHealthKeeper } from './rules/account-health.js';
import { backoffDelay, CONNECT_BACKOFF } from './rules/retries.js';
import type { Account, AccountState } from './types.js';

const ACTIVITY: ReadonlySet<AccountState> = new Set(['idle', 'busy', 'monitoring']);

/** What reconnecting an account came to (see `Engine.reconnectAccount`). */
export type Reconnect = 'done' | 'busy' | 'monitoring' | 'not_needed';

/**
 * The accounts at run time: one lane each (lane.ts), their connections (connect, reconnect after a
 * failure, disconnect), cooldowns, health (rules/account-health.ts) and the state they publish.
 */
export class AccountPool<C> {
  readonly lanes = new Map<number, Lane<C, LiveOp>>();
  readonly health: AccountHealthKeeper<C>;
  readonly #core: EngineCore;
  readonly #cipher: SessionCipher | undefined;
  readonly #clients: ClientFactory<C> | undefined;
  /** Each account's pending reconnect after a failed connect, so a proxy change or check can bring it forward. */
  readonly #reconnects = new Map<number, AbortController>();
  /** Each account's connect in flight. */
  readonly #connecting = new Map<number, Promise<void>>();

  constructor(core: EngineCore, cipher: SessionCipher | undefined, clients: ClientFactory<C> | undefined) {
    this.#core = core;
    this.#cipher = cipher;
    this.#clients = clients;
    this.health = new AccountHealthKeeper<C>({
      accounts: core.accounts,
      tasks: core.tasks,
      log: core.log,
      now: core.now,
      evacuate: (lane, kind, message, keep) => this.evacuate(lane, kind, message, keep),
      publish: (lane) => this.publish(lane),
    });
  }

  /** The account's lane, unless it is unknown or being removed. */
  get(id: number): Lane<C, LiveOp> | undefined {
    const lane = this.lanes.get(id);
    return lane && !lane.removed ? lane : undefined;
  }

  add(row: AccountRow): Lane<C, LiveOp> {
    const lane = new Lane<C, LiveOp>(row, this.#core.opts.lockMs);
    const proxy = this.proxyOf(row);
    lane.proxy = proxy ? { scheme: proxy.scheme, address: proxyAddress(proxy) } : null;
    lane.queue.pause();
    this.lanes.set(lane.id, lane);
    const now = this.#core.now();
    if (lane.isCooling(now)) this.#armCooldownEnd(lane, (lane.cooldownUntil ?? now) - now);
    this.health.armRelease(lane);
    return lane;
  }

  /** Forgets a removed account's lane and timers. */
  delete(id: number): void {
    this.lanes.delete(id);
    this.health.forget(id);
  }

  /** R7: the account cools down until the flood wait ends (persisted); waiting unpinned work moves elsewhere. */
  cool(lane: Lane<C, LiveOp>, seconds: number, op: LiveOp | null, method: string | null): void {
    const { accounts, ops, log, now: clock } = this.#core;
    const now = clock();
    const until = now + seconds * 1000;
    lane.cooldownUntil = Math.max(lane.cooldownUntil ?? 0, until);
    lane.floodWaits += 1;
    accounts.setCooldown(lane.id, lane.cooldownUntil, now);
    ops.recordFlood(op?.row.kind ?? 'account', lane.id, op?.row.id ?? null, method, seconds, 'cooled', now);
    log.warn({ accountId: lane.id, seconds }, 'account cooling down after a flood wait');
    this.#armCooldownEnd(lane, lane.cooldownUntil - now);
    lane.syncQueue(now);
    this.evacuate(lane, 'moved', `Account #${lane.id} is cooling down.`);
    this.publish(lane);
  }

  #armCooldownEnd(lane: Lane<C, LiveOp>, ms: number): void {
    this.#core.tasks.timer(lane.id, `cooldown of account #${lane.id}`, ms, () => {
      lane.syncQueue(this.#core.now());
      this.publish(lane);
    });
  }

  /**
   * Aborts the waits of the lane's queued operations. `moved`: they are placed again (pinned ones wait
   * for the account); `removed`: unpinned ones move, pinned ones fail.
   */
  evacuate(lane: Lane<C, LiveOp>, kind: 'moved' | 'removed', message: string, keepLimitedWork = false): void {
    for (const op of [...lane.waiting]) {
      if (kind === 'moved' && op.row.pinnedAccountId === lane.id) continue;
      if (keepLimitedWork && op.def.allowOnLimited) continue;
      op.wait?.abort(new OperationAbortedError(kind, message, op.row.id));
    }
  }

  /** Publishes the account's derived state when it changed: persisted, then emitted. */
  publish(lane: Lane<C, LiveOp>): void {
    if (lane.removed) return;
    const now = this.#core.now();
    const state = lane.deriveState(now);
    if (state === lane.state) return;
    const previous = lane.state;
    lane.state = state;
    // Flips between idle, busy and monitoring happen on every operation and are derived again at start:
    // only the states that mean something after a restart are written.
    if (!ACTIVITY.has(previous) || !ACTIVITY.has(state)) this.#core.accounts.setState(lane.id, state, now);
    if (this.#core.bus.listening('account:state')) this.#core.bus.emit('account:state', this.view(lane), previous);
  }

  /** Connects an account; a reconnect waits for the connect in flight (`#connecting`), so one client is made at a time. */
  connect(lane: Lane<C, LiveOp>, attempt = 1): Promise<void> {
    const connecting = this.#connectOnce(lane, attempt).finally(() => {
      if (this.#connecting.get(lane.id) === connecting) this.#connecting.delete(lane.id);
    });
    this.#connecting.set(lane.id, connecting);
    return connecting;
  }

  async #connectOnce(lane: Lane<C, LiveOp>, attempt: number): Promise<void> {
    const { accounts, tasks, log, now, lifecycle } = this.#core;
    if (lane.removed || lifecycle.stopping || lane.health === 'dead') {
      this.publish(lane);
      return;
    }
    if (!this.#clients) {
      lane.connection = 'connected';
      lane.syncQueue(now());
      this.publish(lane);
      return;
    }
    lane.connection = 'connecting';
    this.publish(lane);
    const row = accounts.get(lane.id);
    let session: string | null = null;
    try {
      session = row?.sessionEnc ? this.requireCipher().decrypt(row.sessionEnc) : null;
      // Every connection, the first and each reconnect, presents the account's own credential and device,
      // and the proxy as stored now, so a changed proxy is the one the next connection uses.
      const credentials = row?.apiId != null && row.apiHashEnc ? { apiId: row.apiId, apiHash: this.requireCipher().decrypt(row.apiHashEnc) } : null;
      const proxy = row ? this.proxyOf(row) : null;
      const request = { accountId: lane.id, phone: lane.phone, session, proxy, credentials, device: lane.device };
      const client = await tasks.run(lane.id, `connect account #${lane.id}`, 'other', (signal) => this.#clients!.connect(request, signal));
      if (lane.removed || lifecycle.stopping) {
        await this.#clients.disconnect(client, lane.id).catch(() => undefined);
        return;
      }
      lane.client = client;
      lane.connection = 'connected';
      lane.lastError = null;
      accounts.setLastError(lane.id, null, now());
      log.info({ accountId: lane.id }, 'account connected');
    } catch (error) {
      if (error instanceof OperationAbortedError) return;
      const failure = this.#core.classify(error);
      lane.connection = 'disconnected';
      lane.lastError = failure.message;
      accounts.setLastError(lane.id, failure.message, now());
      if (failure.kind === 'dead') {
        this.health.mark(lane, 'dead', failure.message);
      } else {
        // A proxy that does not answer leaves the account disconnected, not dead: it is tried again (and at
        // once when its proxy changes or is checked).
        const delay = backoffDelay(attempt, CONNECT_BACKOFF, this.#core.random);
        log.warn(
          { accountId: lane.id, error: failure.message, retryInMs: delay, ...(failure.kind === 'proxy_down' && lane.proxy ? { proxy: lane.proxy.address } : {}) },
          'account could not connect',
        );
        this.#reconnects.get(lane.id)?.abort();
        this.#reconnects.set(
          lane.id,
          tasks.timer(lane.id, `reconnect account #${lane.id}`, delay, () => {
            this.#reconnects.delete(lane.id);
            void this.connect(lane, attempt + 1);
          }),
        );
      }
    }
    lane.syncQueue(now());
    this.publish(lane);
  }

  async disconnect(lane: Lane<C, LiveOp>): Promise<void> {
    const client = lane.client;
    lane.client = undefined;
    lane.connection = 'disconnected';
    if (client !== undefined && this.#clients) {
      await this.#clients.disconnect(client, lane.id).catch((error: unknown) => {
        this.#core.log.warn({ err: error, accountId: lane.id }, 'disconnect failed');
      });
    }
  }

  /**
   * Connects an account again now, through its current proxy, once its running operation has released
   * its lock. A connected account with monitors keeps its connection: their watches hold its client and
   * would go deaf on a new one.
   */
  async reconnect(id: number): Promise<Reconnect> {
    const lane = this.get(id);
    const { started, stopping } = this.#core.lifecycle;
    if (!lane || !started || stopping || lane.health === 'dead') return 'not_needed';
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
      await this.disconnect(lane);
      await this.connect(lane);
    } finally {
      release();
    }
    return 'done';
  }

  /** The account's proxy, decrypted; null without one, or (logged) when its envelope cannot be opened. */
  proxyOf(row: AccountRow): ProxySetting | null {
    if (!row.proxyEnc) return null;
    try {
      const parsed = parseProxyUrl(this.requireCipher().decrypt(row.proxyEnc));
      if (parsed.ok) return parsed.proxy;
      this.#core.log.warn({ accountId: row.id, reason: parsed.reason }, 'the stored proxy is not readable');
    } catch (error) {
      this.#core.log.warn({ accountId: row.id, err: error }, 'the stored proxy cannot be decrypted');
    }
    return null;
  }

  requireCipher(): SessionCipher {
    if (!this.#cipher) throw new Error('no session cipher configured: SESSION_SECRET is needed to store sessions');
    return this.#cipher;
  }

  /** The public view of an account. */
  view(lane: Lane<C, LiveOp>): Account {
    return {
      id: lane.id,
      phone: lane.phone,
      label: lane.label,
      state: lane.state,
      paused: lane.paused,
      cooldownUntil: lane.isCooling(this.#core.now()) ? lane.cooldownUntil : null,
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
      budgets: this.#core.budgets.view(lane.id, this.#core.now()),
    };
  }
}
