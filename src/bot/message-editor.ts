import { GrammyError, type Api } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';

/** What a message shows. */
export interface MessageContent {
  readonly text: string;
  /** Inline buttons; none when absent. */
  readonly keyboard?: InlineKeyboardMarkup;
}

export interface MessageRef {
  readonly chatId: number;
  readonly messageId: number;
}

export interface MessageEditorOptions {
  readonly api: Pick<Api, 'editMessageText'>;
  readonly logger: Logger;
  readonly clock: Clock;
  /**
   * Least time between two edits of one message, in ms.
   * @default 3000
   */
  readonly intervalMs?: number;
}

interface Slot {
  /** What the message shows now (its comparison key). */
  shown: string | null;
  lastEditAt: number | null;
  pending: MessageContent | null;
  timer: unknown;
  inFlight: boolean;
  final: boolean;
  onIdle: Array<() => void>;
}

/** Whether an edit failed only because the message already shows that content. */
export function isNotModified(error: unknown): boolean {
  return error instanceof GrammyError && /message is not modified/i.test(error.description);
}

export const contentKey = (content: MessageContent): string => JSON.stringify([content.text, content.keyboard?.inline_keyboard ?? []]);

/**
 * Edits messages at most once per interval each, latest state wins, and never with what the message
 * already shows. Edits of a message run one at a time, so they cannot arrive out of order.
 */
export class MessageEditor {
  readonly #api: Pick<Api, 'editMessageText'>;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #interval: number;
  readonly #slots = new Map<string, Slot>();
  #edits = 0;

  constructor(options: MessageEditorOptions) {
    this.#api = options.api;
    this.#log = options.logger;
    this.#clock = options.clock;
    this.#interval = options.intervalMs ?? 3000;
  }

  /** Edits sent so far (for tests and metrics). */
  get edits(): number {
    return this.#edits;
  }

  /** Records what a message shows right after it was sent, so an identical edit is skipped. */
  seed(ref: MessageRef, content: MessageContent): void {
    const slot = this.#slot(ref);
    slot.shown = contentKey(content);
  }

  /**
   * Asks for the message to show `content`. With `final`, later non-final updates are ignored and the
   * message is forgotten once the final content is shown.
   */
  update(ref: MessageRef, content: MessageContent, options: { final?: boolean } = {}): void {
    const slot = this.#slot(ref);
    if (slot.final && !options.final) return;
    slot.pending = content;
    if (options.final) slot.final = true;
    this.#schedule(ref, slot);
  }

  /** Resolves when the message has no pending or running edit. */
  idle(ref: MessageRef): Promise<void> {
    const slot = this.#slots.get(key(ref));
    if (!slot || (!slot.inFlight && slot.timer === undefined)) return Promise.resolve();
    return new Promise((resolve) => slot.onIdle.push(resolve));
  }

  /** Drops every pending edit (shutdown). */
  dispose(): void {
    for (const slot of this.#slots.values()) {
      if (slot.timer !== undefined) this.#clock.clearTimeout(slot.timer);
      slot.timer = undefined;
      slot.pending = null;
      for (const resolve of slot.onIdle.splice(0)) resolve();
    }
    this.#slots.clear();
  }

  #slot(ref: MessageRef): Slot {
    const k = key(ref);
    let slot = this.#slots.get(k);
    if (!slot) {
      slot = { shown: null, lastEditAt: null, pending: null, timer: undefined, inFlight: false, final: false, onIdle: [] };
      this.#slots.set(k, slot);
    }
    return slot;
  }

  #schedule(ref: MessageRef, slot: Slot): void {
    if (slot.inFlight || slot.timer !== undefined) return;
    const wait = slot.lastEditAt === null ? 0 : slot.lastEditAt + this.#interval - this.#clock.now();
    if (wait <= 0) {
      void this.#fire(ref, slot);
      return;
    }
    slot.timer = this.#clock.setTimeout(() => {
      slot.timer = undefined;
      void this.#fire(ref, slot);
    }, wait);
  }

  async #fire(ref: MessageRef, slot: Slot): Promise<void> {
    const content = slot.pending;
    slot.pending = null;
    if (content && contentKey(content) !== slot.shown) {
      slot.inFlight = true;
      slot.lastEditAt = this.#clock.now();
      this.#edits += 1;
      try {
        await this.#api.editMessageText(ref.chatId, ref.messageId, content.text, { reply_markup: content.keyboard ?? { inline_keyboard: [] } });
        slot.shown = contentKey(content);
      } catch (error) {
        if (isNotModified(error)) slot.shown = contentKey(content);
        else this.#log.warn({ err: error, chatId: ref.chatId, messageId: ref.messageId }, 'could not edit a progress message');
      } finally {
        slot.inFlight = false;
      }
    }
    if (slot.pending) {
      this.#schedule(ref, slot);
      return;
    }
    for (const resolve of slot.onIdle.splice(0)) resolve();
    if (slot.final && this.#slots.get(key(ref)) === slot) this.#slots.delete(key(ref));
  }
}

const key = (ref: MessageRef) => `${ref.chatId}:${ref.messageId}`;
