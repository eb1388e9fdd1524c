import { InlineKeyboard, type Api } from 'grammy';
import type { Logger } from 'pino';
import type { KvRepository } from '../../db/repositories/kv.js';
import type { ScrapeResult } from '../../engine/operations/scrape.js';
import type { Operation } from '../../engine/types.js';
import { callbackData } from '../callback-data.js';
import { failureReason, formatNumber, MAX_MESSAGE_LENGTH, progressBar, truncate } from '../format.js';
import type { MessageContent, MessageEditor } from '../message-editor.js';
import type { BulkRequests, PanelEngine } from '../ports.js';
import { coverageSplit, foundOf } from '../views/coverage.js';
import { isFinished } from '../views/operation.js';
import { subscribe, type Unsubscribe } from './subscribe.js';

export interface BulkTrackerOptions {
  readonly api: Pick<Api, 'sendMessage'>;
  readonly engine: Pick<PanelEngine, 'events' | 'getOperation' | 'cancel'>;
  readonly kv: KvRepository;
  readonly editor: MessageEditor;
  readonly logger: Logger;
}

/** What is stored of a group, so its summary still comes after a restart. */
interface StoredGroup {
  readonly id: number;
  readonly chatId: number;
  messageId: number | null;
  readonly items: ReadonlyArray<readonly [opId: number, target: string]>;
}

interface Group extends StoredGroup {
  readonly targets: ReadonlyMap<number, string>;
  readonly latest: Map<number, Operation>;
  sending: boolean;
}

const INDEX_KEY = 'bulk:index';
const groupKey = (id: number) => `bulk:${id}`;

/**
 * Follows the operations of one /bulk request as a group with a single message: counts while they
 * run, then a ✅/❌/⏹ summary with a line per chat.
 */
export class BulkTracker implements BulkRequests {
  readonly #options: BulkTrackerOptions;
  readonly #groups = new Map<number, Group>();
  readonly #byOp = new Map<number, Group>();
  #unsubscribe: Unsubscribe | undefined;
  /** Writes of the stored state, one at a time in the order they are made (the index is read, changed, written). */
  #writes: Promise<void> = Promise.resolve();

  constructor(options: BulkTrackerOptions) {
    this.#options = options;
  }

  /** Subscribes to the engine's operation events (no I/O). */
  attach(): void {
    if (this.#unsubscribe) return;
    const listener = (op: Operation) => this.#on(op);
    this.#unsubscribe = subscribe(this.#options.engine, { 'operation:started': listener, 'operation:finished': listener });
  }

  /** Picks up the groups of an earlier run: their messages are brought up to date, finished ones summed up. */
  async restore(): Promise<void> {
    for (const id of await this.#index()) {
      if (this.#groups.has(id)) continue;
      const text = await this.#options.kv.get(groupKey(id));
      if (!text) continue;
      const stored = JSON.parse(text) as StoredGroup;
      const group = this.#track(stored);
      for (const [opId] of stored.items) {
        const op = await this.#options.engine.getOperation(opId);
        if (op) group.latest.set(opId, op);
      }
      this.#refresh(group);
    }
  }

  /** Unsubscribes and forgets the groups in memory; their stored state stays for `restore` once this resolves. */
  async detach(): Promise<void> {
    if (this.#unsubscribe) {
      this.#unsubscribe();
      this.#unsubscribe = undefined;
      this.#groups.clear();
      this.#byOp.clear();
    }
    await this.#writes;
  }

  /** Starts following the operations just submitted for one request; returns the group's id. */
  async track(chatId: number, items: ReadonlyArray<{ readonly operation: Operation; readonly target: string }>): Promise<number> {
    const first = items[0];
    if (!first) throw new RangeError('a bulk group needs at least one operation');
    const stored: StoredGroup = { id: first.operation.id, chatId, messageId: null, items: items.map((i) => [i.operation.id, i.target] as const) };
    const group = this.#track(stored);
    for (const item of items) group.latest.set(item.operation.id, (await this.#options.engine.getOperation(item.operation.id)) ?? item.operation);
    this.#save(group);
    this.#changeIndex((ids) => [...new Set([...ids, group.id])]);
    this.#refresh(group);
    return group.id;
  }

  /** Cancels every unfinished operation of a group; how many were asked to stop, or undefined when unknown. */
  async cancel(groupId: number): Promise<number | undefined> {
    const group = this.#groups.get(groupId);
    if (!group) return undefined;
    let n = 0;
    for (const [opId] of group.items) {
      const op = group.latest.get(opId);
      if (op && isFinished(op)) continue;
      const result = await this.#options.engine.cancel(opId, 'Cancelled with the rest of the bulk request.');
      if (result.kind === 'cancelled' || result.kind === 'cancelling') n += 1;
    }
    return n;
  }

  has(groupId: number): boolean {
    return this.#groups.has(groupId);
  }

  #track(stored: StoredGroup): Group {
    const group: Group = { ...stored, targets: new Map(stored.items), latest: new Map(), sending: false };
    this.#groups.set(group.id, group);
    for (const [opId] of stored.items) this.#byOp.set(opId, group);
    return group;
  }

  async #index(): Promise<number[]> {
    const text = await this.#options.kv.get(INDEX_KEY);
    return text ? (JSON.parse(text) as number[]) : [];
  }

  /**
   * Storing is not waited for: a group whose state could not be stored is still followed, only its summary would not
   * come after a restart.
   */
  #write(work: () => Promise<unknown>): void {
    this.#writes = this.#writes
      .then(work)
      .then(
        () => undefined,
        (error: unknown) => this.#options.logger.warn({ err: error }, 'could not store the state of a bulk group'),
      );
  }

  #changeIndex(change: (ids: number[]) => number[]): void {
    this.#write(async () => this.#options.kv.set(INDEX_KEY, JSON.stringify(change(await this.#index()))));
  }

