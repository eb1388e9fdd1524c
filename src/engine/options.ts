import type { Logger } from 'pino';
import type { DatabaseHandle } from '../db/client.js';
import type { BudgetsRepository } from '../db/repositories/budgets.js';
import type { AccountStore } from './account-store.js';
import type { OperationStore } from './operation-store.js';
import type { StoredOperation } from './operation-store.js';
import type { ScrapeSlots } from './rules/scrape-limit.js';
import type { DeviceProfile } from './clients/device-profile.js';
import type { AppCredentials } from './clients/telegram-client.js';
import { ENGINE_DEFAULTS } from './defaults.js';
import type { BudgetCaps } from './budget.js';
import type { Failure } from './errors.js';
import type { ProxySetting } from './proxy-url.js';
import type { OperationType } from './types.js';

/** Encrypts session strings at rest (db/session-crypto.ts provides one). */
export interface SessionCipher {
  encrypt(plain: string): string;
  decrypt(envelope: string): string;
}

/** What a client factory is given to build an account's client. */
export interface ClientRequest {
  readonly accountId: number;
  readonly phone: string;
  /** The decrypted session string, or null when the account has none yet. */
  readonly session: string | null;
  /** The decrypted proxy setting (it may hold a password), or null to connect directly. */
  readonly proxy: ProxySetting | null;
  /** The account's app credential (hash decrypted), or null when it has none (the factory's own then). */
  readonly credentials: AppCredentials | null;
  /** The account's device profile, or null when it has none (the factory's own then). */
  readonly device: DeviceProfile | null;
}

/**
 * Builds and tears down the Telegram client of an account: GramJS in live mode, the sandbox in tests
 * and in the demo. One client per account per engine.
 */
export interface ClientFactory<C> {
  connect(request: ClientRequest, signal: AbortSignal): Promise<C>;
  disconnect(client: C, accountId: number): Promise<void>;
}

export interface TimeoutOptions {
  /**
   * How long an operation may wait in a busy account's queue, in ms (R3).
   * @default 60000
   */
  queueWaitMs?: number;
  /**
   * How long acquiring an account's lock may take, in ms (R3).
   * @default 30000
   */
  lockMs?: number;
  /**
   * How long a scrape may wait for one of the global scrape slots, in ms. Slot holders end within
   * their run timeout, so this only bounds pathological waits (R8: every wait has a timeout).
   * @default 21600000 (6 h)
   */
  scrapeSlotMs?: number;
  /**
   * Run timeouts per operation type, in ms (R3). A runner definition may set its own.
   * @default { scraping: 300000, monitoring: 3600000, sending: 60000, other: 300000 }
   */
  run?: Partial<Record<OperationType, number>>;
  /**
   * After an abort, how long a runner may take to end before its account is released anyway, in ms.
   * @default 1000
   */
  abortGraceMs?: number;
  /**
   * How long an account stays locked for a runner that ignored its abort past the grace period, in ms.
   * The operation itself has already ended; this only protects the account from two request streams.
   * @default 30000
   */
  zombieMs?: number;
  /**
   * How long cancelling an account's tasks (removal, shutdown) may take in all, in ms (R5).
   * @default 5000
   */
  cleanupMs?: number;
}

export interface RetryOptions {
  /**
   * Attempts in all for transient failures (network, timeouts, RPC 5xx) before the operation fails.
   * @default 3
   */
  maxAttempts?: number;
  /**
   * First retry delay in ms; doubles each time, with jitter.
   * @default 1000
   */
  baseDelayMs?: number;
  /**
   * Upper bound of a retry delay in ms.
   * @default 60000
   */
  maxDelayMs?: number;
  /**
   * How many times an operation may move to another account (flood cooldown, dead or limited account)
   * before it fails.
   * @default 10
   */
  maxMoves?: number;
}

/**
 * Where the engine keeps accounts, operations and budgets. One process: its SQLite database (`db`). A worker of
 * several: write-behind mirrors over PostgreSQL (src/engine/distributed/mirror-stores.ts), whose reads come from memory.
 */
export interface EngineStores {
  readonly operations: OperationStore;
  readonly accounts: AccountStore;
  readonly budgets: BudgetsRepository;
}

