import pg from 'pg';
import type { Logger } from 'pino';
import { EventBusError, type EventBus, type EventListener } from './event-bus.js';

export interface PgEventBusOptions {
  /** `postgres://…` of the shared database. */
  readonly url: string;
  /** Who publishes: each event carries it, so /status and logs can say which worker it came from. */
  readonly origin: string;
  readonly logger: Logger;
  /**
   * The NOTIFY channel; processes that should hear each other use the same one.
   * @default 'switchboard_events'
   */
  readonly channel?: string;
  /**
   * How long to wait before listening again after the connection dropped, in ms (doubling up to 30 s).
   * @default 500
   */
  readonly reconnectMs?: number;
  /**
   * Publishes through this pool (e.g. the app's own) instead of one of the bus's own.
   * @default a pool of two connections to `url`
   */
  readonly pool?: pg.Pool;
}

/**
 * PostgreSQL's NOTIFY payload limit: "must be shorter than 8000 bytes" (PostgreSQL 15 docs, NOTIFY). Bigger events
 * are refused with a clear error instead of failing inside the server.
 */
export const NOTIFY_PAYLOAD_LIMIT = 7999;

interface Envelope {
  readonly e: string;
  readonly a: readonly unknown[];
  readonly o: string;
}

/**
 * Events over LISTEN/NOTIFY. One dedicated connection listens; publishing is `pg_notify` on any pooled connection, so a
 * NOTIFY sent inside a transaction would only be heard at its commit. PostgreSQL delivers the notifications of one
 * session in the order they were sent. A dropped listener reconnects with backoff and tells `onResync` subscribers,
 * since what was sent meanwhile is gone.
 */
export async function createPgEventBus<Events extends Record<string, readonly unknown[]>>(
  options: PgEventBusOptions,
): Promise<EventBus<Events>> {
  const { url, origin, logger, channel = 'switchboard_events', reconnectMs = 500 } = options;
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new EventBusError(`the channel name ${channel} is not a plain identifier`, channel);
  const ownPool = options.pool === undefined;
  const pool = options.pool ?? new pg.Pool({ connectionString: url, max: 2 });
  if (ownPool) pool.on('error', (error) => logger.warn({ err: error.message }, 'an idle event-bus connection failed'));
  const listeners = new Set<EventListener<Events>>();
  const resyncs = new Set<() => void>();
  let listener: pg.Client | undefined;
  let closed = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let delay = reconnectMs;

  const deliver = (payload: string | undefined): void => {
    if (payload === undefined) return;
    let envelope: Envelope;
    try {
      envelope = JSON.parse(payload) as Envelope;
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'an event on the bus was not JSON; ignored');
      return;
    }
    for (const listen of listeners) {
      try {
        listen(envelope.e as keyof Events & string, envelope.a as Events[keyof Events & string], envelope.o);
      } catch (error) {
        logger.error({ err: error, event: envelope.e }, 'an event listener threw');
      }
    }
  };

  const listen = async (): Promise<void> => {
    const client = new pg.Client({ connectionString: url });
    client.on('notification', (message) => {
      if (message.channel === channel) deliver(message.payload);
    });
    // A server restart shows as an error, a quiet disconnect only as the end: either way, listen again (once).
    let dropped = false;
    const drop = (reason: string): void => {
      if (dropped || closed) return;
      dropped = true;
      logger.warn({ err: reason }, 'the event bus lost its connection; listening again');
      void client.end().catch(() => undefined);
      if (listener === client) listener = undefined;
      schedule();
    };
    client.on('error', (error) => drop(error.message));
    client.on('end', () => drop('the connection ended'));
    await client.connect();
    await client.query(`LISTEN ${channel}`);
    if (closed) {
      await client.end();
      return;
    }
    listener = client;
  };

  const schedule = (): void => {
    if (closed || retryTimer !== undefined) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      listen().then(
        () => {
          delay = reconnectMs;
          for (const resync of resyncs) resync();
        },
        (error: unknown) => {
          logger.warn({ err: (error as Error).message, retryInMs: delay }, 'the event bus cannot listen yet');
          delay = Math.min(delay * 2, 30_000);
          schedule();
        },
      );
    }, delay);
    retryTimer.unref();
  };

  await listen();

  return {
    async publish(event, ...args) {
      const payload = JSON.stringify({ e: event, a: args, o: origin } satisfies Envelope);
      if (Buffer.byteLength(payload) > NOTIFY_PAYLOAD_LIMIT) {
        throw new EventBusError(`the ${event} event is ${Buffer.byteLength(payload)} bytes, over NOTIFY's limit`, event);
      }
      try {
        await pool.query('SELECT pg_notify($1, $2)', [channel, payload]);
      } catch (error) {
        throw new EventBusError(`the ${event} event could not be sent: ${(error as Error).message}`, event, { cause: error });
      }
    },
    subscribe(listen) {
      listeners.add(listen);
      return () => listeners.delete(listen);
    },
    onResync(listen) {
      resyncs.add(listen);
      return () => resyncs.delete(listen);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      const client = listener;
      listener = undefined;
      await client?.end().catch(() => undefined);
      if (ownPool) await pool.end();
    },
  };
}
