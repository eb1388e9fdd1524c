import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { OperationsRepository } from '../../db/repositories/operations.js';
import type { StoredOperation } from '../operation-store.js';
import type { EngineEvents, Operation } from '../types.js';

export interface PanelOperationEventsOptions {
  /** The panel engine's emitter, which the bot's services follow. */
  readonly events: EventEmitter<EngineEvents>;
  readonly operations: Pick<OperationsRepository, 'get'>;
  /** The public view of a stored row. */
  readonly view: (row: StoredOperation) => Operation;
  readonly logger: Logger;
}

type Report = { readonly chatId: number | null; readonly messageId: number | null };

/** The operation events a worker sends over the bus. */
export type WorkerOperationEvent = 'operation:started' | 'operation:progress' | 'operation:finished';

/**
 * The operations' side of a panel's events (docs/several-processes.md, "The panel"): what workers tell of their
 * operations is passed on to the bot as the engine of one process would emit it. A worker does not know which chat
 * message shows an operation's progress — the panel sets it after the row was written — so each event gets it from
 * here (or, the first time since this panel started, from the row); every finish is taken from the row, which is the
 * record. Events of one operation are passed on in the order they came, even when one waits for its row.
 */
export class PanelOperationEvents {
  readonly #o: PanelOperationEventsOptions;
  /** Where each followed operation's progress message is. */
  readonly #reports = new Map<number, Report>();
  readonly #chains = new Map<number, Promise<void>>();
  readonly #waiters = new Map<number, Array<(op: Operation) => void>>();

  constructor(options: PanelOperationEventsOptions) {
    this.#o = options;
  }

  /** An operation this panel just submitted: announced, and followed from now on. */
  queued(op: Operation): void {
    this.#reports.set(op.id, { chatId: op.reportChatId, messageId: null });
    this.#o.events.emit('operation:queued', op);
  }

  /** Where the operation's progress message is now. */
  reportAt(id: number, chatId: number | null, messageId: number | null): void {
    this.#reports.set(id, { chatId, messageId });
  }

  /** An event a worker sent. */
  hear(event: WorkerOperationEvent, op: Operation): void {
    this.#inOrder(op.id, () => this.#deliver(event, op));
  }

  /** The operation finished (a worker said so, or the panel cancelled it in its row). */
  finished(op: Operation): void {
    this.#reports.delete(op.id);
    this.#o.events.emit('operation:finished', op);
    const waiters = this.#waiters.get(op.id);
    this.#waiters.delete(op.id);
    for (const resolve of waiters ?? []) resolve(op);
  }

  /** Resolves with the operation once it finished, at once if its row says it has. */
  async waitFor(id: number): Promise<Operation> {
    const waiting = new Promise<Operation>((resolve) => {
      const list = this.#waiters.get(id) ?? [];
      list.push(resolve);
      this.#waiters.set(id, list);
    });
    // Waiting first, then read: a finish between the two is not missed.
    const row = await this.#o.operations.get(id);
    if (row === undefined) {
      this.#waiters.delete(id);
      throw new Error(`There is no operation #${id}.`);
    }
    if (row.status !== 'queued' && row.status !== 'running') this.finished(this.#o.view(row));
    return waiting;
  }

  /** After the bus lost its connection: finishes missed meanwhile are read from the rows. */
  async resync(): Promise<void> {
    for (const id of new Set([...this.#waiters.keys(), ...this.#reports.keys()])) {
      const row = await this.#o.operations.get(id).catch(() => undefined);
      if (row !== undefined && row.status !== 'queued' && row.status !== 'running') this.#inOrder(id, async () => this.finished(this.#o.view(row)));
    }
  }

  #inOrder(id: number, body: () => Promise<void>): void {
    const next = (this.#chains.get(id) ?? Promise.resolve())
      .then(body)
      .catch((error: unknown) => this.#o.logger.warn({ err: error, operationId: id }, 'could not pass on an operation event'));
    this.#chains.set(id, next);
    void next.finally(() => {
      if (this.#chains.get(id) === next) this.#chains.delete(id);
    });
  }

  async #deliver(event: WorkerOperationEvent, sent: Operation): Promise<void> {
    if (event === 'operation:finished') {
      // The row is the record: the event may have gone without its result (too big for the bus).
      const row = await this.#o.operations.get(sent.id);
      this.finished(row ? { ...this.#o.view(row), accountId: sent.accountId ?? row.assignedAccountId } : this.#withReport(sent, undefined));
      return;
    }
    let report = this.#reports.get(sent.id);
    if (report === undefined) {
      // First news of it since this panel started: where its message is, the row knows.
      const row = await this.#o.operations.get(sent.id);
      report = { chatId: row?.reportChatId ?? sent.reportChatId, messageId: row?.reportMessageId ?? null };
      this.#reports.set(sent.id, report);
    }
    this.#o.events.emit(event, this.#withReport(sent, report));
  }

  #withReport(op: Operation, report: Report | undefined): Operation {
    const known = report ?? this.#reports.get(op.id);
    return known ? { ...op, reportChatId: known.chatId ?? op.reportChatId, reportMessageId: known.messageId ?? op.reportMessageId } : op;
  }
}
