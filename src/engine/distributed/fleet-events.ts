import type { EngineEvents } from '../types.js';

/**
 * What crosses processes on the event bus of a fleet (docs/several-processes.md). Workers tell the panel of their
 * operations and accounts with the engine's own events; the panel asks the worker that holds an operation to cancel it
 * with `operation:cancel` (only the holder can: the run is in its memory).
 */
export type FleetEvents = Pick<EngineEvents, 'operation:started' | 'operation:progress' | 'operation:finished' | 'account:state'> & {
  /** The panel asks whoever holds operation `id` to cancel it, with the message its finish records. */
  'operation:cancel': [id: number, message: string];
  /**
   * New work is in the queue (the panel just submitted it): workers fetch now instead of at their next poll, which
   * pg-boss's notifications reach only within one process.
   */
  'queue:wake': [];
  /** The panel asks the worker holding an account to change it, as an admin would in one process. */
  'account:command': [accountId: number, command: AccountCommand];
};

/** What an admin changes on an account from a panel of a fleet. */
export type AccountCommand = 'pause' | 'resume' | 'reinstate';
