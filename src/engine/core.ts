import type { Logger } from 'pino';
import type { AccountStore } from './account-store.js';
import type { BudgetLedger } from './budget-ledger.js';
import type { Failure } from './errors.js';
import type { EngineEventBus } from './events.js';
import type { AnyDefinition, LiveOp } from './live-operation.js';
import type { OperationStore } from './operation-store.js';
import type { ResolvedOptions } from './options.js';
import type { LiveMetrics } from './rules/metrics.js';
import type { TaskRegistry } from './rules/task-registry.js';

/** Whether the engine has started and whether it is stopping: every room reads the same two flags. */
export interface Lifecycle {
  started: boolean;
  stopping: boolean;
}

/**
 * What the engine's rooms share: options, clock, stores, ledgers, registries and the operations held in
 * memory. Built once by the facade (engine.ts) and passed in, never a singleton.
 */
export interface EngineCore {
  readonly log: Logger;
  readonly opts: ResolvedOptions;
  readonly now: () => number;
  readonly random: () => number;
  readonly ops: OperationStore;
  readonly accounts: AccountStore;
  readonly budgets: BudgetLedger;
  readonly tasks: TaskRegistry;
  readonly metrics: LiveMetrics;
  readonly bus: EngineEventBus;
  /** Registered runners by kind. */
  readonly runners: Map<string, AnyDefinition>;
  /** Operations not finished yet (or whose finish is not committed yet), by id. */
  readonly live: Map<number, LiveOp>;
  readonly lifecycle: Lifecycle;
  /** Classifies an error with the configured classifier; the engine's own aborts classify as themselves. */
  classify(error: unknown): Failure;
}