  #save(group: Group): void {
    const stored: StoredGroup = { id: group.id, chatId: group.chatId, messageId: group.messageId, items: group.items };
    this.#write(() => this.#options.kv.set(groupKey(group.id), JSON.stringify(stored)));
  }

  #forget(group: Group): void {
    this.#groups.delete(group.id);
    for (const [opId] of group.items) this.#byOp.delete(opId);
    this.#write(() => this.#options.kv.delete(groupKey(group.id)));
    this.#changeIndex((ids) => ids.filter((id) => id !== group.id));
  }

  #on(op: Operation): void {
    const group = this.#byOp.get(op.id);
    if (!group) return;
    group.latest.set(op.id, op);
    this.#refresh(group);
  }

  #done(group: Group): boolean {
    return group.items.every(([opId]) => {
      const op = group.latest.get(opId);
      // An operation that vanished from the database cannot finish any more: it counts as failed.
      return op === undefined || isFinished(op);
    });
  }

  #refresh(group: Group): void {
    if (group.messageId === null) {
      if (!group.sending) void this.#send(group);
      return;
    }
    const done = this.#done(group);
    this.#options.editor.update({ chatId: group.chatId, messageId: group.messageId }, renderBulk(group.items, group.latest), { final: done });
    if (done) this.#forget(group);
  }

  async #send(group: Group): Promise<void> {
    group.sending = true;
    const content = renderBulk(group.items, group.latest);
    try {
      const message = await this.#options.api.sendMessage(group.chatId, content.text, content.keyboard ? { reply_markup: content.keyboard } : {});
      group.messageId = message.message_id;
      this.#options.editor.seed({ chatId: group.chatId, messageId: message.message_id }, content);
      if (this.#groups.has(group.id)) this.#save(group);
    } catch (error) {
      this.#options.logger.warn({ err: error, chatId: group.chatId, group: group.id }, 'could not send the bulk progress message');
      this.#forget(group);
      return;
    } finally {
      group.sending = false;
    }
    this.#refresh(group);
  }
}

/** The group's message: counts while running, a summary with a line per chat when all have ended. */
export function renderBulk(items: ReadonlyArray<readonly [number, string]>, latest: ReadonlyMap<number, Operation>): MessageContent {
  const ops = items.map(([opId, target]) => ({ target, op: latest.get(opId) }));
  const count = (status: Operation['status']) => ops.filter((entry) => entry.op?.status === status).length;
  const succeeded = count('succeeded');
  const failed = count('failed') + ops.filter((entry) => entry.op === undefined).length;
  const cancelled = count('cancelled');
  const finished = succeeded + failed + cancelled;
  const total = ops.length;
  const groupId = items[0]?.[0] ?? 0;
  if (finished < total) {
    const text = [
      `⏳ Bulk scrape of ${total} chat${total === 1 ? '' : 's'}`,
      `${progressBar(finished / total)} ${finished}/${total} finished`,
      `✅ ${succeeded} · ❌ ${failed} · ⏹ ${cancelled} · running ${count('running')} · waiting ${count('queued')}`,
    ].join('\n');
    return { text, keyboard: new InlineKeyboard().text('⏹ Cancel all', callbackData.bulkCancel(groupId)) };
  }
  const icon = succeeded > 0 ? '✅' : cancelled === total ? '⏹' : '❌';
  let found = 0;
  let fresh = 0;
  const lines = ops.map(({ target, op }) => {
    if (op?.status === 'succeeded') {
      const r = op.result as ScrapeResult | null;
      found += r?.found ?? 0;
      fresh += r?.new ?? 0;
      if (!r) return `✅ ${target}: done`;
      const split = coverageSplit(r, 'short');
      return `✅ ${target}: ${foundOf(r)}${split ? ` — ${split}` : ''}`;
    }
    if (op?.status === 'cancelled') return `⏹ ${target}: cancelled`;
    return `❌ ${target}: ${truncate(op ? failureReason(op) : 'unknown', 160)}`;
  });
  const head = [
    `${icon} Bulk scrape finished: ${succeeded} of ${total} chat${total === 1 ? '' : 's'} scraped${failed > 0 ? `, ${failed} failed` : ''}${cancelled > 0 ? `, ${cancelled} cancelled` : ''}.`,
    `Members found: ${formatNumber(found)} (${formatNumber(fresh)} new)`,
    '',
  ].join('\n');
  let text = head;
  for (let i = 0; i < lines.length; i += 1) {
    const line = `${lines[i]}\n`;
    const more = `…and ${lines.length - i} more`;
    if (text.length + line.length + more.length + 1 > MAX_MESSAGE_LENGTH) {
      text += more;
      break;
    }
    text += line;
  }
  return { text: text.trimEnd() };
}
