import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { createAccountsRepository } from '../../../src/db/repositories/accounts.js';
import { createMonitorsRepository } from '../../../src/db/repositories/monitors.js';
import { createOperationsRepository } from '../../../src/db/repositories/operations.js';
import type { AnyDatabaseHandle } from '../../../src/db/open-database.js';
import type { FleetEvents } from '../../../src/engine/distributed/fleet-events.js';
import { createLocalEventBus } from '../../../src/engine/distributed/local-event-bus.js';
import type { OperationJob } from '../../../src/engine/distributed/operation-queue.js';
import { PanelMonitors } from '../../../src/engine/distributed/panel-monitors.js';
import type { Account, EngineEvents } from '../../../src/engine/types.js';
import { describeEachDialect } from '../../db/dialects.js';
import { until } from '../../until.js';

const logger = pino({ level: 'silent' });

function panelMonitors(db: AnyDatabaseHandle) {
  const bus = createLocalEventBus<FleetEvents>('panel');
  const told: Array<[string, readonly unknown[]]> = [];
  bus.subscribe((event, args) => told.push([event, args]));
  const jobs: OperationJob[] = [];
  // The queue's job goes in the transaction of its row; what matters here is which rows get one.
  const queue = { enqueue: async (_tx: unknown, job: OperationJob) => (jobs.push(job), `job-${job.operationId}`), wake: () => undefined };
  const events = new EventEmitter<EngineEvents>();
  const monitors = new PanelMonitors({
    db: db.sql,
    monitors: createMonitorsRepository(db),
    accounts: createAccountsRepository(db),
    operations: createOperationsRepository(db),
    queue,
    bus,
    events,
    logger,
    sweepEveryMs: 3_600_000,
  });
  return { monitors, told, jobs, events };
}

describeEachDialect('PanelMonitors', (open) => {
  it('does stop a monitor in its row and tell the workers, once', async () => {
    const db = await open();
    const rows = createMonitorsRepository(db);
    const { id } = await rows.create({ target: '@bikes', keywords: ['bike'] });
    const { monitors, told } = panelMonitors(db);
    expect(await monitors.stopMonitor(id)).toBe(true);
    expect(await rows.get(id)).toMatchObject({ active: false });
    expect(told).toEqual([['monitor:stop', [id]]]);
    expect(await monitors.stopMonitor(id)).toBe(false);
    expect(await monitors.stopMonitor(404)).toBe(false);
    expect(told).toHaveLength(1);
  });

  it('does re-arm on the fleet, unpinned and once, the monitors of removed and dead accounts, leaving live ones to their holders', async () => {
    const db = await open();
    const accounts = createAccountsRepository(db);
    const live = await accounts.insert({ phone: '+15550001' }, 1);
    const dying = await accounts.insert({ phone: '+15550002' }, 1);
    const removed = await accounts.insert({ phone: '+15550003' }, 1);
    const rows = createMonitorsRepository(db);
    const onLive = await rows.create({ target: '@live', keywords: ['a'], accountId: live.id });
    const onDying = await rows.create({ target: '@dying', keywords: ['b'], accountId: dying.id });
    const onRemoved = await rows.create({ target: '@removed', keywords: ['c'], accountId: removed.id, reportChatId: -100_42 });
    await accounts.delete(removed.id);
    const operations = createOperationsRepository(db);
    const { monitors, jobs, events } = panelMonitors(db);

    const first = await monitors.sweep();
    expect(first).toHaveLength(1);
    const armed = await operations.get(first[0]!);
    expect(armed).toMatchObject({ kind: 'monitor', pinnedAccountId: null, assignedAccountId: null, status: 'queued', priority: 10 });
    expect(armed?.params).toMatchObject({ monitorId: onRemoved.id, target: '@removed', keywords: ['c'], reportChatId: -100_42 });
    expect(jobs).toEqual([{ operationId: first[0], kind: 'monitor', accountId: null, priority: 10 }]);
    // Swept again while that operation waits for a worker: nothing more.
    expect(await monitors.sweep()).toEqual([]);

    // A worker tells the account is dead: its monitor goes to the fleet at once.
    await accounts.setHealth(dying.id, 'dead', 'revoked', 2);
    monitors.start();
    events.emit('account:state', { id: dying.id, state: 'dead' } as Account, 'monitoring');
    await until(() => jobs.length === 2, 'the dead account’s monitor re-armed');
    monitors.close();
    const second = await operations.get(jobs[1]!.operationId);
    expect(second?.params).toMatchObject({ monitorId: onDying.id });
    // However many sweeps ran or run again (at start, on the event, now), each monitor was armed once.
    await monitors.sweep();
    expect(jobs).toHaveLength(2);
    const armedFor = await Promise.all(jobs.map(async (job) => ((await operations.get(job.operationId))?.params as { monitorId: number }).monitorId));
    expect(armedFor).toEqual([onRemoved.id, onDying.id]);
    expect(armedFor).not.toContain(onLive.id);
  });
});
