import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventBus } from '../../../src/engine/distributed/event-bus.js';
import { createLocalEventBus } from '../../../src/engine/distributed/local-event-bus.js';
import { createPgEventBus, NOTIFY_PAYLOAD_LIMIT } from '../../../src/engine/distributed/pg-event-bus.js';
import { createTestDatabase, type TestDatabase } from '../../db/postgres.js';

interface Events extends Record<string, readonly unknown[]> {
  'operation:progress': [op: { id: number; done: number }];
  'monitor:hit': [hit: { text: string }];
}

type Heard = [event: string, args: readonly unknown[], origin: string];

/** Resolves once `heard` holds `count` entries. */
function collect(bus: EventBus<Events>, count: number): { heard: Heard[]; done: Promise<Heard[]> } {
  const heard: Heard[] = [];
  let finish!: (value: Heard[]) => void;
  const done = new Promise<Heard[]>((resolve) => (finish = resolve));
  bus.subscribe((event, args, origin) => {
    heard.push([event, args, origin]);
    if (heard.length === count) finish(heard);
  });
  return { heard, done };
}

describe('PgEventBus', () => {
  const logger = pino({ level: 'silent' });
  let database: TestDatabase;
  const buses: EventBus<Events>[] = [];
  const open = async (origin: string, reconnectMs = 10) => {
    const bus = await createPgEventBus<Events>({ url: database.url, origin, logger, reconnectMs });
    buses.push(bus);
    return bus;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
    await database.drop();
  });

  it('delivers each event to every process, in the order it was sent, with its origin', async () => {
    const panel = await open('panel');
    const worker = await open('worker-1');
    const atPanel = collect(panel, 3);
    const atWorker = collect(worker, 3);
    await worker.publish('operation:progress', { id: 1, done: 200 });
    await worker.publish('operation:progress', { id: 1, done: 400 });
    await worker.publish('monitor:hit', { text: 'keyword here' });
    const expected: Heard[] = [
      ['operation:progress', [{ id: 1, done: 200 }], 'worker-1'],
      ['operation:progress', [{ id: 1, done: 400 }], 'worker-1'],
      ['monitor:hit', [{ text: 'keyword here' }], 'worker-1'],
    ];
    expect(await atPanel.done).toEqual(expected);
    expect(await atWorker.done).toEqual(expected);
  });

  it('refuses an event over the NOTIFY limit in plain words, and sends nothing', async () => {
    const bus = await open('worker-2');
    const big = 'x'.repeat(NOTIFY_PAYLOAD_LIMIT);
    await expect(bus.publish('monitor:hit', { text: big })).rejects.toThrow(/monitor:hit event is \d+ bytes, over NOTIFY's limit/);
  });

  it('listens again after its connection is cut, tells resync subscribers, and hears later events', async () => {
    const panel = await open('panel-2');
    const worker = await open('worker-3');
    let resynced!: () => void;
    const resync = new Promise<void>((resolve) => (resynced = resolve));
    panel.onResync(() => resynced());
    // Cut every listening connection but our own admin one, as a PostgreSQL restart or a network drop would.
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND query ILIKE 'LISTEN%'`, [database.name]);
    await admin.end();
    await resync;
    const atPanel = collect(panel, 1);
    // The worker's own listener was cut too; publishing goes through its pool, which is unaffected.
    await worker.publish('operation:progress', { id: 9, done: 1 });
    expect(await atPanel.done).toEqual([['operation:progress', [{ id: 9, done: 1 }], 'worker-3']]);
  });
});

describe('LocalEventBus', () => {
  it('calls subscribers at once and stops after unsubscribe', async () => {
    const bus = createLocalEventBus<Events>('all');
    const heard: Heard[] = [];
    const stop = bus.subscribe((event, args, origin) => heard.push([event, args, origin]));
    await bus.publish('monitor:hit', { text: 'a' });
    stop();
    await bus.publish('monitor:hit', { text: 'b' });
    expect(heard).toEqual([['monitor:hit', [{ text: 'a' }], 'all']]);
  });
});
