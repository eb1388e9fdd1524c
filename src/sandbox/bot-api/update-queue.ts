import type { Update } from 'grammy/types';

/** An update before the queue numbers it. */
export type NewUpdate = Omit<Update, 'update_id'>;

/** What a getUpdates call gets. */
export type PollResult =
  | { readonly kind: 'updates'; readonly updates: Update[] }
  /** A newer getUpdates call took over (Telegram answers the older one with 409). */
  | { readonly kind: 'conflict' };

export interface PollRequest {
  /** Updates below this id are confirmed and forgotten; a negative value keeps only the last `-offset`. */
  readonly offset: number | undefined;
  readonly limit: number;
  /** How long to hold the call when nothing is pending. */
  readonly waitMs: number;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
}

export interface UpdateQueue {
  push(update: NewUpdate): Update;
  poll(request: PollRequest): Promise<PollResult>;
  /** Forgets every pending update (deleteWebhook with drop_pending_updates). */
  drop(): void;
  /** Updates not yet confirmed by an offset. */
  pending(): number;
  /** Answers a held getUpdates call with no updates; later calls are answered at once. */
  close(): void;
}

interface Waiter {
  readonly limit: number;
  readonly finish: (result: PollResult) => void;
}

export function createUpdateQueue(): UpdateQueue {
  let updates: Update[] = [];
  let nextId = 1;
  let waiter: Waiter | undefined;
  let closed = false;

  const confirm = (offset: number | undefined): void => {
    if (offset === undefined || offset === 0) return;
    updates = offset > 0 ? updates.filter((u) => u.update_id >= offset) : updates.slice(offset);
  };

  return {
    push(update) {
      const numbered = { ...update, update_id: nextId } as Update;
      nextId += 1;
      updates.push(numbered);
      if (waiter !== undefined) waiter.finish({ kind: 'updates', updates: updates.slice(0, waiter.limit) });
      return numbered;
    },
    poll({ offset, limit, waitMs, signal }) {
      // Telegram lets one getUpdates run per bot: a new one ends the one before.
      waiter?.finish({ kind: 'conflict' });
      confirm(offset);
      if (updates.length > 0 || waitMs <= 0 || closed || signal.aborted) {
        return Promise.resolve({ kind: 'updates', updates: updates.slice(0, limit) });
      }
      return new Promise((resolve) => {
        const finish = (result: PollResult): void => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          if (waiter === self) waiter = undefined;
          resolve(result);
        };
        const onAbort = (): void => finish({ kind: 'updates', updates: [] });
        const timer = setTimeout(() => finish({ kind: 'updates', updates: [] }), waitMs);
        const self: Waiter = { limit, finish };
        waiter = self;
        signal.addEventListener('abort', onAbort, { once: true });
      });
    },
    drop() {
      updates = [];
    },
    pending: () => updates.length,
    close() {
      closed = true;
      waiter?.finish({ kind: 'updates', updates: [] });
    },
  };
}
