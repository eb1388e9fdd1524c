import type { Api } from 'grammy';
import type { Logger } from 'pino';
import type { Operation } from '../../engine/types.js';
import type { Clock } from '../../clock.js';
import { accountName } from '../format.js';
import { MessageEditor, type MessageContent } from '../message-editor.js';
import type { PanelEngine } from '../ports.js';
import { isFinished, renderOperation, type ProgressSample } from '../views/operation.js';
import { subscribe, type Unsubscribe } from './subscribe.js';

export interface ProgressReporterOptions {
  readonly api: Pick<Api, 'sendMessage' | 'editMessageText'>;
  readonly engine: Pick<PanelEngine, 'events' | 'setReportMessage' | 'getAccount'>;
  readonly logger: Logger;
  readonly clock: Clock;
  /**
   * Least time between two edits of one progress message, in ms (README.md, "Chat commands": at most one edit every 3 seconds).
   * @default 3000
   */
  readonly intervalMs?: number;
}

interface Tracked {
  readonly chatId: number;
  messageId: number | null;
  sending: boolean;
  /** Sending the first message failed: the chat is unreachable, stop trying. */
  dead: boolean;
  latest: Operation;
  first: (ProgressSample & { readonly run: string }) | undefined;
}

/**
 * One live message per operation that has a report chat: sent when the operation is first seen, its id
 * stored on the operation (so a restart keeps editing the same message), then edited through a
 * {@link MessageEditor} — at most once per interval, latest state wins, never unchanged.
 */
export class ProgressReporter {
  readonly editor: MessageEditor;
  readonly #api: ProgressReporterOptions['api'];
  readonly #engine: ProgressReporterOptions['engine'];
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #tracked = new Map<number, Tracked>();
  /** Account names by id, for an engine that answers later (see #accountName). */
  readonly #names = new Map<number, string | undefined>();
  #unsubscribe: Unsubscribe | undefined;

  constructor(options: ProgressReporterOptions) {
    this.#api = options.api;
    this.#engine = options.engine;
    this.#log = options.logger;
    this.#clock = options.clock;
    this.editor = new MessageEditor({ api: options.api, logger: options.logger, clock: options.clock, intervalMs: options.intervalMs ?? 3000 });
  }

  /** Subscribes to the engine's operation events. Attach before `engine.start()` so resumed work is reported. */
  attach(): void {
    if (this.#unsubscribe) return;
    const listener = (op: Operation) => this.#on(op);
    this.#unsubscribe = subscribe(this.#engine, {
      'operation:queued': listener,
      'operation:started': listener,
      'operation:progress': listener,
      'operation:finished': listener,
      // A name looked up once stays right: a renamed or re-profiled account says so here.
      'account:state': (account) => {
        if (this.#names.has(account.id)) this.#names.set(account.id, accountName(account));
      },
    });
  }

  /** Unsubscribes and drops pending edits. */
  detach(): void {
    if (!this.#unsubscribe) return;
    this.#unsubscribe();
    this.#unsubscribe = undefined;
    this.editor.dispose();
    this.#tracked.clear();
  }

  /** Operations with a message being kept up to date. */
  get tracking(): number {
    return this.#tracked.size;
  }

  #on(op: Operation): void {
    if (op.reportChatId === null) return;
    let tracked = this.#tracked.get(op.id);
    if (!tracked) {
      tracked = { chatId: op.reportChatId, messageId: op.reportMessageId, sending: false, dead: false, latest: op, first: undefined };
      this.#tracked.set(op.id, tracked);
    }
    if (tracked.dead) {
      if (isFinished(op)) this.#tracked.delete(op.id);
      return;
    }
    tracked.latest = op;
    if (op.status === 'running') {
      // The rate is measured per run: a move to another account resumes from a checkpoint.
      const run = `${op.attempts}:${op.accountId ?? ''}`;
      if (tracked.first?.run !== run) tracked.first = { run, at: this.#clock.now(), done: op.progress.done };
    }
    if (tracked.messageId === null) {
      if (!tracked.sending) void this.#send(op.id, tracked);
      return;
    }
    this.#push(op.id, tracked);
  }

  #render(tracked: Tracked): MessageContent {
    const op = tracked.latest;
    const account = op.accountId !== null ? this.#accountName(op.accountId) : undefined;
    return renderOperation(op, { now: this.#clock.now(), ...(tracked.first ? { first: tracked.first } : {}), ...(account ? { account } : {}) });
  }

  /**
   * The account's name for a progress line, which is drawn without waiting: an engine that answers at once is asked
   * each time; one that answers later (a panel's, over the database) is asked once per account, and the name is shown
   * from the next edit on.
   */
  #accountName(id: number): string | undefined {
    if (this.#names.has(id)) return this.#names.get(id);
    const found = this.#engine.getAccount(id);
    if (!(found instanceof Promise)) return found ? accountName(found) : undefined;
    this.#names.set(id, undefined);
    found.then(
      (account) => {
        if (account) this.#names.set(id, accountName(account));
        else this.#names.delete(id);
      },
      (error: unknown) => {
        this.#names.delete(id);
        this.#log.warn({ err: error, accountId: id }, 'could not look up the account of a progress message');
      },
    );
    return undefined;
  }

  async #send(opId: number, tracked: Tracked): Promise<void> {
    tracked.sending = true;
    const content = this.#render(tracked);
    try {
      const message = await this.#api.sendMessage(tracked.chatId, content.text, content.keyboard ? { reply_markup: content.keyboard } : {});
      tracked.messageId = message.message_id;
      this.editor.seed({ chatId: tracked.chatId, messageId: message.message_id }, content);
      try {
        await this.#engine.setReportMessage(opId, tracked.chatId, message.message_id);
      } catch (error) {
        this.#log.warn({ err: error, operationId: opId }, 'could not store the progress message id');
      }
    } catch (error) {
      tracked.dead = true;
      this.#log.warn({ err: error, operationId: opId, chatId: tracked.chatId }, 'could not send a progress message');
      if (isFinished(tracked.latest)) this.#tracked.delete(opId);
      return;
    } finally {
      tracked.sending = false;
    }
    // Whatever happened while the message was on its way is shown now (the editor skips no-ops).
    this.#push(opId, tracked);
  }

  #push(opId: number, tracked: Tracked): void {
    if (tracked.messageId === null) return;
    const final = isFinished(tracked.latest);
    this.editor.update({ chatId: tracked.chatId, messageId: tracked.messageId }, this.#render(tracked), { final });
    if (final) this.#tracked.delete(opId);
  }
}
