// R3 timeouts (README, "Engine rules"): waiting for a busy account 60 s, acquiring its lock 30 s, running
// scrape 300 s / monitor start 3600 s / send 60 s, all configurable (options.ts); a timeout aborts the work
// (its AbortSignal reaches the GramJS loops) and releases everything it held.
import { formatSeconds, OperationAbortedError, type Failure } from '../errors.js';
import type { Lane } from '../lane.js';
import type { ResolvedOptions } from '../options.js';
import type { RunnerDefinition } from '../types.js';

/** Aborts `controller` with the reason `why` builds once `ms` pass; clear the timer when the wait ends first. */
export function abortAfter(controller: AbortController, ms: number, why: () => OperationAbortedError): NodeJS.Timeout {
  return setTimeout(() => controller.abort(why()), ms);
}

/** How long one run of this runner may take: its own limit, else its type's. */
export function runTimeoutOf(def: Pick<RunnerDefinition<unknown, unknown, unknown, unknown>, 'timeoutMs' | 'type'>, opts: Pick<ResolvedOptions, 'run'>): number {
  return def.timeoutMs ?? opts.run[def.type];
}

export function runTimedOut(ms: number, operationId: number): OperationAbortedError {
  return new OperationAbortedError('timeout', `The operation ran longer than ${formatSeconds(ms / 1000)} and was stopped.`, operationId);
}

export function slotWaitTimedOut(ms: number, operationId: number): OperationAbortedError {
  return new OperationAbortedError('timeout', `Waited more than ${formatSeconds(ms / 1000)} for a free scrape slot.`, operationId);
}

/** The wait for an account ran out; it says why the account did not come free when that is plain. */
export function accountWaitTimedOut<C, O>(lane: Lane<C, O>, ms: number, operationId: number): OperationAbortedError {
  const why = lane.paused ? ' (the account is paused)' : lane.connection !== 'connected' ? ' (the account is offline)' : '';
  return new OperationAbortedError('timeout', `Waited more than ${formatSeconds(ms / 1000)} for account #${lane.id}${why}.`, operationId);
}

export function lockTimedOut(accountId: number, ms: number): Failure {
  return { kind: 'timeout', message: `Could not lock account #${accountId} within ${formatSeconds(ms / 1000)}.` };
}
