import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { ProcessRole } from '../config.js';
import type { EventEmitter } from 'node:events';
import type { Account, AccountState, Awaitable, EngineEvents, EngineMetrics, Operation, OperationType } from '../engine/types.js';
import { FloodTally } from './flood-tally.js';

/** What the metrics read of the engine: its public queries and events, nothing else. */
export interface MetricsEngine {
  metrics(): Awaitable<EngineMetrics>;
  listAccounts(): Awaitable<readonly Account[]>;
  getAccount(id: number): Awaitable<Account | undefined>;
  readonly events: EventEmitter<EngineEvents>;
}

/** Every state an account can be in, so that each has its series even at 0. */
export const ACCOUNT_STATES = [
  'connecting',
  'idle',
  'busy',
  'monitoring',
  'cooling',
  'limited',
  'dead',
  'paused',
  'disconnected',
] as const satisfies readonly AccountState[];
// A state added to AccountState and forgotten here fails to compile.
const everyState: Exclude<AccountState, (typeof ACCOUNT_STATES)[number]> extends never ? true : never = true;
void everyState;

const OPERATION_TYPES = ['scraping', 'monitoring', 'sending', 'other'] as const satisfies readonly OperationType[];

/** How a finished operation ended: the `outcome` label of `switchboard_operations_total`. */
export type Outcome = Extract<Operation['status'], 'succeeded' | 'failed' | 'cancelled'>;

export interface MetricsOptions {
  readonly engine: MetricsEngine;
  /**
   * Where the metrics are registered. Never prom-client's global registry: tests and several apps in one
   * process would collide there.
   * @default a new Registry of its own
   */
  readonly registry?: Registry;
  /** The `role` label on every metric (ROLE). */
  readonly role: ProcessRole;
  /** The `worker` label on every metric (WORKER_NAME). */
  readonly workerName: string;
}

/** The Prometheus metrics of one process (README: Metrics and health). */
export interface Metrics {
  readonly registry: Registry;
  /** The Content-Type of `text()`. */
  readonly contentType: string;
  /** Every metric in Prometheus's text format, the gauges read from the engine now. */
  text(): Promise<string>;
  /** Counts a lease this process took over from a worker that stopped answering (several processes). */
  onLeaseTakeover(): void;
  /** Stops listening to the engine's events. */
  close(): void;
}

/** Builds the metrics over the engine; counters follow its events from now on, gauges are read at each scrape. */
export function createMetrics({ engine, registry = new Registry(), role, workerName }: MetricsOptions): Metrics {
  registry.setDefaultLabels({ role, worker: workerName });
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  new Gauge({
    name: 'switchboard_accounts',
    help: 'Accounts by state.',
    labelNames: ['state'],
    registers,
    async collect() {
      const counts = new Map<AccountState, number>(ACCOUNT_STATES.map((state) => [state, 0]));
      for (const account of await engine.listAccounts()) counts.set(account.state, (counts.get(account.state) ?? 0) + 1);
      for (const [state, count] of counts) this.set({ state }, count);
    },
  });
  new Gauge({
    name: 'switchboard_queue_depth',
    help: 'Operations waiting for a scrape slot, an account or a retry.',
    registers,
    async collect() {
      this.set((await engine.metrics()).queued);
    },
  });
  new Gauge({
    name: 'switchboard_scrapes_active',
    help: 'Scrapes running now (at most switchboard_scrape_limit).',
    registers,
    async collect() {
      this.set((await engine.metrics()).activeScrapes);
    },
  });
  new Gauge({
    name: 'switchboard_scrape_limit',
    help: 'The global scrape limit (SCRAPE_CONCURRENCY).',
    registers,
    async collect() {
      this.set((await engine.metrics()).scrapeLimit);
    },
  });
  new Gauge({
    name: 'switchboard_operations_running',
    help: 'Operations running now, by type.',
    labelNames: ['type'],
    registers,
    async collect() {
      const { active } = await engine.metrics();
      for (const type of OPERATION_TYPES) this.set({ type }, active[type]);
    },
  });

  const finished = new Counter({
    name: 'switchboard_operations_total',
    help: 'Operations that ended in this process, by kind and outcome (succeeded, failed, cancelled).',
    labelNames: ['kind', 'outcome'],
    registers,
  });

  const tally = new FloodTally();
  const floodWaits = new Counter({
    name: 'switchboard_flood_waits_total',
    help: "FLOOD_WAITs this process's accounts met, slept through or cooled down.",
    registers,
    async collect() {
      const accounts = await engine.listAccounts();
      for (const account of accounts) floods(account.id, account.floodWaits);
      tally.retain(new Set(accounts.map((account) => account.id)));
    },
  });
  const floods = (id: number, total: number): void => {
    const fresh = tally.observe({ id, floodWaits: total });
    if (fresh > 0) floodWaits.inc(fresh);
  };

  const takeovers = new Counter({
    name: 'switchboard_lease_takeovers_total',
    help: 'Accounts this worker took over from a worker whose lease had expired (0 with ROLE=all: one process holds every account).',
    registers,
  });

  // The first sight of each account is its baseline: those already there now, the others when they show.
  whenReady(engine.listAccounts(), (accounts) => {
    for (const account of accounts) floods(account.id, account.floodWaits);
  });
  // A short flood wait slept through shows as a notice on the operation's progress, a long one as the
  // account's cooldown (a state change); the finish and each scrape catch whatever else.
  const seeAccountOf = (op: Operation): void => {
    if (op.accountId === null) return;
    whenReady(engine.getAccount(op.accountId), (account) => {
      if (account) floods(account.id, account.floodWaits);
    });
  };
  const onState = (account: { id: number; floodWaits: number }): void => floods(account.id, account.floodWaits);
  const onFinished = (op: Operation): void => {
    seeAccountOf(op);
    if (op.status === 'succeeded' || op.status === 'failed' || op.status === 'cancelled') finished.inc({ kind: op.kind, outcome: op.status });
  };
  engine.events.on('account:state', onState);
  const onProgress = (op: Operation): void => {
    if (op.notice !== null) seeAccountOf(op);
  };
  engine.events.on('operation:progress', onProgress);
  engine.events.on('operation:finished', onFinished);

  return {
    registry,
    contentType: registry.contentType,
    text: () => registry.metrics(),
    onLeaseTakeover: () => takeovers.inc(),
    close() {
      engine.events.off('account:state', onState);
      engine.events.off('operation:progress', onProgress);
      engine.events.off('operation:finished', onFinished);
    },
  };
}

/** Runs `use` on a value now, or once it arrives (a panel's engine answers after a database round trip). */
function whenReady<T>(value: Awaitable<T>, use: (value: T) => void): void {
  if (value instanceof Promise) value.then(use, () => undefined);
  else use(value);
}
