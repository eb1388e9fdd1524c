import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { EngineEvents, Operation } from '../types.js';
import type { EventBus } from './event-bus.js';
import { EventBusError } from './event-bus.js';
import type { FleetEvents } from './fleet-events.js';

export interface EventRelayOptions {
  /** The worker engine's events. */
  readonly events: EventEmitter<EngineEvents>;
  readonly bus: EventBus<FleetEvents>;
  readonly logger: Logger;
  /**
   * Least time between two progress events of one operation on the bus, in ms: a scrape reports every page, and the
   * panel edits its message at most every 3 s anyway (README: Chat commands); the latest progress always follows.
   * @default 1000
   */
  readonly progressEveryMs?: number;
  /** @default the process timers */
  readonly timers?: { setTimeout(fn: () => void, ms: number): unknown; clearTimeout(handle: unknown): void };
}

/**
 * Relays a worker's engine events to the panel over the bus: starts, finishes, account changes and check verdicts as they happen,
 * progress at most once per `progressEveryMs` per operation (the latest one wins, and none is sent after the finish).
 * A finish too big for the bus (NOTIFY's limit) goes without its result: the panel reads the row on every finish.
 * @returns a function that stops relaying
 */
export function relayEngineEvents(options: EventRelayOptions): () => void {
  const { events, bus, logger } = options;
  const every = options.progressEveryMs ?? 1000;
  const timers = options.timers ?? { setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms), clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout) };
  const pending = new Map<number, { latest: Operation | undefined; timer: unknown }>();

  const send = <E extends keyof FleetEvents & string>(event: E, ...args: FleetEvents[E]): void => {
    bus.publish(event, ...args).catch((error: unknown) => {
      if (error instanceof EventBusError && event === 'operation:finished') {
        const [op] = args as FleetEvents['operation:finished'];
        bus.publish('operation:finished', { ...op, result: null }).catch((again: unknown) => logger.warn({ err: again, event }, 'could not tell the panel'));
        return;
      }
      logger.warn({ err: error, event }, 'could not tell the panel');
    });
  };
  const flush = (id: number): void => {
    const entry = pending.get(id);
    if (!entry) return;
    if (entry.latest === undefined) {
      pending.delete(id);
      return;
    }
    const op = entry.latest;
    entry.latest = undefined;
    entry.timer = timers.setTimeout(() => flush(id), every);
    send('operation:progress', op);
  };
  const onProgress = (op: Operation): void => {
    const entry = pending.get(op.id);
    if (entry) {
      entry.latest = op;
      return;
    }
    pending.set(op.id, { latest: op, timer: undefined });
    flush(op.id);
  };
  const onStarted = (op: Operation): void => send('operation:started', op);
  const onFinished = (op: Operation): void => {
    const entry = pending.get(op.id);
    if (entry) timers.clearTimeout(entry.timer);
    pending.delete(op.id);
    send('operation:finished', op);
  };
  const onAccount = (...args: EngineEvents['account:state']): void => send('account:state', ...args);
  // A check's verdict: the panel's alerts tell the admins of a limit found or lifted (README.md, "Account checks").
  const onCheck = (...args: EngineEvents['account:check']): void => send('account:check', ...args);
  events.on('operation:started', onStarted);
  events.on('operation:progress', onProgress);
  events.on('operation:finished', onFinished);
  events.on('account:state', onAccount);
  events.on('account:check', onCheck);
  return () => {
    events.off('operation:started', onStarted);
    events.off('operation:progress', onProgress);
    events.off('operation:finished', onFinished);
    events.off('account:state', onAccount);
    events.off('account:check', onCheck);
    for (const entry of pending.values()) timers.clearTimeout(entry.timer);
    pending.clear();
  };
}
