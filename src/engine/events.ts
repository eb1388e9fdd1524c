import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { snapshotOf, type LiveOp } from './live-operation.js';
import type { EngineEvents } from './types.js';

/**
 * The engine's typed events. A listener that throws is logged, never let through: an event is news for
 * the bot, and its failure must not break the scheduling step that announced it.
 */
export class EngineEventBus {
  /** The emitter listeners subscribe to (`engine.events`). */
  readonly emitter = new EventEmitter<EngineEvents>();
  readonly #log: Logger;

  constructor(logger: Logger) {
    this.#log = logger;
  }

  emit<E extends keyof EngineEvents>(event: E, ...args: EngineEvents[E]): void {
    try {
      (this.emitter.emit as (e: E, ...a: EngineEvents[E]) => boolean)(event, ...args);
    } catch (error) {
      this.#log.error({ err: error, event }, 'engine event listener threw');
    }
  }

  /** Whether anyone listens: events whose payload costs something to build are skipped otherwise. */
  listening(event: keyof EngineEvents): boolean {
    return this.emitter.listenerCount(event) > 0;
  }

  /** Emits an operation event, building the snapshot only when someone listens (hot path). */
  emitOp(event: 'operation:queued' | 'operation:started' | 'operation:progress', op: LiveOp): void {
    if (this.listening(event)) this.emit(event, snapshotOf(op));
  }
}
