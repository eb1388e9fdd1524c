import type { LogMessage } from '../../worker-log.js';
import type { BudgetAction } from '../budget.js';
import type { Failure } from '../errors.js';
import type { ClientRequest } from '../options.js';
import type { MonitorHit, OperationType } from '../types.js';

/**
 * Messages between the engine (main thread) and the accounts thread, which holds the accounts' GramJS
 * clients and runs the runners on them. Everything here is structured-clone data.
 */

/** One attempt of an operation, handed to the thread. */
export interface RunOrder {
  readonly run: number;
  readonly kind: string;
  readonly operationId: number;
  readonly params: unknown;
  readonly accountId: number;
  readonly phone: string;
  readonly attempt: number;
  readonly checkpoint: unknown;
  /** The budgeted calls this run was granted (README: Budgets); the thread never makes more. */
  readonly allowance: Readonly<Record<BudgetAction, number>>;
}

export type ToThread =
  | { readonly t: 'connect'; readonly req: number; readonly request: ClientRequest }
  | { readonly t: 'disconnect'; readonly req: number; readonly accountId: number }
  | { readonly t: 'run'; readonly order: RunOrder }
  | { readonly t: 'abort'; readonly run: number }
  | { readonly t: 'task-abort'; readonly task: number }
  | { readonly t: 'stop-monitor'; readonly monitorId: number }
  | { readonly t: 'stop' };

export type FromThread =
  | { readonly t: 'ready' }
  | { readonly t: 'connected'; readonly req: number }
  | { readonly t: 'connect-failed'; readonly req: number; readonly failure: Failure }
  | { readonly t: 'disconnected'; readonly req: number }
  | { readonly t: 'progress'; readonly run: number; readonly done: number; readonly total: number | null | undefined }
  /** The thread wrote this checkpoint (with its data, in one transaction). */
  | { readonly t: 'checkpoint'; readonly run: number; readonly value: unknown }
  /** The run is about to make one budgeted call (sent before the call, in order with the outcome). */
  | { readonly t: 'spent'; readonly run: number; readonly action: BudgetAction }
  | { readonly t: 'spawn'; readonly run: number; readonly task: number; readonly name: string; readonly type: OperationType }
  | { readonly t: 'task-ended'; readonly task: number; readonly failure: Failure | null }
  | { readonly t: 'result'; readonly run: number; readonly value: unknown }
  | { readonly t: 'failed'; readonly run: number; readonly failure: Failure }
  | { readonly t: 'monitor-hit'; readonly hit: MonitorHit }
  | {
      readonly t: 'health';
      readonly accountId: number;
      readonly profile: { readonly telegramUserId: number | null; readonly username: string | null; readonly firstName: string | null };
    }
  | { readonly t: 'stopped' }
  /** Several of the above, in order, sent in one turn. */
  | { readonly t: 'batch'; readonly messages: readonly FromThread[] }
  | LogMessage;

/** What the thread is started with. */
export interface AccountThreadData {
  /** The SQLite file (the thread opens its own connection; the main thread has migrated it). */
  readonly databasePath: string;
  /** `host:port` of the simulated Telegram, in sandbox mode; undefined: Telegram itself. */
  readonly sandbox: string | undefined;
  readonly floodSleepThreshold: number;
  readonly scrape: { readonly participantsCap: number };
  readonly send: { readonly minIntervalMs: number };
  readonly logLevel: string;
}
