import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createAccountsRepository } from '../../../src/db/repositories/accounts.js';
import { createPortMemberStore } from '../../../src/db/repositories/member-store.js';
import { createMonitorsRepository } from '../../../src/db/repositories/monitors.js';
import { createOperationsRepository } from '../../../src/db/repositories/operations.js';
import { EventBusError, type EventBus } from '../../../src/engine/distributed/event-bus.js';
import type { FleetEvents } from '../../../src/engine/distributed/fleet-events.js';
import { createLocalEventBus } from '../../../src/engine/distributed/local-event-bus.js';
import type { Fence } from '../../../src/engine/distributed/mirror-operation-store.js';
import { shortHit, WorkerMonitors } from '../../../src/engine/distributed/worker-monitors.js';
import type { StoredOperation } from '../../../src/engine/operation-store.js';
import type { Account, EngineEvents, MonitorHit } from '../../../src/engine/types.js';
import type { AnyDatabaseHandle } from '../../../src/db/open-database.js';
import { describeEachDialect } from '../../db/dialects.js';
import { until } from '../../until.js';

const logger = pino({ level: 'silent' });

const hit = (text: string): MonitorHit => ({
  monitorId: 3,
  accountId: 1,
  chatId: 7001,
  chatTitle: 'Bike market',
  chatUsername: 'bikemarket',
  messageId: 9,
  senderId: 7_123_456_789,
  senderName: 'Ann',
  text,
  keyword: 'bike',
  at: 1_700_000_000_000,
});

/** A bus with NOTIFY's limit: an event over 8000 bytes is refused, as pg-event-bus.ts refuses it. */
function limitedBus(): EventBus<FleetEvents> {
  const bus = createLocalEventBus<FleetEvents>('worker');
  return {
    ...bus,
    async publish(event, ...args) {
      if (Buffer.byteLength(JSON.stringify(args)) >= 8000) throw new EventBusError(`the ${event} event is too big`, event);
      await bus.publish(event, ...args);
    },
  };
}

/** The parts of a worker's engine WorkerMonitors uses: its events, and what it adopts. */
function engineStub(states: Map<number, Account['state']> = new Map()) {
  const events = new EventEmitter<EngineEvents>();
  const adopted: StoredOperation[] = [];
  return {
    events,
    adopted,
    adopt: (row: StoredOperation) => {
      adopted.push(row);
      return 'adopted' as const;
    },
    getAccount: (id: number) => (states.has(id) ? ({ id, state: states.get(id) } as Account) : undefined),
    emitMonitorHit: (h: MonitorHit) => void events.emit('monitor:hit', h),
  };
}

function workerMonitors(db: AnyDatabaseHandle, bus: EventBus<FleetEvents>, engine: ReturnType<typeof engineStub>) {
  const remembered: StoredOperation[] = [];
  // One process, no leases: the fence is a plain transaction (worker-app.ts adds the lease check).
  const fence: Fence = (_accountId, body) => db.sql.transaction(body);
  const monitors = new WorkerMonitors({
    dialect: db.sql.dialect,
    monitors: createMonitorsRepository(db),
    members: createPortMemberStore(db),
    operations: createOperationsRepository(db),
    fence,
    mirror: { remember: (row) => void remembered.push(row) },
    engine: engine as unknown as ConstructorParameters<typeof WorkerMonitors>[0]['engine'],
    bus,
    logger,
  });
  return { monitors, remembered };
}

describe('WorkerMonitors', () => {
  it('does cut a hit too big for the bus around its keyword', () => {
    const long = `${'x'.repeat(3000)} a used bike here ${'y'.repeat(3000)}`;
    const short = shortHit(hit(long));
    expect(short.text.length).toBe(1000);
    expect(short.text).toContain('a used bike here');
    expect(shortHit(hit('a bike'))).toEqual(hit('a bike'));
    // A regex keyword has no place to cut around: the start is kept.
    expect(shortHit({ ...hit(long), keyword: '/bike/i' }).text).toBe(long.slice(0, 1000));
  });
});

describeEachDialect('WorkerMonitors', (open) => {
  it('does relay the engine’s monitor hits to the panel, a too-big one cut, and stop relaying when closed', async () => {
    const bus = limitedBus();
    const heard: MonitorHit[] = [];
    bus.subscribe((event, args) => {
      if (event === 'monitor:hit') heard.push((args as FleetEvents['monitor:hit'])[0]);
    });
    const engine = engineStub();
    const { monitors } = workerMonitors(await open(), bus, engine);
    monitors.start();
    engine.emitMonitorHit(hit('anyone selling a used bike?'));
    // Telegram allows 4096 characters; as JSON with escapes that passes NOTIFY's 8000 bytes.
    const huge = `${'€'.repeat(3000)} bike`;
    engine.emitMonitorHit(hit(huge));
    await until(() => heard.length === 2, 'both hits on the bus');
    expect(heard[0]).toEqual(hit('anyone selling a used bike?'));
    expect(heard[1]).toEqual({ ...hit(huge), text: shortHit(hit(huge)).text });
    monitors.close();
    engine.emitMonitorHit(hit('one more bike'));
    await bus.publish('queue:wake');
    expect(heard).toHaveLength(2);
  });

  it('does arm again the active monitors of an account it takes up, pinned there, once, and none of a dead account', async () => {
    const db = await open();
    const accounts = createAccountsRepository(db);
    const a = await accounts.insert({ phone: '+15550001' }, 1);
    const b = await accounts.insert({ phone: '+15550002' }, 1);
    const rows = createMonitorsRepository(db);
    const first = await rows.create({ target: '@one', keywords: ['bike'], accountId: a.id });
    const second = await rows.create({ target: '@two', keywords: ['car'], accountId: a.id });
    const stopped = await rows.create({ target: '@three', keywords: ['x'], accountId: a.id });
    await rows.stop(stopped.id);
    const elsewhere = await rows.create({ target: '@four', keywords: ['y'], accountId: b.id });
    const engine = engineStub(new Map([[a.id, 'connecting'], [b.id, 'dead']]));
    const { monitors, remembered } = workerMonitors(db, createLocalEventBus('worker'), engine);

    const ids = await monitors.rearmOn(a.id);
    expect(ids).toHaveLength(2);
    expect(engine.adopted.map((row) => [row.kind, row.pinnedAccountId, (row.params as { monitorId: number }).monitorId])).toEqual([
      ['monitor', a.id, first.id],
      ['monitor', a.id, second.id],
    ]);
    expect(remembered.map((row) => row.id)).toEqual(ids);
    // Taken up again while those operations are unfinished (a lease lost and won back): nothing is armed twice.
    expect(await monitors.rearmOn(a.id)).toEqual([]);
    // A dead account's monitors are the panel's to re-arm elsewhere.
    expect(await monitors.rearmOn(b.id)).toEqual([]);
    expect(engine.adopted.some((row) => (row.params as { monitorId: number }).monitorId === elsewhere.id)).toBe(false);
  });
});
