import type { EngineEvents } from '../../engine/types.js';
import type { PanelEngine } from '../ports.js';

/** Handlers by engine event; a service names only the events it follows. */
export type EngineHandlers = { readonly [E in keyof EngineEvents]?: (...args: EngineEvents[E]) => void };

/** Detaches every handler one `subscribe` attached; calling it again does nothing. */
export type Unsubscribe = () => void;

type Handler = (...args: never[]) => void;

/**
 * The engine's emitter without its per-event listener types: `EngineHandlers` already ties each handler to
 * its event, and TypeScript cannot follow that tie through a loop over the events.
 */
interface UntypedEmitter {
  on(event: string, handler: Handler): unknown;
  off(event: string, handler: Handler): unknown;
}

/**
 * Attaches the handlers to the engine's events and returns the one function that detaches them all, so
 * a service cannot leave one handler behind.
 */
export function subscribe(engine: Pick<PanelEngine, 'events'>, handlers: EngineHandlers): Unsubscribe {
  const events: UntypedEmitter = engine.events;
  const attached: Array<readonly [string, Handler]> = Object.entries(handlers).flatMap(([event, handler]) => (handler ? [[event, handler] as const] : []));
  for (const [event, handler] of attached) events.on(event, handler);
  let subscribed = true;
  return () => {
    if (!subscribed) return;
    subscribed = false;
    for (const [event, handler] of attached) events.off(event, handler);
  };
}
