import type { MutexInterface } from 'async-mutex';
import PQueue from 'p-queue';
import type { AccountRow } from '../db/schema.js';
import type { AccountHealth } from './account-store.js';
import { storedDeviceProfile, type DeviceProfile } from './clients/device-profile.js';
import { createAccountLock } from './rules/lock-order.js';
import type { AccountCheck, AccountProxy, AccountState } from './types.js';

export type Connection = 'connecting' | 'connected' | 'disconnected';

/** The smallest view of an operation a lane needs. */
export interface LaneOccupant {
  readonly id: number;
}

/**
 * The runtime of one account: its lock (R1 exclusivity), its priority queue of waiting operations,
 * and the facts its state is derived from.
 */
export class Lane<C, O = LaneOccupant> {
  readonly id: number;
  phone: string;
  label: string | null;
  paused: boolean;
  health: AccountHealth;
  stateReason: string | null;
  lastError: string | null;
  cooldownUntil: number | null;
  telegramUserId: number | null;
  username: string | null;
  firstName: string | null;
  opsTotal: number;
  opsFailed: number;
  floodWaits: number;
  /** The app credential's api id and the device profile the account presents (assigned once). */
  apiId: number | null;
  device: DeviceProfile | null;
  /** The last check's verdict (README.md, "Account checks"), and when the next one is due. */
  check: AccountCheck | null;
  nextCheckAt: number | null;
  connection: Connection = 'disconnected';
  /** The account's proxy, for show (never its password); the engine sets it from the stored one. */
  proxy: AccountProxy | null = null;
  client: C | undefined = undefined;
  /** Set once the account is being removed: nothing new is placed here. */
  removed = false;
  /** The account's lock (R1); acquiring it times out (R3, R8). */
  readonly mutex: MutexInterface;
  /** Operations waiting for this account, priority first then FIFO (R1, R2). */
  readonly queue = new PQueue({ concurrency: 1 });
  /** Operations in `queue`, for evacuation and load. */
  readonly waiting = new Set<O>();
  /** True from the moment an operation is handed the account until its lock is released. */
  reserved = false;
  /** True while an operation runs on the fast path, outside the queue: the queue must not start another. */
  fastPath = false;
  current: O | null = null;
  monitors = 0;
  /** The state last published (persisted and emitted). */
  state: AccountState;

  constructor(row: AccountRow, lockTimeoutMs: number) {
    this.id = row.id;
    this.phone = row.phone;
    this.label = row.label;
    this.paused = row.paused;
    this.health = (row.health as AccountHealth | undefined) ?? 'ok';
    this.stateReason = row.stateReason;
    this.lastError = row.lastError;
    this.cooldownUntil = row.cooldownUntil;
    this.telegramUserId = row.telegramUserId;
    this.username = row.username;
    this.firstName = row.firstName;
    this.opsTotal = row.opsTotal;
    this.opsFailed = row.opsFailed;
    this.floodWaits = row.floodWaits;
    this.apiId = row.apiId;
    this.device = storedDeviceProfile(row.device);
    this.check =
      row.checkedAt !== null && (row.spamVerdict === 'free' || row.spamVerdict === 'limited')
        ? { verdict: row.spamVerdict, until: row.spamUntil, checkedAt: row.checkedAt }
        : null;
    this.nextCheckAt = row.nextCheckAt;
    this.state = row.state as AccountState;
    this.mutex = createAccountLock(lockTimeoutMs);
  }

  /** Operations here now: the running one and the waiting ones (R6's load). */
  get load(): number {
    return (this.reserved ? 1 : 0) + this.waiting.size;
  }

  isCooling(now: number): boolean {
    return this.cooldownUntil !== null && this.cooldownUntil > now;
  }

  /**
   * Whether the account may run work at all right now; `allowLimited` for work that may run on a
   * limited account (the check that asks whether the limit is over).
   */
  isRunnable(now: number, allowLimited = false): boolean {
    const healthy = this.health === 'ok' || (allowLimited && this.health === 'limited');
    return !this.removed && this.connection === 'connected' && healthy && !this.paused && !this.isCooling(now);
  }

  /** Idle: nothing running, nothing waiting — the fast path may start an operation at once. */
  get idle(): boolean {
    return !this.reserved && this.queue.size === 0 && this.queue.pending === 0;
  }

  /** Lets the queue start work only when the account can run and no fast-path run holds it. */
  syncQueue(now: number): void {
    // A limited account's queue runs too: nothing but checks is ever placed there (rules/balancing.ts, eligibility.ts).
    if (this.isRunnable(now, true) && !this.fastPath) this.queue.start();
    else this.queue.pause();
  }

  /** The account's state, derived: health and admin verdicts first, then connection, then activity. */
  deriveState(now: number): AccountState {
    if (this.health === 'dead') return 'dead';
    if (this.health === 'limited') return 'limited';
    if (this.paused) return 'paused';
    if (this.isCooling(now)) return 'cooling';
    if (this.connection !== 'connected') return this.connection;
    if (this.current) return 'busy';
    if (this.monitors > 0) return 'monitoring';
    return 'idle';
  }
}
