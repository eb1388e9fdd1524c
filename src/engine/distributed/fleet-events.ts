import type { EngineEvents } from '../types.js';

/**
 * What crosses processes on the event bus of a fleet (docs/several-processes.md). Workers tell the panel of their
 * operations and accounts with the engine's own events; the panel asks the worker that holds an operation to cancel it
 * with `operation:cancel` (only the holder can: the run is in its memory). A worker's monitor hits travel as
 * `monitor:hit` (worker-monitors.ts), a panel's monitor stops as `monitor:stop` (panel-monitors.ts).
 */
export type FleetEvents = Pick<EngineEvents, 'operation:started' | 'operation:progress' | 'operation:finished' | 'account:state' | 'monitor:hit'> & {
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
};

/** What an admin changes on an account from a panel of a fleet. */
export type AccountCommand = 'pause' | 'resume' | 'reinstate';
