import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLeaseRepository } from '../../../src/db/repositories/leases.js';
import { createWorkerRepository, type RegisterWorker } from '../../../src/db/repositories/workers.js';
import { openPortDatabase, type PortDatabase } from '../lease-databases.js';

const window = 30_000;
const t0 = 1_800_000_000_000;

const worker = (id: string, now = t0): RegisterWorker => ({ id, name: `host:${id}`, role: 'worker', host: 'host', pid: 100, now });

describe.each(['sqlite', 'postgres'] as const)('WorkerRepository (%s)', (dialect) => {
  let store: PortDatabase;

  beforeAll(async () => {
    store = await openPortDatabase(dialect);
  });
  afterAll(() => store.close());

  it('lists as live the workers heard from within the window that are not stopping', async () => {
    const workers = createWorkerRepository(store.db);
    await workers.register(worker('a'));
    await workers.register(worker('b'));
    await workers.register(worker('c'));
    expect(await workers.heartbeat('a', t0 + 20_000)).toBe(true);
    await workers.markStopping('c', t0 + 20_000);
    const live = await workers.listLive(t0 + window + 1, window);
    expect(live.map((w) => w.id)).toEqual(['a']);
    expect(live[0]).toEqual({
      id: 'a',
      name: 'host:a',
      role: 'worker',
      host: 'host',
      pid: 100,
      startedAt: t0,
      heartbeatAt: t0 + 20_000,
      stoppingAt: null,
    });
  });

  it('says when a heartbeat finds its row gone, and forgets silent workers', async () => {
    const workers = createWorkerRepository(store.db);
    expect(await workers.removeSilentSince(t0 + 1)).toBe(2);
    expect(await workers.heartbeat('b', t0 + 40_000)).toBe(false);
    await workers.remove('a');
    expect(await workers.listWithAccounts(t0, window)).toEqual([]);
  });

  it('lists every worker with the accounts it holds and whether it is live, for /status', async () => {
    const workers = createWorkerRepository(store.db);
    const leases = createLeaseRepository(store.db);
    const [x, y, z] = await store.addAccounts(3);
    await workers.register(worker('p', t0));
    await workers.register({ ...worker('q', t0 - window), role: 'all' });
    await leases.acquire(y as number, 'p', t0, window);
    await leases.acquire(x as number, 'p', t0, window);
    await leases.acquire(z as number, 'q', t0 - window, window);
    const status = await workers.listWithAccounts(t0 + 1, window);
    expect(status.map(({ id, live, accountIds, role }) => ({ id, live, accountIds, role }))).toEqual([
      { id: 'p', live: true, accountIds: [x, y], role: 'worker' },
      { id: 'q', live: false, accountIds: [], role: 'all' },
    ]);
  });
});
