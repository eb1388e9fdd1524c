import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { SqlExecutor } from '../../../src/db/sql/sql-port.js';
import { MirrorOperations, type Fence, type OperationWrites } from '../../../src/engine/distributed/mirror-operation-store.js';
import { WriteBehind } from '../../../src/engine/distributed/write-behind.js';
import type { StoredOperation } from '../../../src/engine/operation-store.js';
import { storedOperation } from './stored-operation.js';

const t0 = 1_800_000_000_000;

const operation = (id: number, fields: Partial<StoredOperation> = {}): StoredOperation => storedOperation(id, fields, t0);

/**
 * A worker's operation mirror over a real write-behind whose queue the test holds shut (`open()`), a fence that
 * records the account each write was fenced by, and writes that do nothing.
 */
function mirror() {
  const writes = new WriteBehind({ logger: pino({ level: 'silent' }) });
  let open!: () => void;
  const shut = new Promise<void>((resolve) => (open = resolve));
  void writes.push('held shut by the test', () => shut);
  const fenced: Array<number | null> = [];
  const fence: Fence = (accountId, body) => {
    fenced.push(accountId);
    return body({} as SqlExecutor);
  };
  const done = async (): Promise<void> => undefined;
  const repo: OperationWrites = {
    markRunning: done,
    progress: done,
    assign: done,
    saveCheckpoint: done,
    lockedCheckpoint: async () => undefined,
    unassign: async () => true,
    requeue: done,
    finish: done,
    recordRetry: done,
    recordFlood: done,
    setReportMessage: done,
  };
  const operations = new MirrorOperations(writes, repo, fence);
  return {
    operations,
    writes,
    /** The accounts the writes were fenced by, in order. */
    accounts: () => fenced,
    open: () => open(),
  };
}

describe('MirrorOperations', () => {
  it('fences a requeue by the account it was bound to when made, though the account was let go before it ran', async () => {
    const m = mirror();
    m.operations.remember(operation(1, { assignedAccountId: 3, status: 'running' }));
    // The lease of account 3 was lost: its operation stops and is requeued, then the account is let go.
    m.operations.requeue(1, null, null, t0);
    m.operations.forgetBoundTo(3);
    m.open();
    await m.writes.settled();
    // Fenced by account 3, the write of a stale holder is refused; unfenced, it would overwrite the new holder's row.
    expect(m.accounts()).toEqual([3]);
  });

  it('fences each write by the account of its own moment, not of when it runs', async () => {
    const m = mirror();
    m.operations.remember(operation(2, { pinnedAccountId: null }));
    m.operations.markRunning(2, 3, t0);
    m.operations.saveCheckpoint(2, { page: 1 }, t0);
    m.operations.placed(2, 4, t0 + 1);
    m.operations.setReportMessage(2, 10, 20, t0 + 2);
    m.open();
    await m.writes.settled();
    expect(m.accounts()).toEqual([3, 3, 4, 4]);
  });

  it('fences a checkpoint with its data by the account bound when it was saved', async () => {
    const m = mirror();
    m.operations.remember(operation(5, { assignedAccountId: 3 }));
    const saved = m.operations.saveCheckpointWith(5, t0, async () => 'page', { page: 2 });
    m.operations.forgetBoundTo(3);
    m.open();
    expect(await saved).toEqual({ result: 'page', value: { page: 2 } });
    expect(m.accounts()).toEqual([3]);
  });

  it('fences progress by the account it was reported on', async () => {
    const m = mirror();
    m.operations.remember(operation(6, { assignedAccountId: 3 }));
    m.operations.progress(6, 10, 100, t0);
    m.operations.placed(6, 4, t0 + 1);
    m.operations.flush();
    m.open();
    await m.writes.settled();
    expect(m.accounts()).toEqual([4, 3]);
  });
});
