import type { SqlExecutor } from '../db/sql/sql-port.js';
import type { OperationRow } from '../db/schema.js';
import type { DeviceProfile } from './clients/device-profile.js';
import type { BudgetNeeds, RunBudget } from './budget.js';
import type { AccountBudget } from './budget-ledger.js';

/** The four buckets of live metrics (R4). */
/** A value now, or later: the engine of one process answers at once, a panel's fleet engine after a database round trip. */
export type Awaitable<T> = T | Promise<T>;

export type OperationType = 'scraping' | 'monitoring' | 'sending' | 'other';

export type OperationStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** What an account is doing or why it cannot work, as the engine derives it from its lane (`Lane.deriveState` in lane.ts). */
export type AccountState =
  | 'connecting'
  | 'idle'
  | 'busy'
  | 'monitoring'
  | 'cooling'
  | 'limited'
  | 'dead'
  | 'paused'
  | 'disconnected';

/** Priorities of R2: higher runs first (rules/priorities.ts). */
export { Priority } from './rules/priorities.js';

/** What a runner sees of the account it runs on. */
export interface AccountContext<C = unknown> {
  readonly id: number;
  readonly phone: string;
  /** The connected client (a GramJS TelegramClient in production), or undefined without a client factory. */
  readonly client: C;
}

/** Checkpoint store of one operation: the runner's resume point, persisted in the operation's row. */
export interface CheckpointStore<T = unknown> {
  /** The last saved checkpoint, or undefined on a fresh start. */
  get(): T | undefined;
  /** Persists the checkpoint. */
  save(value: T): void;
  /**
   * Runs `write` and saves the next checkpoint in one transaction, so that data and resume point can never
   * disagree after a crash; resolves once both are committed. `next` is the checkpoint, or a function of what
   * `write` returned (e.g. counts of rows stored). On SQLite (better-sqlite3) `write` must be synchronous and
   * is called without `tx`; on PostgreSQL it is called with the transaction, which its statements must use.
   */
  saveWith<R>(write: (tx?: SqlExecutor) => R | Promise<R>, next: T | ((result: R) => T)): Promise<R>;
  /**
   * Takes a checkpoint another writer has already persisted (a runner in the accounts thread writes its
   * checkpoints with its data, on its own connection): the engine's copy follows, nothing is written.
   */
  adopt(value: T): void;
}

/** Reports progress of an operation; cheap, call as often as useful. */
export type ProgressReporter = (done: number, total?: number | null) => void;

export interface RunContext<P = unknown, C = unknown, K = unknown> {
  readonly operationId: number;
  readonly params: P;
  readonly account: AccountContext<C>;
  /** Aborts on cancel, timeout, account removal, cooldown or shutdown; `signal.reason` says which. */
  readonly signal: AbortSignal;
  readonly progress: ProgressReporter;
  readonly checkpoint: CheckpointStore<K>;
  /** 1 on the first attempt. */
  readonly attempt: number;
  /**
   * What this run may spend of the account's budgets (README: Budgets): call `take` right before each
   * budgeted Telegram call (a look-up, a join, a message). It never grants more than the definition's `budget`.
   */
  readonly budget: RunBudget;
  /**
   * Registers a background task on this account (R5) that outlives the operation, e.g. a monitor's
   * watch loop. It is cancelled when the account is removed or the engine stops.
   */
  spawn(name: string, type: OperationType, task: (signal: AbortSignal) => Promise<void>): void;
}

/** A runner for one kind of operation. What it returns is stored as the operation's result (JSON). */
export type Runner<P = unknown, C = unknown, K = unknown, R = unknown> = (ctx: RunContext<P, C, K>) => Promise<R>;

export interface RunnerDefinition<P = unknown, C = unknown, K = unknown, R = unknown> {
  readonly kind: string;
  /** Metric bucket, and whether the scrape limit applies (`scraping`). */
  readonly type: OperationType;
  /**
   * Default priority of the kind.
   * @default Priority[type]
   */
  readonly priority?: number;
  /**
   * Run timeout in ms.
   * @default the engine's timeout for the type
   */
  readonly timeoutMs?: number;
  /**
   * Whether the operation may run on an account that is monitoring.
   * @default type !== 'scraping'
   */
  readonly allowOnMonitoring?: boolean;
  /**
   * Whether the operation may run on an account that is limited (R10): the check that asks @SpamBot
   * whether the limit is over must reach it.
   * @default false
   */
  readonly allowOnLimited?: boolean;
  /**
   * Bookkeeping the engine does for itself (health checks): kept out of operation lists and reports.
   * @default false
   */
  readonly internal?: boolean;
  /** Validates and normalises params at submit time; throw an Error with a plain message to refuse. */
  readonly parse?: (params: unknown) => P;
  /**
   * The most budgeted calls one run may make (README: Budgets): the engine places the operation only on
   * an account that can afford them, grants them to each run, and refunds what the run did not spend.
   * @default () => ({}) (no budgeted calls)
   */
  readonly budget?: (params: P) => BudgetNeeds;
  readonly run: Runner<P, C, K, R>;
}

