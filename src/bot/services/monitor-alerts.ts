import type { Api } from 'grammy';
import type { Logger } from 'pino';
import type { MonitorsRepository } from '../../db/repositories/monitors.js';
import type { MonitorHit } from '../../engine/types.js';
import type { Clock } from '../../clock.js';
import { splitMessage, truncate } from '../format.js';
import type { PanelEngine } from '../ports.js';
import { subscribe, type Unsubscribe } from './subscribe.js';

export interface MonitorAlertsOptions {
  readonly api: Pick<Api, 'sendMessage'>;
  readonly engine: Pick<PanelEngine, 'events'>;
  readonly monitors: Pick<MonitorsRepository, 'get'>;
  /** Where hits of a monitor without a report chat or creator go (the first admin). */
  readonly fallbackChatId: number;
  readonly logger: Logger;
  readonly clock: Clock;
  /**
   * Hits arriving within this many ms of the first one go out as one message.
   * @default 2000
   */
  readonly windowMs?: number;
  /**
   * Longest excerpt of the matching message, in characters.
   * @default 300
   */
  readonly excerptLength?: number;
}

interface Batch {
  readonly hits: MonitorHit[];
  timer: unknown;
}

/** The link to a message: public chats by username, others by the members-only t.me/c form. */
export function messageLink(hit: Pick<MonitorHit, 'chatId' | 'chatUsername' | 'messageId'>): string {
  return hit.chatUsername ? `https://t.me/${hit.chatUsername}/${hit.messageId}` : `https://t.me/c/${hit.chatId}/${hit.messageId}`;
}

/** At most `max` characters of the text, around the keyword when it sits late in a long message. */
export function excerpt(text: string, keyword: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const at = keyword.startsWith('/') ? -1 : flat.toLowerCase().indexOf(keyword.toLowerCase());
  if (at === -1 || at + keyword.length <= max - 1) return truncate(flat, max);
  const start = Math.max(0, at - Math.floor(max / 3));
  return truncate(`…${flat.slice(start)}`, max);
}

export function renderHit(hit: MonitorHit, excerptLength = 300): string {
  const sender = hit.senderName ?? (hit.senderId !== null ? `user ${hit.senderId}` : 'someone');
  const from = hit.senderId !== null && hit.senderName ? `${sender} (id ${hit.senderId})` : sender;
  return [
    `🔔 ${hit.chatTitle ?? (hit.chatUsername ? `@${hit.chatUsername}` : `chat ${hit.chatId}`)} · monitor #${hit.monitorId}`,
    `From: ${from}`,
    `Keyword: ${hit.keyword}`,
    `“${excerpt(hit.text, hit.keyword, excerptLength)}”`,
    messageLink(hit),
  ].join('\n');
}

/** Sends monitor hits to the monitor's report chat, batching bursts into one message. */
export class MonitorAlerts {
  readonly #options: MonitorAlertsOptions;
  readonly #batches = new Map<number, Batch>();
  #unsubscribe: Unsubscribe | undefined;
  /** Hits are placed one after another: each waits for its monitor's row, and must not overtake the one before. */
  #placing: Promise<void> = Promise.resolve();

  constructor(options: MonitorAlertsOptions) {
    this.#options = options;
  }

  attach(): void {
    this.#unsubscribe ??= subscribe(this.#options.engine, {
      'monitor:hit': (hit) => {
        this.#placing = this.#placing.then(() => this.#on(hit));
      },
    });
  }

  /** Unsubscribes and sends whatever is still batched. */
  async detach(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    await this.#placing;
    await Promise.all([...this.#batches.keys()].map((chatId) => this.#flush(chatId)));
  }

  async #chatFor(hit: MonitorHit): Promise<number> {
    try {
      const monitor = await this.#options.monitors.get(hit.monitorId);
      return monitor?.reportChatId ?? monitor?.createdBy ?? this.#options.fallbackChatId;
    } catch (error) {
      // The database is unreachable: the alert still goes out, to the first admin.
      this.#options.logger.warn({ err: error, monitorId: hit.monitorId }, 'could not read a monitor; its alert goes to the first admin');
      return this.#options.fallbackChatId;
    }
  }

  async #on(hit: MonitorHit): Promise<void> {
    const chatId = await this.#chatFor(hit);
    const batch = this.#batches.get(chatId);
    if (batch) {
      batch.hits.push(hit);
      return;
    }
    const timer = this.#options.clock.setTimeout(() => void this.#flush(chatId), this.#options.windowMs ?? 2000);
    this.#batches.set(chatId, { hits: [hit], timer });
  }

  async #flush(chatId: number): Promise<void> {
    const batch = this.#batches.get(chatId);
    if (!batch) return;
    this.#batches.delete(chatId);
    this.#options.clock.clearTimeout(batch.timer);
    const body = batch.hits.map((hit) => renderHit(hit, this.#options.excerptLength)).join('\n\n');
    const text = batch.hits.length === 1 ? body : `${batch.hits.length} keyword hits:\n\n${body}`;
    for (const part of splitMessage(text)) {
      try {
        await this.#options.api.sendMessage(chatId, part, { link_preview_options: { is_disabled: true } });
      } catch (error) {
        this.#options.logger.warn({ err: error, chatId, hits: batch.hits.length }, 'could not send a monitor alert');
        return;
      }
    }
  }
}