export interface EngineOptions<C = unknown> {
  /** The SQLite database the stores live in; unused when `stores` is given. */
  readonly db?: DatabaseHandle;
  /**
   * The stores, instead of the ones over `db`.
   * @default SQLite stores over `db`
   */
  readonly stores?: EngineStores;
  /**
   * The scrape slots (R4), instead of an in-process semaphore of `scrapeConcurrency`: a worker of several shares
   * one fleet-wide limit (src/engine/distributed/fleet-scrape-slots.ts).
   * @default in-process slots
   */
  readonly scrapeSlots?: ScrapeSlots;
  /**
   * Gives unpinned work back to the fleet when no account of this process can take it now — all cooling after a
   * flood, or none healthy — so a worker with a free account takes it (docs/several-processes.md, flood moves across
   * workers). Returns true when it took the operation (its row is queued again, unplaced, with a job): the engine then
   * lets go of it, as at a shutdown; false keeps it here, waiting as in one process.
   * @default none: work waits for this process's accounts
   */
  readonly handBack?: (row: StoredOperation, why: string) => boolean;
  readonly logger: Logger;
  /**
   * Encrypts session strings at rest. Required to add accounts with sessions.
   * @default undefined (sessions cannot be stored)
   */
  readonly cipher?: SessionCipher;
  /**
   * App credentials (my.telegram.org) new accounts take in turn, each keeping its own for good; a request's
   * own credential (an imported sidecar) wins. Accounts stored without one get theirs at start.
   * @default [] (accounts keep what their request brings; the client factory's own credential otherwise)
   */
  readonly credentials?: readonly AppCredentials[];
  /**
   * Builds account clients.
   * @default undefined (runners receive `client: undefined`; for synthetic runners and tests)
   */
  readonly clients?: ClientFactory<C>;
  /**
   * Global scrape limit (R4).
   * @default 5
   */
  readonly scrapeConcurrency?: number;
  readonly timeouts?: TimeoutOptions;
  readonly retry?: RetryOptions;
  /**
   * FLOOD_WAIT at or below this many seconds is slept through on the same account; above it the account
   * cools down and the operation moves (R7).
   * @default 60
   */
  readonly floodSleepThresholdS?: number;
  /**
   * Per-account caps of budgeted calls (README: Budgets): joins and messages per UTC day, username
   * look-ups per UTC hour; halved for 24 h after a PEER_FLOOD or a long flood wait on the action.
   * @default { join: 20, send: 50, resolve: 100 }
   */
  readonly budgets?: Partial<BudgetCaps>;
  /**
   * Classifies runner errors before the built-in classifier (e.g. the Telegram error table). Return
   * undefined to fall through.
   * @default undefined
   */
  readonly classify?: (error: unknown) => Failure | undefined;
  /**
   * Clock in epoch ms.
   * @default Date.now
   */
  readonly now?: () => number;
  /**
   * Random source for tie-breaks and jitter, in [0, 1).
   * @default Math.random
   */
  readonly random?: () => number;
}

export interface ResolvedOptions {
  scrapeConcurrency: number;
  queueWaitMs: number;
  lockMs: number;
  scrapeSlotMs: number;
  run: Record<OperationType, number>;
  abortGraceMs: number;
  zombieMs: number;
  cleanupMs: number;
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  maxMoves: number;
  floodSleepThresholdS: number;
  budgets: BudgetCaps;
}

export function resolveOptions(options: EngineOptions<unknown>): ResolvedOptions {
  const t = options.timeouts ?? {};
  const r = options.retry ?? {};
  return {
    scrapeConcurrency: options.scrapeConcurrency ?? ENGINE_DEFAULTS.scrapeConcurrency,
    queueWaitMs: t.queueWaitMs ?? ENGINE_DEFAULTS.queueWaitMs,
    lockMs: t.lockMs ?? ENGINE_DEFAULTS.lockMs,
    scrapeSlotMs: t.scrapeSlotMs ?? 6 * 3_600_000,
    run: { ...ENGINE_DEFAULTS.run, ...t.run },
    abortGraceMs: t.abortGraceMs ?? 1000,
    zombieMs: t.zombieMs ?? 30_000,
    cleanupMs: t.cleanupMs ?? 5000,
    maxAttempts: r.maxAttempts ?? 3,
    baseDelayMs: r.baseDelayMs ?? 1000,
    maxDelayMs: r.maxDelayMs ?? 60_000,
    maxMoves: r.maxMoves ?? 10,
    floodSleepThresholdS: options.floodSleepThresholdS ?? ENGINE_DEFAULTS.floodSleepThresholdS,
    budgets: { ...ENGINE_DEFAULTS.budgets, ...options.budgets },
  };
}
