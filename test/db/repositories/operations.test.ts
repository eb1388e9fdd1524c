import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { createDatabase } from '../../../src/db/client.js';
import type { AnyDatabaseHandle } from '../../../src/db/open-database.js';
import { createOperationsRepository, type OperationsRepository } from '../../../src/db/repositories/operations.js';
import type { SqlExecutor } from '../../../src/db/sql/sql-port.js';
import { createOperationStore, type FinishRecord, type NewOperation, type StoredOperation } from '../../../src/engine/operation-store.js';
import { describeEachDialect } from '../dialects.js';

const op = (overrides: Partial<NewOperation> = {}): NewOperation => ({
  kind: 'scrape',
  params: { target: '@chat' },
  pinnedAccountId: null,
  priority: 0,
  requestedBy: null,
  reportChatId: null,
  parentId: null,
  ...overrides,
});

async function addAccount(db: SqlExecutor, phone: string): Promise<number> {
  const row = await db.get<{ id: number }>(sql`INSERT INTO accounts (phone) VALUES (${phone}) RETURNING id`);
  return Number(row?.id);
}

/** One finished operation of the parity sequence. */
interface Step {
  readonly kind: string;
  readonly record: FinishRecord;
  /** Index into the accounts, or null for none. */
  readonly account: number | null;
}

const steps: readonly Step[] = [
  { kind: 'scrape', record: { status: 'succeeded', result: { members: 3 }, durationMs: 1200.4 }, account: 0 },
  { kind: 'scrape', record: { status: 'failed', errorKind: 'private', errorMessage: 'private chat', durationMs: 300 }, account: 0 },
  { kind: 'scrape', record: { status: 'succeeded', durationMs: 5000 }, account: 1 },
  { kind: 'join', record: { status: 'cancelled', errorKind: 'cancelled', durationMs: -5 }, account: null },
  { kind: 'join', record: { status: 'failed', errorKind: 'flood', errorMessage: 'wait', durationMs: 10.6 }, account: 1 },
  { kind: 'scrape', record: { status: 'succeeded', durationMs: 40 }, account: 1 },
];

interface StatsRow {
  kind: string;
  total: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  retries: number;
  flood_waits: number;
  duration_ms_total: number;
  duration_ms_max: number;
  updated_at: number;
}

interface Persisted {
  stats: StatsRow[];
  accounts: Array<{ phone: string; ops_total: number; ops_failed: number; flood_waits: number; updated_at: number }>;
  floods: Array<{ account_id: number | null; operation_id: number | null; method: string | null; seconds: number; action: string; at: number }>;
  operations: Array<{ id: number; status: string; result: string | null; error_kind: string | null; error_message: string | null; finished_at: number | null }>;
}

async function persisted(db: SqlExecutor): Promise<Persisted> {
  return {
    stats: await db.all<StatsRow>(sql`
      SELECT kind, total, succeeded, failed, cancelled, retries, flood_waits, duration_ms_total, duration_ms_max, updated_at
      FROM operation_stats ORDER BY kind`),
    accounts: await db.all(sql`SELECT phone, ops_total, ops_failed, flood_waits, updated_at FROM accounts ORDER BY id`),
    floods: await db.all(sql`SELECT account_id, operation_id, method, seconds, action, at FROM flood_events ORDER BY id`),
    operations: await db.all(sql`
      SELECT id, status, result, error_kind, error_message, finished_at FROM operations ORDER BY id`),
  };
}

