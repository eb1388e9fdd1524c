import { describe, expect, it } from 'vitest';
import { createAccountsRepository } from '../../../src/db/repositories/accounts.js';
import { createMonitorsRepository } from '../../../src/db/repositories/monitors.js';
import { createOperationsRepository } from '../../../src/db/repositories/operations.js';
import { armInTransaction, isBeingArmed, rearmedBy, unfinishedMonitorOperations } from '../../../src/engine/distributed/monitor-arming.js';
import { describeEachDialect } from '../../db/dialects.js';

describe('Monitor arming decisions', () => {
  it('does count a monitor armed by an operation naming it, or by the one that created it', () => {
    const monitor = { id: 4, operationId: 10 };
    expect(isBeingArmed(monitor, [])).toBe(false);
    expect(isBeingArmed(monitor, [{ id: 11, monitorId: 4 }])).toBe(true);
    // A /monitor add names no monitor until it ran; its row records the operation.
    expect(isBeingArmed(monitor, [{ id: 10, monitorId: null }])).toBe(true);
    expect(isBeingArmed(monitor, [{ id: 12, monitorId: 5 }, { id: 13, monitorId: null }])).toBe(false);
    expect(isBeingArmed({ id: 4, operationId: null }, [{ id: 13, monitorId: null }])).toBe(false);
  });

  it('does leave a live account’s monitor to its lease holder, and a gone or dead one’s to the fleet', () => {
    expect(rearmedBy({ accountId: 1 }, { health: 'ok' })).toBe('holder');
    expect(rearmedBy({ accountId: 1 }, { health: 'limited' })).toBe('holder');
    expect(rearmedBy({ accountId: 1 }, { health: 'dead' })).toBe('fleet');
    expect(rearmedBy({ accountId: 1 }, undefined)).toBe('fleet');
    expect(rearmedBy({ accountId: null }, undefined)).toBe('fleet');
  });
});

describeEachDialect('armInTransaction', (open) => {
  it('does insert one monitor operation pinned to the account, and none while it is unfinished', async () => {
    const db = await open();
    const account = await createAccountsRepository(db).insert({ phone: '+15550001' }, 1);
    const monitors = createMonitorsRepository(db);
    const operations = createOperationsRepository(db);
    const monitor = await monitors.create({ target: '@bikes', keywords: ['bike', '/sell/i'], accountId: account.id, createdBy: 7_123_456_789, reportChatId: -1_001_234_567_890 });
    const arm = () =>
      db.sql.transaction((tx) => armInTransaction(tx, monitor.id, { dialect: db.sql.dialect, operations, placedOn: (a) => a === account.id, pinnedAccountId: account.id, now: 5_000 }));
    const id = await arm();
    expect(id).toBeDefined();
    expect(await operations.get(id!)).toMatchObject({
      kind: 'monitor',
      status: 'queued',
      pinnedAccountId: account.id,
      priority: 10,
      params: { target: '@bikes', keywords: ['bike', '/sell/i'], monitorId: monitor.id, createdBy: 7_123_456_789, reportChatId: -1_001_234_567_890 },
    });
    expect(await db.sql.transaction((tx) => unfinishedMonitorOperations(tx))).toEqual([{ id, monitorId: monitor.id }]);
    // Armed once, however often asked (two processes, or one twice), while that operation is unfinished.
    expect(await arm()).toBeUndefined();
    await Promise.all([arm(), arm()]).then((ids) => expect(ids).toEqual([undefined, undefined]));
    await operations.finish((await operations.get(id!))!, { status: 'succeeded', durationMs: 1 }, account.id, 6_000);
    // Once that one has finished (the watch died with its worker), it can be armed again: once, by whichever of two
    // processes asking at the same time locks the monitor first.
    const again = await Promise.all([arm(), arm(), arm()]);
    expect(again.filter((x) => x !== undefined)).toHaveLength(1);
    expect(await db.sql.transaction((tx) => unfinishedMonitorOperations(tx))).toHaveLength(1);
  });

  it('does not arm a monitor created by an unfinished /monitor add, a stopped one, or one placed elsewhere meanwhile', async () => {
    const db = await open();
    const accounts = createAccountsRepository(db);
    const a = await accounts.insert({ phone: '+15550001' }, 1);
    const b = await accounts.insert({ phone: '+15550002' }, 1);
    const monitors = createMonitorsRepository(db);
    const operations = createOperationsRepository(db);
    const add = await operations.insert({ kind: 'monitor', params: { target: '@x', keywords: ['x'], monitorId: null }, pinnedAccountId: null, priority: 10, requestedBy: null, reportChatId: null, parentId: null }, 1);
    const created = await monitors.create({ target: '@x', keywords: ['x'], accountId: a.id, operationId: add });
    const options = { dialect: db.sql.dialect, operations, placedOn: (placed: number | null) => placed === a.id, pinnedAccountId: a.id, now: 1 };
    expect(await db.sql.transaction((tx) => armInTransaction(tx, created.id, options))).toBeUndefined();

    const stopped = await monitors.create({ target: '@y', keywords: ['y'], accountId: a.id });
    await monitors.stop(stopped.id);
    expect(await db.sql.transaction((tx) => armInTransaction(tx, stopped.id, options))).toBeUndefined();

    const moved = await monitors.create({ target: '@z', keywords: ['z'], accountId: b.id });
    expect(await db.sql.transaction((tx) => armInTransaction(tx, moved.id, options))).toBeUndefined();
    expect(await db.sql.transaction((tx) => armInTransaction(tx, 404, options))).toBeUndefined();
    expect((await db.sql.transaction((tx) => unfinishedMonitorOperations(tx))).map((op) => op.id)).toEqual([add]);
  });
});
