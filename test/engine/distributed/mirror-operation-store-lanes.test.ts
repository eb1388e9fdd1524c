import { describe, expect, it } from 'vitest';
import type { SqlExecutor } from '../../../src/db/sql/sql-port.js';
import { MirrorOperations, type Fence, type OperationWrites } from '../../../src/engine/distributed/mirror-operation-store.js';
import { WriteBehind } from '../../../src/engine/distributed/write-behind.js';
import { until } from '../../until.js';
import { silentLogger } from '../harness.js';
import { storedOperation } from './stored-operation.js';

const t0 = 1_800_000_000_000;

/** One transaction of the fake fence: what was written on it, and whether it committed. */
interface Transaction {
  readonly writes: string[];
  committed: boolean;
}

/**
 * An operation mirror whose fence opens a transaction of its own for every write (a distinct executor each), and whose
 * repository records each write on the transaction it was given, so a test can tell which writes committed together
 * and in which order the transactions committed.
 */
function mirror() {
  const transactions: Transaction[] = [];
  const committed: string[] = [];
  const executors = new WeakMap<SqlExecutor, Transaction>();
  const fence: Fence = async (_accountId, body) => {
    const transaction: Transaction = { writes: [], committed: false };
    transactions.push(transaction);
    const tx = { dialect: 'postgres' } as SqlExecutor;
    executors.set(tx, transaction);
    const result = await body(tx);
    transaction.committed = true;
    committed.push(...transaction.writes);
    return result;
  };
  const on = (tx: SqlExecutor, what: string): Promise<void> => {
    const transaction = executors.get(tx);
    if (transaction === undefined) throw new Error(`${what} was written outside a transaction of the fence`);
    transaction.writes.push(what);
    return Promise.resolve();
  };
  const repo: OperationWrites = {
    markRunning: (id, _account, _now, tx) => on(tx, `running #${id}`),
    progress: (id, done, _total, _now, tx) => on(tx, `progress #${id} ${done}`),
    assign: (id, _account, _now, tx) => on(tx, `assign #${id}`),
    // A checkpoint of a later step is quicker to write: only the operation's order keeps it from overtaking.
    saveCheckpoint: async (id, value, _now, tx) => {
      const step = (value as { step?: number }).step;
      if (step !== undefined) for (let i = step; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
      await on(tx, `checkpoint #${id} ${JSON.stringify(value)}`);
    },
    lockedCheckpoint: async () => undefined,
    unassign: async () => true,
    requeue: (id, _notBefore, _error, _now, tx) => on(tx, `requeue #${id}`),
    finish: (op, _record, _account, _now, tx) => on(tx, `finish #${op.id}`),
    recordRetry: (kind, _now, tx) => on(tx, `retry ${kind}`),
    recordFlood: (kind, _account, _op, _method, _seconds, _action, _now, tx) => on(tx, `flood ${kind}`),
    setReportMessage: (id, _chat, _message, _now, tx) => on(tx, `report #${id}`),
  };
  const writes = new WriteBehind({ logger: silentLogger() });
  const operations = new MirrorOperations(writes, repo, fence);
  return { operations, writes, transactions, committed, on };
}

/** A page store the test lets finish: `end()` lets the page's write (and so its transaction) go on. */
function heldPage() {
  let end!: () => void;
  const ended = new Promise<void>((resolve) => (end = resolve));
  return { started: false, end: () => end(), ended };
}

describe('MirrorOperations', () => {
  it("does not hold one operation's checkpoint behind another operation's page still being stored", async () => {
    const m = mirror();
    m.operations.remember(storedOperation(1, { assignedAccountId: 3, status: 'running' }, t0));
    m.operations.remember(storedOperation(2, { assignedAccountId: 4, status: 'running' }, t0));
    const slow = heldPage();
    const first = m.operations.saveCheckpointWith(
      1,
      t0,
      async (tx) => {
        slow.started = true;
        await slow.ended;
        await m.on(tx!, 'page of #1');
        return 'page 1';
      },
      { offset: 200 },
    );
    await until(() => slow.started, 'the page of #1 to be on its way');

    const second = await m.operations.saveCheckpointWith(1 + 1, t0, (tx) => m.on(tx!, 'page of #2').then(() => 'page 2'), { offset: 200 });
    expect(second.result).toBe('page 2');
    expect(m.committed).toEqual(['page of #2', 'checkpoint #2 {"offset":200}']);

    slow.end();
    expect((await first).result).toBe('page 1');
  });

  it("does commit a page with its checkpoint and keep the operation's later writes behind them", async () => {
    const m = mirror();
    m.operations.remember(storedOperation(1, { assignedAccountId: 3 }, t0));
    m.operations.markRunning(1, 3, t0);
    const slow = heldPage();
    const saved = m.operations.saveCheckpointWith(
      1,
      t0 + 1,
      async (tx) => {
        slow.started = true;
        await slow.ended;
        await m.on(tx!, 'page of #1');
        return 200;
      },
      (inserted: number) => ({ offset: 200, inserted }),
    );
    // Made while the page is being stored: they must land after it, never before or inside its transaction.
    m.operations.setReportMessage(1, 10, 20, t0 + 2);
    m.operations.finish(storedOperation(1, { assignedAccountId: 3, status: 'running' }, t0), { status: 'succeeded', durationMs: 1 }, 3, t0 + 3);
    await until(() => slow.started, 'the page to be on its way');
    // Let the event loop turn: a write of #1 not queued behind the page would commit now.
    for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
    expect(m.committed).toEqual(['running #1']);

    slow.end();
    expect(await saved).toEqual({ result: 200, value: { offset: 200, inserted: 200 } });
    await m.writes.settled();
    expect(m.committed).toEqual(['running #1', 'page of #1', 'checkpoint #1 {"offset":200,"inserted":200}', 'report #1', 'finish #1']);
    // The page and its checkpoint in one transaction, on their own.
    const pageTransaction = m.transactions.find((t) => t.writes.includes('page of #1'));
    expect(pageTransaction).toEqual({ writes: ['page of #1', 'checkpoint #1 {"offset":200,"inserted":200}'], committed: true });
  });

  it('does keep the order of each operation while the writes of several interleave', async () => {
    const m = mirror();
    for (const id of [1, 2, 3]) m.operations.remember(storedOperation(id, { assignedAccountId: id }, t0));
    for (let step = 0; step < 5; step += 1) {
      for (const id of [1, 2, 3]) m.operations.saveCheckpoint(id, { step }, t0 + step);
    }
    await m.writes.settled();
    for (const id of [1, 2, 3]) {
      expect(m.committed.filter((w) => w.startsWith(`checkpoint #${id} `))).toEqual(
        [0, 1, 2, 3, 4].map((step) => `checkpoint #${id} {"step":${step}}`),
      );
    }
  });
});
