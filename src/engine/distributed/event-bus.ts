/**
 * How events cross processes: a worker publishes what happened (progress, a finish, a monitor hit, an account's new
 * state) and the panel hears it as if the engine were in its own process. In one process (ROLE `all`) the engine's own
 * emitter is enough; with several processes on PostgreSQL, `createPgEventBus` carries them over LISTEN/NOTIFY.
 */
export interface EventBus<Events extends Record<string, readonly unknown[]>> {
  /** Sends an event to every subscriber of every process, this one included; resolves once it is handed over. */
  publish<E extends keyof Events & string>(event: E, ...args: Events[E]): Promise<void>;
  /**
   * Calls `listener` with each event published by any process, in the order each publisher sent them.
   * @returns a function that unsubscribes
   */
  subscribe(listener: EventListener<Events>): () => void;
  /**
   * Calls `listener` after the bus lost its connection and got it back: events published in between were missed, so a
   * subscriber that keeps state re-reads it from the database.
   */
  onResync(listener: () => void): () => void;
  /** Stops listening and frees the connection; idempotent. */
  close(): Promise<void>;
}

export type EventListener<Events extends Record<string, readonly unknown[]>> = <E extends keyof Events & string>(
  event: E,
  args: Events[E],
  origin: string,
) => void;

export class EventBusError extends Error {
  override readonly name = 'EventBusError';
  constructor(
    message: string,
    readonly event: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
