import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { PanelOperationEvents } from '../../../src/engine/distributed/panel-operation-events.js';
import type { StoredOperation } from '../../../src/engine/operation-store.js';
import { storedOperation } from './stored-operation.js';
import { toOperation } from '../../../src/engine/operation-view.js';
import type { EngineEvents, Operation } from '../../../src/engine/types.js';
import { until } from '../../until.js';

const row = (id: number, fields: Partial<StoredOperation> = {}): StoredOperation =>
  storedOperation(id, { assignedAccountId: 2, status: 'running', attempts: 1, reportChatId: 7, reportMessageId: 70, createdAt: 0, startedAt: 0, ...fields });

function setUp(rows: Map<number, StoredOperation>, gate?: Promise<void>) {
  const events = new EventEmitter<EngineEvents>();
  const seen: Array<[string, number, number | null, number]> = [];
  for (const event of ['operation:queued', 'operation:progress', 'operation:finished'] as const) {
    events.on(event, (op: Operation) => seen.push([event, op.id, op.reportMessageId, op.progress.done]));
  }
  const feed = new PanelOperationEvents({
    events,
    operations: {
      get: async (id) => {
        await gate;
        return rows.get(id);
      },
    },
    view: (r) => toOperation(r, 'scraping', r.assignedAccountId),
    logger: pino({ level: 'silent' }),
  });
  return { feed, seen };
}

describe('PanelOperationEvents', () => {
  it('does pass one operation’s events on in the order they came, each with the message the row knows', async () => {
    let open = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    const rows = new Map([[1, row(1)]]);
    const { feed, seen } = setUp(rows, gate);
    const sent = toOperation(row(1, { reportMessageId: null }), 'scraping', 2);
    feed.hear('operation:progress', { ...sent, progress: { done: 200, total: null } });
    // The panel stores the message meanwhile: the next event needs no row, and still comes second.
    feed.reportAt(1, 7, 70);
    feed.hear('operation:progress', { ...sent, progress: { done: 400, total: null } });
    rows.set(1, row(1, { status: 'succeeded', progressDone: 1000 }));
    feed.hear('operation:finished', { ...sent, status: 'succeeded' });
    expect(seen).toEqual([]);
    open();
    await until(() => seen.length === 3, 'the three events');
    expect(seen).toEqual([
      ['operation:progress', 1, 70, 200],
      ['operation:progress', 1, 70, 400],
      ['operation:finished', 1, 70, 1000],
    ]);
  });

  it('does resolve a wait at once for a finished row, later for a running one, and refuse an unknown id', async () => {
    const rows = new Map([
      [1, row(1, { status: 'succeeded' })],
      [2, row(2)],
    ]);
    const { feed } = setUp(rows);
    expect((await feed.waitFor(1)).status).toBe('succeeded');
    const waiting = feed.waitFor(2);
    rows.set(2, row(2, { status: 'failed' }));
    await feed.resync();
    expect((await waiting).status).toBe('failed');
    await expect(feed.waitFor(3)).rejects.toThrow('There is no operation #3.');
  });

  it('does give the operations this panel submitted the message it stores for them', async () => {
    const rows = new Map([[5, row(5, { reportMessageId: null })]]);
    const { feed, seen } = setUp(rows);
    const op = toOperation(row(5, { status: 'queued', reportMessageId: null }), 'scraping', null);
    feed.queued(op);
    feed.reportAt(5, 7, 99);
    feed.hear('operation:progress', { ...op, status: 'running', progress: { done: 1, total: null } });
    await until(() => seen.length === 2, 'the progress');
    expect(seen).toEqual([
      ['operation:queued', 5, null, 0],
      ['operation:progress', 5, 99, 1],
    ]);
  });
});