/** A request to run an operation. */
export interface SubmitRequest {
  readonly kind: string;
  readonly params?: unknown;
  /** Pin the operation to this account. */
  readonly accountId?: number | null;
  /** Overrides the kind's priority. */
  readonly priority?: number;
  readonly requestedBy?: number | null;
  readonly reportChatId?: number | null;
  readonly parentId?: number | null;
  /**
   * Pinned work whose account has no budget left for it now: `refuse` answers at once saying when it could
   * run; `wait` queues it until then (a monitor re-armed at start).
   * @default 'refuse'
   */
  readonly overBudget?: 'refuse' | 'wait';
}

/** Expected ways an operation ends badly: values, not exceptions. */
export type FailureKind =
  | 'invalid'
  | 'not_found'
  | 'private'
  | 'invite_expired'
  | 'admin_required'
  | 'banned'
  | 'flood'
  | 'limited'
  | 'dead'
  | 'too_many_channels'
  | 'timeout'
  | 'cancelled'
  | 'no_account'
  | 'join_pending'
  | 'transient'
  /** The account's proxy did not answer (or refused its login): the account cannot connect until it does. */
  | 'proxy_down'
  | 'no_budget'
  | 'error';

export interface Operation {
  readonly id: number;
  readonly kind: string;
  readonly type: OperationType;
  readonly params: unknown;
  readonly status: OperationStatus;
  readonly priority: number;
  readonly pinnedAccountId: number | null;
  readonly accountId: number | null;
  readonly attempts: number;
  readonly progress: { readonly done: number; readonly total: number | null };
  readonly result: unknown;
  readonly error: { readonly kind: FailureKind; readonly message: string } | null;
  /** What the operation is waiting for right now, in plain words (e.g. a short flood wait); not stored. */
  readonly notice: string | null;
  readonly requestedBy: number | null;
  readonly reportChatId: number | null;
  readonly reportMessageId: number | null;
  readonly parentId: number | null;
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
}

/** @SpamBot's verdict on an account as its last check found it (README.md, "Account checks"). */
export interface AccountCheck {
  readonly verdict: 'free' | 'limited';
  /** When a limit ends (epoch ms); null when free or when the limit has no end date. */
  readonly until: number | null;
  readonly checkedAt: number;
}

export interface Account {
  readonly id: number;
  readonly phone: string;
  readonly label: string | null;
  readonly state: AccountState;
  readonly paused: boolean;
  readonly cooldownUntil: number | null;
  readonly stateReason: string | null;
  readonly lastError: string | null;
  readonly telegramUserId: number | null;
  readonly username: string | null;
  readonly firstName: string | null;
  /** Operations running (0 or 1) plus waiting on this account. */
  readonly load: number;
  readonly running: number | null;
  readonly queued: number;
  readonly monitors: number;
  readonly opsTotal: number;
  readonly opsFailed: number;
  readonly floodWaits: number;
  /** The api id of the account's app credential (its hash is never shown); null until assigned. */
  readonly apiId: number | null;
  /** The device profile the account presents to Telegram; null until assigned. */
  readonly device: DeviceProfile | null;
  /** The account's proxy: its kind and `host:port` only. */
  readonly proxy: AccountProxy | null;
  /** The last check's verdict; null before the first one. */
  readonly check: AccountCheck | null;
  /** When the account is checked next by the daily round (epoch ms); null when nothing is planned. */
  readonly nextCheckAt: number | null;
  /** Joins, messages and look-ups counted in their current windows, with the caps in force (README: Budgets). */
  readonly budgets: readonly AccountBudget[];
}

/** What is shown of an account's proxy: never its user, password or secret. */
export interface AccountProxy {
  readonly scheme: 'socks5' | 'socks4' | 'mtproxy';
  readonly address: string;
}

export interface EngineMetrics {
  /** Live counts of running work per type; never below zero. */
  readonly active: Readonly<Record<OperationType, number>>;
  readonly activeScrapes: number;
  readonly scrapeLimit: number;
  /** Operations waiting (for a scrape slot, an account or a retry). */
  readonly queued: number;
}

export interface EngineStatus extends EngineMetrics {
  readonly accounts: readonly Account[];
  /** The processes that hold accounts, on a panel of a fleet (docs/several-processes.md); absent in one process. */
  readonly workers?: readonly WorkerView[];
}

/** A worker process as /status shows it. */
export interface WorkerView {
  /** WORKER_NAME, or host:pid. */
  readonly name: string;
  /** Heard from within the lease time. */
  readonly live: boolean;
  /** It began a graceful stop and takes no more accounts. */
  readonly stopping: boolean;
  /** Its last heartbeat, epoch ms. */
  readonly heartbeatAt: number;
  /** The accounts it holds by unexpired lease, ascending. */
  readonly accountIds: readonly number[];
}

/** Events for the bot. */
export interface EngineEvents {
  'operation:queued': [op: Operation];
  'operation:started': [op: Operation];
  'operation:progress': [op: Operation];
  'operation:finished': [op: Operation];
  'account:state': [account: Account, previous: AccountState];
  /** A check's verdict was recorded (`previous` is the one before, null on the first check). */
  'account:check': [account: Account, previous: AccountCheck | null];
  'monitor:hit': [hit: MonitorHit];
}

export interface MonitorHit {
  readonly monitorId: number;
  readonly accountId: number;
  readonly chatId: number;
  readonly chatTitle: string | null;
  readonly chatUsername: string | null;
  readonly messageId: number;
  readonly senderId: number | null;
  readonly senderName: string | null;
  readonly text: string;
  readonly keyword: string;
  readonly at: number;
}

export type { OperationRow };
