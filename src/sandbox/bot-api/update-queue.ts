import { randomInt } from 'node:crypto';
import type { Update } from '@grammyjs/types';
import type { SandboxChatMemberUpdated } from './membership-updates.js';

/** An update before the queue numbers it; `my_chat_member` follows Bot API 10.1 (see chat-members.ts). */
export type NewUpdate = Omit<Update, 'update_id' | 'my_chat_member'> & { readonly my_chat_member?: SandboxChatMemberUpdated };

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
  /** Queues an update; undefined when `allowed_updates` leaves its type out, so Telegram never creates it. */
  push(update: NewUpdate): Update | undefined;
  poll(request: PollRequest): Promise<PollResult>;
  /**
   * Applies getUpdates' `allowed_updates`: undefined keeps the setting, an empty list restores the default.
   * Unknown names are ignored, as by Telegram.
   */
  allow(types: readonly string[] | undefined): void;
  /** Forgets every pending update (deleteWebhook with drop_pending_updates). */
  drop(): void;
  /** Updates not yet confirmed by an offset, oldest first. */
  pending(): Update[];
  /** Answers a held getUpdates call with no updates; later calls are answered at once. */
  close(): void;
}

export interface UpdateQueueOptions {
  /**
   * The id of the first update.
   * @default a random number from 100,000,000 to 999,999,999
   */
  readonly firstUpdateId?: number;
}

interface Waiter {
  readonly limit: number;
  readonly finish: (result: PollResult) => void;
}

const UPDATE_TYPES = [
  'message',
  'edited_message',
  'channel_post',
  'edited_channel_post',
  'business_connection',
  'business_message',
  'edited_business_message',
  'deleted_business_messages',
  'guest_message',
  'message_reaction',
  'message_reaction_count',
  'inline_query',
  'chosen_inline_result',
  'callback_query',
  'shipping_query',
  'pre_checkout_query',
  'purchased_paid_media',
  'poll',
  'poll_answer',
  'my_chat_member',
  'chat_member',
  'chat_join_request',
  'chat_boost',
  'removed_chat_boost',
  'managed_bot',
] as const;

/**
 * Without `allowed_updates`, a bot gets every type but chat_member, message_reaction and
 * message_reaction_count (https://core.telegram.org/bots/api#getupdates; DEFAULT_ALLOWED_UPDATE_TYPES in
 * https://github.com/tdlib/telegram-bot-api/blob/master/telegram-bot-api/Client.h).
 */
const DEFAULT_ALLOWED: ReadonlySet<string> = new Set(UPDATE_TYPES.filter((t) => !['chat_member', 'message_reaction', 'message_reaction_count'].includes(t)));
const KNOWN: ReadonlySet<string> = new Set(UPDATE_TYPES);

function typeOf(update: NewUpdate): string | undefined {
  return Object.keys(update).find((key) => KNOWN.has(key));
}

/**
 * Telegram's update queue: an update stays until a getUpdates `offset` above its id confirms it, so a
 * bot that dies before confirming gets it again (https://core.telegram.org/bots/api#getupdates).
 * Ids increase by one; the first is random, as Telegram picks one after a week without updates
 * (https://core.telegram.org/bots/api#update), so a panel restarted against a fresh sandbox never
 * mistakes new updates for ones it handled before.
 */
export function createUpdateQueue(options: UpdateQueueOptions = {}): UpdateQueue {
  let updates: Update[] = [];
  let nextId = options.firstUpdateId ?? randomInt(100_000_000, 1_000_000_000);
  let allowed = DEFAULT_ALLOWED;
  let waiter: Waiter | undefined;
  let closed = false;

  const confirm = (offset: number | undefined): void => {
    if (offset === undefined || offset === 0) return;
    updates = offset > 0 ? updates.filter((u) => u.update_id >= offset) : updates.slice(offset);
  };

  return {
    push(update) {
      const type = typeOf(update);
      if (type === undefined || !allowed.has(type)) return undefined;
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
    allow(types) {
      if (types === undefined) return;
      const known = types.map((t) => t.toLowerCase()).filter((t) => KNOWN.has(t));
      allowed = known.length === 0 ? DEFAULT_ALLOWED : new Set(known);
    },
    drop() {
      updates = [];
    },
    pending: () => [...updates],
    close() {
      closed = true;
      waiter?.finish({ kind: 'updates', updates: [] });
    },
  };
}
