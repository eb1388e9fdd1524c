import type { EventBus, EventListener } from './event-bus.js';

/**
 * The bus of one process (ROLE `all`, tests): publishing calls every subscriber at once, nothing can be missed, so
 * `onResync` never fires.
 */
export function createLocalEventBus<Events extends Record<string, readonly unknown[]>>(origin: string): EventBus<Events> {
  const listeners = new Set<EventListener<Events>>();
  return {
    async publish(event, ...args) {
      for (const listen of listeners) listen(event, args, origin);
    },
    subscribe(listen) {
      listeners.add(listen);
      return () => listeners.delete(listen);
    },
    onResync() {
      return () => undefined;
    },
    async close() {
      listeners.clear();
    },
  };
}
