import type { LiveOp } from '../live-operation.js';
import type { ScrapeSlots } from '../rules/scrape-limit.js';

/** How a cancel reached an operation that had not finished: it ended at once, or its run was told to stop. */
export type CancelReach = 'cancelled' | 'cancelling';

/**
 * Where admitted work goes to run: the one seam between "an operation was accepted" and "it runs on an
 * account". The engine facade, admission and the outcome policy talk only to this interface, so the
 * placement of work can be local or distributed without them knowing.
 *
 * - LocalDispatcher (local-dispatcher.ts): one process holds every account's lane, places work on them
 *   in memory and runs it; the R1 fast path starts work on an idle account with no queue hop.
 * - A distributed dispatcher (several worker processes over PostgreSQL) must provide the same members:
 *   `dispatch` turns the operation's row (already persisted, R9) into a job other workers can claim;
 *   the worker holding the lease of the chosen account (R1: one lease, one runner per account) takes it
 *   in priority then FIFO order (R2), under the same timeouts (R3); `slots` is a fleet-wide counter (a
 *   row updated in a transaction) instead of a semaphore (R4); `cancel` reaches a run on any worker (a
 *   notification its worker turns into an abort); `stop` hands back leases and leaves unfinished rows
 *   queued for the next start.
 */
export interface Dispatcher {
  /** The fleet-wide scrape slots (R4): acquired before an account (R8), released when the scrape ends. */
  readonly slots: ScrapeSlots;
  /**
   * Places an admitted (or resumed, or requeued) operation: it waits for its not-before time, takes a
   * scrape slot when it is a scrape, then goes to an account (R6) and runs there, or fails saying why.
   */
  dispatch(op: LiveOp): void;
  /**
   * Reaches an operation that has not finished: a wait ends at once (`cancelled`), a run is aborted
   * through its signal and ends when it stops (`cancelling`).
   */
  cancel(op: LiveOp, message: string): CancelReach;
  /** How many live operations wait (not running, not finished). */
  queued(): number;
  /**
   * Stops placing work: `interruptWaits` ends every wait (their rows stay queued), `drain` waits up to
   * `ms` for the attempts in flight, `close` pauses and empties the account queues.
   */
  interruptWaits(): void;
  drain(ms: number): Promise<void>;
  close(): void;
}
