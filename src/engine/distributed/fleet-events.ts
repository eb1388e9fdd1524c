import type { Reconnect } from '../account-pool.js';
import type { Account, EngineEvents } from '../types.js';

/**
 * What crosses processes on the event bus of a fleet (docs/several-processes.md). Workers tell the panel of their
 * operations and accounts with the engine's own events; the panel asks the worker that holds an operation to cancel it
 * with `operation:cancel` (only the holder can: the run is in its memory). A worker's monitor hits travel as
 * `monitor:hit` (worker-monitors.ts), a panel's monitor stops as `monitor:stop` (panel-monitors.ts).
 */
export type FleetEvents = Pick<
  EngineEvents,
  'operation:started' | 'operation:progress' | 'operation:finished' | 'account:state' | 'monitor:hit' | 'account:check'
> & {
  /** The panel asks whoever holds operation `id` to cancel it, with the message its finish records. */
  'operation:cancel': [id: number, message: string];
  /**
   * New work is in the queue (the panel just submitted it): workers fetch now instead of at their next poll, which
   * pg-boss's notifications reach only within one process.
   */
  'queue:wake': [];
  /** The panel asks the worker holding an account to change it, as an admin would in one process. */
  'account:command': [accountId: number, command: AccountCommand];
  /** A monitor was stopped at the panel (its row already says so): whoever watches for it ends the watch at once. */
  'monitor:stop': [monitorId: number];
  /**
   * The panel asks the worker holding an account to remove it or change its proxy (account-change-handler.ts); the
   * holder answers with `account:changed` under the same `requestId`.
   */
  'account:change': [accountId: number, change: AccountChange, requestId: string];
  /** A holder's answer to `account:change`. */
  'account:changed': [requestId: string, outcome: AccountChangeOutcome];
};

/** What an admin changes on an account from a panel of a fleet. */
export type AccountCommand = 'pause' | 'resume' | 'reinstate';

/**
 * A change only the holder of an account can make: it disconnects the account (remove) or connects it again through
 * another proxy. A proxy crosses the bus sealed with SESSION_SECRET (SessionCipher), never in the clear: its URL may
 * carry a password or an MTProxy secret.
 */
export type AccountChange = { readonly kind: 'remove' } | { readonly kind: 'proxy'; readonly sealed: string | null };

/** How the holder of an account carried an {@link AccountChange} out. */
export type AccountChangeOutcome =
  | { readonly kind: 'removed'; readonly account: Account }
  | { readonly kind: 'proxy'; readonly account: Account; readonly reconnect: Reconnect }
  | { readonly kind: 'refused'; readonly message: string };