describeEachDialect('OperationsRepository', (open) => {
  const setup = async (): Promise<{ db: AnyDatabaseHandle; ops: OperationsRepository }> => {
    const db = await open();
    return { db, ops: createOperationsRepository(db) };
  };

  it('inserts and reads back an operation, JSON columns parsed and 64-bit Telegram ids kept', async () => {
    const { db, ops } = await setup();
    const account = await addAccount(db.sql, '+15550001');
    const id = await ops.insert(
      op({
        kind: 'join',
        params: { target: '@chat', nested: [1, { a: null }] },
        pinnedAccountId: account,
        priority: 5,
        requestedBy: 7_123_456_789,
        reportChatId: -1_001_234_567_890,
      }),
      1_790_000_000_000,
    );
    expect(await ops.get(id)).toEqual({
      id,
      kind: 'join',
      params: { target: '@chat', nested: [1, { a: null }] },
      pinnedAccountId: account,
      assignedAccountId: null,
      status: 'queued',
      priority: 5,
      attempts: 0,
      checkpoint: undefined,
      progressDone: 0,
      progressTotal: null,
      result: undefined,
      errorKind: null,
      errorMessage: null,
      requestedBy: 7_123_456_789,
      reportChatId: -1_001_234_567_890,
      reportMessageId: null,
      parentId: null,
      notBefore: null,
      createdAt: 1_790_000_000_000,
      startedAt: null,
      finishedAt: null,
    });

    await ops.saveCheckpoint(id, { cursor: 'abc', seen: [1, 2] }, 1_790_000_000_001);
    const stored = await ops.get(id);
    if (stored === undefined) throw new Error('the operation is gone');
    await ops.finish(stored, { status: 'succeeded', result: { members: [{ id: 1 }] }, durationMs: 10 }, null, 1_790_000_000_002);
    expect(await ops.get(id)).toMatchObject({
      checkpoint: { cursor: 'abc', seen: [1, 2] },
      result: { members: [{ id: 1 }] },
      status: 'succeeded',
      finishedAt: 1_790_000_000_002,
    });

    await ops.saveCheckpoint(id, undefined, 1_790_000_000_003);
    expect((await ops.get(id))?.checkpoint).toBeUndefined();
  });

  it('stores missing params as JSON null, and reads nothing for an unknown id', async () => {
    const { ops } = await setup();
    const id = await ops.insert(op({ params: undefined }), 1);
    expect((await ops.get(id))?.params).toBeNull();
    expect(await ops.get(id + 100)).toBeUndefined();
    expect(await ops.status(id + 100)).toBeUndefined();
  });

  it('inserts many in order, in one transaction, or in the caller’s', async () => {
    const { db, ops } = await setup();
    expect(await ops.insertMany([], 1)).toEqual([]);
    const ids = await ops.insertMany([op({ kind: 'a' }), op({ kind: 'b', parentId: 9 }), op({ kind: 'c' })], 1);
    expect(ids).toHaveLength(3);
    expect(await Promise.all(ids.map(async (id) => (await ops.get(id))?.kind))).toEqual(['a', 'b', 'c']);
    expect((await ops.get(ids[1] ?? 0))?.parentId).toBe(9);

    await expect(
      db.sql.transaction(async (tx) => {
        await ops.insertMany([op({ kind: 'd' }), op({ kind: 'e' })], 2, tx);
        throw new Error('caller gives up');
      }),
    ).rejects.toThrow('caller gives up');
    expect((await ops.recent(10)).map((o) => o.kind)).toEqual(['c', 'b', 'a']);

    // A row that cannot be written takes the whole batch back with it.
    await expect(ops.insertMany([op({ kind: 'f' }), op({ kind: 'g', pinnedAccountId: 12_345 })], 3)).rejects.toThrow();
    expect((await ops.recent(10)).map((o) => o.kind)).toEqual(['c', 'b', 'a']);
  });

  it('lists queued and running operations in dispatch order: priority, then FIFO', async () => {
    const { db, ops } = await setup();
    const account = await addAccount(db.sql, '+15550001');
    const low = await ops.insert(op({ priority: 0 }), 1);
    const high = await ops.insert(op({ priority: 10 }), 2);
    const running = await ops.insert(op({ priority: 0 }), 3);
    const done = await ops.insert(op({ priority: 20 }), 4);
    const high2 = await ops.insert(op({ priority: 10 }), 5);
    await ops.markRunning(running, account, 6);
    const finished = await ops.get(done);
    if (finished === undefined) throw new Error('the operation is gone');
    await ops.finish(finished, { status: 'succeeded', durationMs: 1 }, account, 7);
    expect((await ops.unfinished()).map((o) => o.id)).toEqual([high, high2, low, running]);
    expect((await ops.unfinished()).map((o) => o.status)).toEqual(['queued', 'queued', 'queued', 'running']);
  });

  it('lists the unfinished operations of some accounts, by assigned account or else by pinned', async () => {
    const { db, ops } = await setup();
    const [a, b, c] = [await addAccount(db.sql, '+1'), await addAccount(db.sql, '+2'), await addAccount(db.sql, '+3')];
    const pinnedA = await ops.insert(op({ pinnedAccountId: a }), 1);
    const assignedB = await ops.insert(op({ priority: 3 }), 2);
    await ops.assign(assignedB, b, 2);
    // Assigned wins over pinned: this one is b's now, not a's.
    const pinnedAAssignedB = await ops.insert(op({ pinnedAccountId: a }), 3);
    await ops.assign(pinnedAAssignedB, b, 3);
    const runningC = await ops.insert(op(), 4);
    await ops.markRunning(runningC, c, 4);
    const unplaced = await ops.insert(op(), 5);
    const finishedA = await ops.insert(op({ pinnedAccountId: a }), 6);
    const row = await ops.get(finishedA);
    if (row === undefined) throw new Error('the operation is gone');
    await ops.finish(row, { status: 'failed', durationMs: 1 }, a, 7);

    const ids = async (accounts: number[]) => (await ops.unfinishedForAccounts(accounts)).map((o) => o.id);
    expect(await ids([a])).toEqual([pinnedA]);
    expect(await ids([b])).toEqual([assignedB, pinnedAAssignedB]);
    expect(await ids([c, a])).toEqual([pinnedA, runningC]);
    expect(await ids([a, b, c])).toEqual([assignedB, pinnedA, pinnedAAssignedB, runningC]);
    expect(await ids([])).toEqual([]);
    expect(await ids([c + 100])).toEqual([]);
    expect((await ops.unfinished()).map((o) => o.id)).toContain(unplaced);
  });

  it('assigns only a queued operation', async () => {
    const { db, ops } = await setup();
    const [a, b] = [await addAccount(db.sql, '+1'), await addAccount(db.sql, '+2')];
    const id = await ops.insert(op(), 1);
    expect(await ops.assign(id, a, 2)).toBe(true);
    expect(await ops.get(id)).toMatchObject({ assignedAccountId: a, status: 'queued' });
    await ops.markRunning(id, a, 3);
    expect(await ops.assign(id, b, 4)).toBe(false);
    expect((await ops.get(id))?.assignedAccountId).toBe(a);
    expect(await ops.assign(id + 100, a, 5)).toBe(false);
  });

  it('marks running, reports progress, requeues and sets the report message as the store does', async () => {
    const { db, ops } = await setup();
    const [a, b] = [await addAccount(db.sql, '+1'), await addAccount(db.sql, '+2')];
    const id = await ops.insert(op(), 1);
    await ops.markRunning(id, a, 10);
    expect(await ops.get(id)).toMatchObject({ status: 'running', assignedAccountId: a, attempts: 1, startedAt: 10 });
    expect(await ops.status(id)).toBe('running');

    await ops.progress(id, 40, 100, 11);
    expect(await ops.get(id)).toMatchObject({ progressDone: 40, progressTotal: 100 });
    await ops.progress(id, 50, null, 12);
    expect(await ops.get(id)).toMatchObject({ progressDone: 50, progressTotal: null });

    await ops.requeue(id, 500, { kind: 'flood', message: 'FLOOD_WAIT_30' }, 13);
    expect(await ops.get(id)).toMatchObject({ status: 'queued', notBefore: 500, errorKind: 'flood', errorMessage: 'FLOOD_WAIT_30' });
    expect(await ops.status(id)).toBe('queued');

    // A second run keeps the first start time and clears the backoff.
    await ops.markRunning(id, b, 600);
    expect(await ops.get(id)).toMatchObject({ status: 'running', assignedAccountId: b, attempts: 2, startedAt: 10, notBefore: null });

    await ops.requeue(id, null, null, 601);
    expect(await ops.get(id)).toMatchObject({ status: 'queued', notBefore: null, errorKind: null, errorMessage: null });

    await ops.setReportMessage(id, -1_001_234_567_890, 42, 602);
    expect(await ops.get(id)).toMatchObject({ reportChatId: -1_001_234_567_890, reportMessageId: 42 });
    await ops.setReportMessage(id, null, null, 603);
    expect(await ops.get(id)).toMatchObject({ reportChatId: null, reportMessageId: null });
  });

  it('writes the same operations, stats, account counters and flood events as the operation store', async () => {
    const { db, ops } = await setup();
    const reference = createDatabase(':memory:');
    try {
      const store = createOperationStore(reference);
      const accounts = [
        [await addAccount(db.sql, '+1'), await addAccount(reference.sql, '+1')],
        [await addAccount(db.sql, '+2'), await addAccount(reference.sql, '+2')],
      ] as const;
      const accountOf = (step: Step, side: 0 | 1) => (step.account === null ? null : (accounts[step.account]?.[side] ?? null));

      let now = 1_790_000_000_000;
      for (const step of steps) {
        now += 1000;
        const mine = await ops.insert(op({ kind: step.kind }), now);
        const theirs = store.insert(op({ kind: step.kind }), now);
        expect(mine).toBe(theirs);
        const account0 = accountOf(step, 0);
        const account1 = accountOf(step, 1);
        if (account0 !== null && account1 !== null) {
          await ops.markRunning(mine, account0, now + 1);
          store.markRunning(theirs, account1, now + 1);
        }
        await ops.recordRetry(step.kind, now + 2);
        store.recordRetry(step.kind, now + 2);
        if (step.record.errorKind === 'flood') {
          await ops.recordFlood(step.kind, account0, mine, 'channels.JoinChannel', 30, 'slept', now + 3);
          store.recordFlood(step.kind, account1, theirs, 'channels.JoinChannel', 30, 'slept', now + 3);
        }
        const myRow = await ops.get(mine);
        const theirRow = store.get(theirs);
        if (myRow === undefined || theirRow === undefined) throw new Error('the operation is gone');
        expect(myRow).toEqual(theirRow);
        await ops.finish(myRow, step.record, account0, now + 4);
        store.finish(theirRow, step.record, account1, now + 4);
      }
      // A flood wait of no account, on a kind that never finished.
      await ops.recordFlood('resolve', null, null, null, 5, 'cooled', now + 10);
      store.recordFlood('resolve', null, null, null, 5, 'cooled', now + 10);
      store.flush();

      const expected = await persisted(reference.sql);
      expect(expected.stats.map((s) => s.kind)).toEqual(['join', 'resolve', 'scrape']);
      expect(await persisted(db.sql)).toEqual(expected);
      for (const [id, theirs] of store.recent(100).map((o) => [o.id, o] as const)) expect(await ops.get(id)).toEqual(theirs);
    } finally {
      reference.close();
    }
  });

  it('reads what the operation store reads after the same requeues, progress and report messages', async () => {
    const { db, ops } = await setup();
    const reference = createDatabase(':memory:');
    try {
      const store = createOperationStore(reference);
      const a = [await addAccount(db.sql, '+1'), await addAccount(reference.sql, '+1')] as const;
      const kinds = ['scrape', 'join', 'send', 'scrape', 'join'];
      for (const [i, kind] of kinds.entries()) {
        expect(await ops.insert(op({ kind, priority: i % 2 }), 100 + i)).toBe(store.insert(op({ kind, priority: i % 2 }), 100 + i));
      }
      await ops.markRunning(2, a[0], 200);
      store.markRunning(2, a[1], 200);
      await ops.progress(2, 7, 70, 201);
      store.progress(2, 7, 70, 201);
      await ops.requeue(3, 900, { kind: 'flood', message: 'FLOOD_WAIT_5' }, 202);
      store.requeue(3, 900, { kind: 'flood', message: 'FLOOD_WAIT_5' }, 202);
      await ops.setReportMessage(4, -1_001_234_567_890, 9, 203);
      store.setReportMessage(4, -1_001_234_567_890, 9, 203);
      await ops.finish({ id: 5, kind: 'join' } as StoredOperation, { status: 'failed', errorKind: 'private', durationMs: 3 }, null, 204);
      store.finish({ id: 5, kind: 'join' } as StoredOperation, { status: 'failed', errorKind: 'private', durationMs: 3 }, null, 204);
      store.flush();

      expect(await ops.unfinished()).toEqual(store.unfinished());
      expect((await ops.unfinished()).map((o) => o.id)).toEqual([2, 4, 1, 3]);
      for (const [status, excluded] of [[undefined, []], ['queued', ['join']], ['failed', []], [undefined, ['scrape', 'send']]] as const) {
        expect(await ops.recent(3, 0, status, excluded)).toEqual(store.recent(3, 0, status, excluded));
        expect(await ops.recent(10, 1, status, excluded)).toEqual(store.recent(10, 1, status, excluded));
      }
      expect(await ops.get(2)).toMatchObject({ progressDone: 7, progressTotal: 70 });
    } finally {
      reference.close();
    }
  });

  it('finishes in the caller’s transaction: rolled back with it, the operation stays unfinished', async () => {
    const { db, ops } = await setup();
    const account = await addAccount(db.sql, '+1');
    const id = await ops.insert(op(), 1);
    await ops.markRunning(id, account, 2);
    const running = await ops.get(id);
    if (running === undefined) throw new Error('the operation is gone');

    await expect(
      db.sql.transaction(async (tx) => {
        await ops.finish(running, { status: 'succeeded', result: { ok: true }, durationMs: 9 }, account, 3, tx);
        expect(await ops.status(id, tx)).toBe('succeeded');
        throw new Error('caller gives up');
      }),
    ).rejects.toThrow('caller gives up');
    expect(await ops.get(id)).toMatchObject({ status: 'running', result: undefined, finishedAt: null });
    expect((await ops.unfinished()).map((o) => o.id)).toEqual([id]);
    const after = await persisted(db.sql);
    expect(after.stats).toEqual([]);
    expect(after.accounts).toMatchObject([{ ops_total: 0, ops_failed: 0 }]);

    await db.sql.transaction(async (tx) => {
      await ops.finish(running, { status: 'succeeded', result: { ok: true }, durationMs: 9 }, account, 4, tx);
    });
    expect(await ops.get(id)).toMatchObject({ status: 'succeeded', result: { ok: true }, finishedAt: 4 });
    expect((await persisted(db.sql)).stats).toMatchObject([{ kind: 'scrape', total: 1, succeeded: 1 }]);
  });

  it('composes the other writes into the caller’s transaction too', async () => {
    const { db, ops } = await setup();
    const account = await addAccount(db.sql, '+1');
    const id = await ops.insert(op(), 1);
    await expect(
      db.sql.transaction(async (tx) => {
        expect(await ops.assign(id, account, 2, tx)).toBe(true);
        await ops.markRunning(id, account, 3, tx);
        await ops.progress(id, 1, 2, 4, tx);
        await ops.saveCheckpoint(id, { page: 1 }, 5, tx);
        await ops.setReportMessage(id, 1, 2, 6, tx);
        await ops.recordRetry('scrape', 7, tx);
        await ops.recordFlood('scrape', account, id, null, 1, 'slept', 8, tx);
        expect((await ops.unfinishedForAccounts([account], tx)).map((o) => o.status)).toEqual(['running']);
        throw new Error('caller gives up');
      }),
    ).rejects.toThrow('caller gives up');
    expect(await ops.get(id)).toMatchObject({
      status: 'queued',
      assignedAccountId: null,
      attempts: 0,
      progressDone: 0,
      checkpoint: undefined,
      reportChatId: null,
    });
    expect(await persisted(db.sql)).toMatchObject({ stats: [], floods: [], accounts: [{ flood_waits: 0 }] });

    const inserted = await db.sql.transaction(async (tx) => {
      const inside = await ops.insert(op({ kind: 'join' }), 9, tx);
      await ops.requeue(inside, 100, { kind: 'transient', message: 'retry' }, 10, tx);
      return inside;
    });
    expect(await ops.get(inserted)).toMatchObject({ kind: 'join', status: 'queued', notBefore: 100, errorKind: 'transient' });
  });

  it('commits the data and the checkpoint of saveCheckpointWith together', async () => {
    const { db, ops } = await setup();
    const id = await ops.insert(op(), 1);
    const saved = await ops.saveCheckpointWith(
      id,
      2,
      async (tx) => {
        await tx.run(sql`INSERT INTO kv (key, value, updated_at) VALUES ('page', 'one', 2)`);
        return 17;
      },
      (written: number) => ({ after: written }),
    );
    expect(saved).toEqual({ result: 17, value: { after: 17 } });
    expect((await ops.get(id))?.checkpoint).toEqual({ after: 17 });
    expect(await db.sql.all(sql`SELECT key, value FROM kv`)).toEqual([{ key: 'page', value: 'one' }]);

    const fixed = await ops.saveCheckpointWith(id, 3, async () => 'ignored', { page: 2 });
    expect(fixed).toEqual({ result: 'ignored', value: { page: 2 } });
    expect((await ops.get(id))?.checkpoint).toEqual({ page: 2 });
  });

  it('rolls back both the data and the checkpoint when the write of saveCheckpointWith throws', async () => {
    const { db, ops } = await setup();
    const id = await ops.insert(op(), 1);
    await ops.saveCheckpoint(id, { page: 1 }, 1);
    await expect(
      ops.saveCheckpointWith(
        id,
        2,
        async (tx) => {
          await tx.run(sql`INSERT INTO kv (key, value, updated_at) VALUES ('page', 'two', 2)`);
          throw new Error('write failed');
        },
        { page: 2 },
      ),
    ).rejects.toThrow('write failed');
    expect((await ops.get(id))?.checkpoint).toEqual({ page: 1 });
    expect(await db.sql.all(sql`SELECT key FROM kv`)).toEqual([]);

    await expect(
      ops.saveCheckpointWith(
        id,
        3,
        async (tx) => tx.run(sql`INSERT INTO kv (key, value, updated_at) VALUES ('page', 'three', 3)`),
        () => {
          throw new Error('no checkpoint for that');
        },
      ),
    ).rejects.toThrow('no checkpoint for that');
    expect((await ops.get(id))?.checkpoint).toEqual({ page: 1 });
    expect(await db.sql.all(sql`SELECT key FROM kv`)).toEqual([]);
  });

  it('lists recent operations newest first, by status, leaving out kinds', async () => {
    const { db, ops } = await setup();
    const account = await addAccount(db.sql, '+1');
    const ids = await ops.insertMany(
      ['scrape', 'join', 'health', 'scrape', 'spam_check', 'join'].map((kind) => op({ kind })),
      1,
    );
    const [first, second] = ids;
    for (const id of [first, second]) {
      if (id === undefined) throw new Error('no id');
      await ops.markRunning(id, account, 2);
    }
    const kinds = async (...args: Parameters<OperationsRepository['recent']>) => (await ops.recent(...args)).map((o) => o.kind);
    expect(await kinds(10)).toEqual(['join', 'spam_check', 'scrape', 'health', 'join', 'scrape']);
    expect(await kinds(2, 1)).toEqual(['spam_check', 'scrape']);
    expect(await kinds(10, 0, 'running')).toEqual(['join', 'scrape']);
    expect(await kinds(10, 0, 'queued', ['health', 'spam_check'])).toEqual(['join', 'scrape']);
    expect(await kinds(10, 0, undefined, ['join'])).toEqual(['spam_check', 'scrape', 'health', 'scrape']);
    expect(await kinds(10, 0, 'succeeded')).toEqual([]);
  });

  it('agrees with the operation store on recent, for the same rows', async () => {
    const { ops } = await setup();
    const reference = createDatabase(':memory:');
    try {
      const store = createOperationStore(reference);
      for (const kind of ['a', 'b', 'c', 'a', 'b']) {
        await ops.insert(op({ kind, params: { kind } }), 5);
        store.insert(op({ kind, params: { kind } }), 5);
      }
      for (const [limit, offset, excluded] of [[10, 0, []], [2, 1, ['b']], [10, 0, ['a', 'b', 'c']]] as const) {
        expect(await ops.recent(limit, offset, 'queued', excluded)).toEqual(store.recent(limit, offset, 'queued', excluded));
        expect(await ops.recent(limit, offset, undefined, excluded)).toEqual(store.recent(limit, offset, undefined, excluded));
      }
    } finally {
      reference.close();
    }
  });
});
