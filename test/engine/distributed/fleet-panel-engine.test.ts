import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountsRepository } from '../../../src/db/repositories/accounts.js';
import { createLeaseRepository } from '../../../src/db/repositories/leases.js';
import { createPortMemberStore } from '../../../src/db/repositories/member-store.js';
import { createOperationsRepository } from '../../../src/db/repositories/operations.js';
import { createScrapeSlotRepository } from '../../../src/db/repositories/scrape-slots.js';
import { createWorkerRepository } from '../../../src/db/repositories/workers.js';
import { openPostgresDatabase, type PostgresDatabaseHandle } from '../../../src/db/postgres-client.js';
import { createSessionCipher } from '../../../src/db/session-crypto.js';
import type { EventBus } from '../../../src/engine/distributed/event-bus.js';
import type { FleetEvents } from '../../../src/engine/distributed/fleet-events.js';
import { FleetPanelEngine, ON_A_WORKER, type FleetPanelEngineOptions } from '../../../src/engine/distributed/fleet-panel-engine.js';
import { FleetSubmitter } from '../../../src/engine/distributed/fleet-submitter.js';
import { accountQueue, OperationQueue } from '../../../src/engine/distributed/operation-queue.js';
import { createPgEventBus } from '../../../src/engine/distributed/pg-event-bus.js';
import { scrapeOperation } from '../../../src/engine/operations/scrape.js';
import type { Account, MonitorHit, Operation, RunnerDefinition } from '../../../src/engine/types.js';
import { createTestDatabase, type TestDatabase } from '../../db/postgres.js';
import { until } from '../../until.js';
import { parseProxyUrl, type ProxySetting } from '../../../src/engine/proxy-url.js';

const setting = (url: string): ProxySetting => {
  const parsed = parseProxyUrl(url);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.proxy;
};

const logger = pino({ level: 'silent' });
const cipher = createSessionCipher('fleet-panel-engine-test-secret', { scryptCost: 1024 });
const PASSWORD = 'hunter2-proxy-pass';
const CREDENTIALS = [
  { apiId: 111, apiHash: 'a'.repeat(32) },
  { apiId: 222, apiHash: 'b'.repeat(32) },
];

describe('FleetPanelEngine', () => {
  let database: TestDatabase;
  let db: PostgresDatabaseHandle;
  let queue: OperationQueue;
  let panelBus: EventBus<FleetEvents>;
  let workerBus: EventBus<FleetEvents>;
  let engine: FleetPanelEngine;
  let options: FleetPanelEngineOptions;
  const clock = 1_000_000;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await openPostgresDatabase(database.url, { logger });
    queue = await OperationQueue.start({ connectionString: database.url, logger });
    panelBus = await createPgEventBus<FleetEvents>({ url: database.url, origin: 'panel', logger });
    workerBus = await createPgEventBus<FleetEvents>({ url: database.url, origin: 'worker-a', logger });
    const operations = createOperationsRepository(db);
    const accounts = createAccountsRepository(db);
    const definitions = [scrapeOperation({ members: createPortMemberStore(db) }) as unknown as RunnerDefinition<never, unknown, never, unknown>];
    options = {
      operations,
      accounts,
      workers: createWorkerRepository(db.sql),
      slots: createScrapeSlotRepository(db.sql),
      submitter: new FleetSubmitter({ db: db.sql, operations, accounts, queue, definitions, now: () => clock }),
      db: db.sql,
      queue,
      bus: panelBus,
      types: new Map(definitions.map((d) => [d.kind, d.type])),
      scrapeLimit: 3,
      leaseMs: 30_000,
      cipher,
      credentials: CREDENTIALS,
      logger,
      now: () => clock,
      random: () => 0.5,
    };
    engine = new FleetPanelEngine(options);
  });
  afterAll(async () => {
    engine.close();
    await workerBus.close();
    await panelBus.close();
    await queue.stop({ graceful: false });
    await db.close();
    await database.drop();
  });

  const nextEvent = (event: 'operation:progress' | 'operation:finished', id: number): Promise<Operation> =>
    new Promise((resolve) => {
      const events = engine.events as unknown as { on(e: string, l: (op: Operation) => void): void; off(e: string, l: (op: Operation) => void): void };
      const listener = (op: Operation) => {
        if (op.id !== id) return;
        events.off(event, listener);
        resolve(op);
      };
      events.on(event, listener);
    });

  it('does submit a row and its job in one go, announce it, and refuse bad requests without storing anything', async () => {
    const queued: Operation[] = [];
    const onQueued = (op: Operation) => queued.push(op);
    engine.events.on('operation:queued', onQueued);
    let wakes = 0;
    const offWake = workerBus.subscribe((event) => {
      if (event === 'queue:wake') wakes += 1;
    });
    const results = await engine.submitMany([
      { kind: 'scrape', params: { target: '@first' }, reportChatId: 42 },
      { kind: 'monitor', params: { target: '@x' } },
      { kind: 'scrape', params: { target: '@second' }, accountId: 999 },
    ]);
    engine.events.off('operation:queued', onQueued);
    expect(results.map((r) => r.kind)).toEqual(['queued', 'refused', 'refused']);
    expect(results[1]).toEqual({
      kind: 'refused',
      reason: 'invalid',
      message: 'Workers do not run monitor operations yet, only scrapes: run Switchboard in one process (no DATABASE_URL) for this (docs/deploy.md). Nothing was changed.',
    });
    expect(results[2]).toMatchObject({ kind: 'refused', reason: 'not_found' });
    const [first] = results;
    if (first?.kind !== 'queued') throw new Error('not queued');
    expect(queued.map((op) => op.id)).toEqual([first.operation.id]);
    // The workers are told at once that work is there, rather than at their next poll.
    await until(() => wakes === 1, 'the workers to be woken');
    offWake();
    expect(await engine.submitMany([{ kind: 'monitor', params: {} }])).toMatchObject([{ kind: 'refused' }]);
    expect(first.operation).toMatchObject({ kind: 'scrape', type: 'scraping', status: 'queued', reportChatId: 42 });
    const rows = await db.sql.all<{ id: number }>(sql`select id from operations`);
    expect(rows.map((r) => r.id)).toEqual([first.operation.id]);
    const jobs = await db.sql.all<{ n: string }>(sql`select count(*) as n from pgboss.job where (data->>'operationId')::int = ${first.operation.id}`);
    expect(Number(jobs[0]?.n)).toBe(1);
    expect(await engine.getOperation(first.operation.id)).toMatchObject({ id: first.operation.id, status: 'queued' });
    expect((await engine.listOperations({ limit: 5 })).map((op) => op.id)).toEqual([first.operation.id]);
  });

  it('does cancel work still in the queue in its row, and resolve whoever waits for it', async () => {
    const submitted = await engine.submit({ kind: 'scrape', params: { target: '@tocancel' } });
    if (submitted.kind !== 'queued') throw new Error('not queued');
    const id = submitted.operation.id;
    const waiting = engine.waitFor(id);
    const result = await engine.cancel(id, 'Not needed.');
    expect(result).toMatchObject({ kind: 'cancelled', operation: { id, status: 'cancelled', error: { kind: 'cancelled', message: 'Not needed.' } } });
    expect(await waiting).toMatchObject({ id, status: 'cancelled' });
    expect(await engine.cancel(id)).toEqual({ kind: 'finished', status: 'cancelled' });
    expect(await engine.cancel(987_654)).toEqual({ kind: 'not_found' });
    const stats = await db.sql.get<{ cancelled: number }>(sql`select cancelled from operation_stats where kind = 'scrape'`);
    expect(stats?.cancelled).toBe(1);
  });

  it('does ask the workers over the bus to cancel work one of them took up, and change nothing itself', async () => {
    const submitted = await engine.submit({ kind: 'scrape', params: { target: '@taken' } });
    if (submitted.kind !== 'queued') throw new Error('not queued');
    const id = submitted.operation.id;
    const [account] = await db.sql.all<{ id: number }>(sql`insert into accounts (phone, created_at, updated_at) values ('+15550001111', 1, 1) returning id`);
    await createOperationsRepository(db).assign(id, Number(account?.id), clock);
    const heard: Array<[number, string]> = [];
    const off = workerBus.subscribe((event, args) => {
      if (event === 'operation:cancel') heard.push(args as FleetEvents['operation:cancel']);
    });
    const result = await engine.cancel(id, 'Stop it.');
    expect(result).toMatchObject({ kind: 'cancelling', operation: { id, status: 'queued' } });
    await until(() => heard.length === 1, 'the worker to hear the cancel');
    off();
    expect(heard).toEqual([[id, 'Stop it.']]);
    expect((await engine.getOperation(id))?.status).toBe('queued');
  });

  it('does pass a worker’s progress on with the message the panel stored, and take the finish from the row', async () => {
    const submitted = await engine.submit({ kind: 'scrape', params: { target: '@progress' }, reportChatId: 7 });
    if (submitted.kind !== 'queued') throw new Error('not queued');
    const id = submitted.operation.id;
    await engine.setReportMessage(id, 7, 555);
    // What the worker sends knows nothing of the message: it was set on the panel after the worker took the row.
    const progress = nextEvent('operation:progress', id);
    await workerBus.publish('operation:progress', { ...submitted.operation, status: 'running', reportMessageId: null, progress: { done: 200, total: 1000 } });
    expect(await progress).toMatchObject({ id, status: 'running', reportChatId: 7, reportMessageId: 555, progress: { done: 200, total: 1000 } });

    const waiting = engine.waitFor(id);
    await db.sql.run(sql`update operations set status = 'succeeded', result = ${JSON.stringify({ found: 1000 })}, finished_at = ${clock} where id = ${id}`);
    const finished = nextEvent('operation:finished', id);
    // A finish too big for the bus comes without its result: the row has it.
    await workerBus.publish('operation:finished', { ...submitted.operation, status: 'succeeded', result: null, accountId: 3 });
    expect(await finished).toMatchObject({ id, status: 'succeeded', result: { found: 1000 }, reportMessageId: 555, accountId: 3 });
    expect(await waiting).toMatchObject({ id, status: 'succeeded' });
  });

  it('does add an account with its own device and app credential, its session sealed, and refuse a phone twice', async () => {
    const added = await engine.addAccount({ phone: '+1 555 000 2222', session: 'session-string-secret', label: 'Scout' });
    expect(added).toMatchObject({ kind: 'ok', account: { phone: '+15550002222', label: 'Scout', apiId: 111, state: 'disconnected' } });
    if (added.kind !== 'ok') throw new Error('not added');
    const row = await createAccountsRepository(db).get(added.account.id);
    expect(row?.sessionEnc).not.toContain('session-string-secret');
    expect(cipher.decrypt(row?.sessionEnc ?? '')).toBe('session-string-secret');
    expect(cipher.decrypt(row?.apiHashEnc ?? '')).toBe('a'.repeat(32));
    expect(added.account.device).not.toBeNull();
    expect(await engine.addAccount({ phone: '+15550002222', session: 'x' })).toEqual({ kind: 'refused', message: 'An account with phone +15550002222 is already registered.' });
    expect(await engine.addAccount({ phone: 'not a phone' })).toMatchObject({ kind: 'refused' });
    expect(await engine.removeAccount(424_242)).toMatchObject({ kind: 'not_found' });
    expect(await engine.setProxy(424_242, null)).toMatchObject({ kind: 'not_found' });
    expect(await engine.setAccountHealth(added.account.id, 'limited', 'by hand')).toEqual({ kind: 'refused', message: ON_A_WORKER });
    // Nobody holds it yet: a pause is written to its row, which its next holder reads.
    expect(await engine.pauseAccount(added.account.id)).toMatchObject({ kind: 'ok', account: { id: added.account.id, paused: true } });
    expect((await createAccountsRepository(db).get(added.account.id))?.paused).toBe(true);
    expect(await engine.resumeAccount(added.account.id)).toMatchObject({ kind: 'ok', account: { paused: false } });
    expect(await engine.pauseAccount(424_242)).toMatchObject({ kind: 'not_found' });
  });

  it('does show an account as its holder last told of it, and /status the workers with the accounts they hold', async () => {
    const accounts = await engine.listAccounts();
    const scout = accounts.find((a) => a.label === 'Scout');
    if (!scout) throw new Error('no account');
    const told: Account = { ...scout, state: 'busy', running: 77, load: 2, queued: 1 };
    const seen = new Promise<void>((resolve) => engine.events.once('account:state', () => resolve()));
    await workerBus.publish('account:state', told, 'idle');
    await seen;
    // What a worker told of an account nobody holds any more is stale: it shows as not connected.
    expect(await engine.getAccount(scout.id)).toMatchObject({ id: scout.id, state: 'disconnected', running: null, load: 0 });

    const workers = createWorkerRepository(db.sql);
    await workers.register({ id: 'w-1', name: 'scraper-1', role: 'worker', host: 'h', pid: 1, now: clock });
    await createLeaseRepository(db.sql).acquire(scout.id, 'w-1', clock, 30_000);
    const again = new Promise<void>((resolve) => engine.events.once('account:state', () => resolve()));
    await workerBus.publish('account:state', told, 'idle');
    await again;
    expect(await engine.getAccount(scout.id)).toMatchObject({ id: scout.id, state: 'busy', running: 77, load: 2, queued: 1, label: 'Scout' });
    const status = await engine.status();
    expect(status.workers).toEqual([{ name: 'scraper-1', live: true, stopping: false, heartbeatAt: clock, accountIds: [scout.id] }]);
    expect(status.scrapeLimit).toBe(3);
    expect(status.queued).toBe((await db.sql.all(sql`select id from operations where status = 'queued'`)).length);
    expect(status.accounts.map((a) => a.id)).toEqual(accounts.map((a) => a.id));

    // Held by a live worker: the worker is asked, and its answer is the account's next state it tells of.
    const off = workerBus.subscribe((event, args) => {
      if (event !== 'account:command') return;
      const [accountId, command] = args as FleetEvents['account:command'];
      if (command === 'pause') void workerBus.publish('account:state', { ...told, id: accountId, paused: true, state: 'paused' }, 'busy');
    });
    expect(await engine.pauseAccount(scout.id)).toMatchObject({ kind: 'ok', account: { id: scout.id, paused: true, state: 'paused' } });
    off();
  });

  it('does tell the admin when the worker holding an account does not answer a change', async () => {
    const quick = new FleetPanelEngine({ ...options, commandTimeoutMs: 100 });
    const [scout] = (await quick.listAccounts()).filter((a) => a.label === 'Scout');
    if (!scout) throw new Error('no account');
    const result = await quick.pauseAccount(scout.id);
    quick.close();
    expect(result).toEqual({ kind: 'refused', message: `Worker scraper-1, which holds account #${scout.id}, did not answer in time; nothing is known to have changed. Try again.` });
  });

  it('does re-emit a worker’s monitor hit as the engine of one process emits it', async () => {
    const hit: MonitorHit = {
      monitorId: 7,
      accountId: 2,
      chatId: 7001,
      chatTitle: 'Bike market',
      chatUsername: 'bikemarket',
      messageId: 55,
      senderId: 7_123_456_789,
      senderName: 'Ann',
      text: 'anyone selling a used bike?',
      keyword: 'bike',
      at: 1_700_000_000_000,
    };
    const heard: MonitorHit[] = [];
    const onHit = (h: MonitorHit) => heard.push(h);
    engine.events.on('monitor:hit', onHit);
    await workerBus.publish('monitor:hit', hit);
    await until(() => heard.length === 1, 'the hit re-emitted');
    engine.events.off('monitor:hit', onHit);
    expect(heard).toEqual([hit]);
  });

  it('does store the proxy of an account nobody holds in its row, sealed, for its next holder to connect through', async () => {
    const added = await engine.addAccount({ phone: '+15550003333', session: 's', proxy: setting(`socks5://bob:${PASSWORD}@127.0.0.1:1080`) });
    if (added.kind !== 'ok') throw new Error('not added');
    const id = added.account.id;
    const repo = createAccountsRepository(db);
    const row = await repo.get(id);
    expect(row?.proxyHost).toBe('127.0.0.1:1080');
    expect(row?.proxyEnc).not.toContain(PASSWORD);
    expect(cipher.decrypt(row?.proxyEnc ?? '')).toBe(`socks5://bob:${PASSWORD}@127.0.0.1:1080`);

    const changed = await engine.setProxy(id, setting('socks4://10.0.0.9:1081'));
    expect(changed).toMatchObject({ kind: 'ok', reconnect: 'not_needed', account: { id, state: 'disconnected', proxy: { scheme: 'socks4', address: '10.0.0.9:1081' } } });
    expect((await repo.get(id))?.proxyHost).toBe('10.0.0.9:1081');
    expect(await engine.setProxy(id, null)).toMatchObject({ kind: 'ok', account: { id, proxy: null } });
    expect(await repo.get(id)).toMatchObject({ proxyHost: null, proxyEnc: null });
  });

  it('does remove an account nobody holds with its work as one process does: pinned work fails, placed work goes back to the queue', async () => {
    const added = await engine.addAccount({ phone: '+15550004444', session: 's' });
    if (added.kind !== 'ok') throw new Error('not added');
    const id = added.account.id;
    const operations = createOperationsRepository(db);
    const pinned = await engine.submit({ kind: 'scrape', params: { target: '@pinnedhere' }, accountId: id });
    const placed = await engine.submit({ kind: 'scrape', params: { target: '@placedhere' } });
    if (pinned.kind !== 'queued' || placed.kind !== 'queued') throw new Error('not queued');
    // Placed on it and running when its worker died: that worker's lease ran out long ago.
    await operations.assign(placed.operation.id, id, clock);
    await operations.markRunning(placed.operation.id, id, clock);
    await createLeaseRepository(db.sql).acquire(id, 'w-dead', clock - 120_000, 30_000);
    const waiting = engine.waitFor(pinned.operation.id);
    const waitingJobs = () => db.sql.all(sql`select id from pgboss.job where name = ${accountQueue(id)} and state = 'created'`);
    expect(await waitingJobs()).toHaveLength(1);

    const removed = await engine.removeAccount(id);
    expect(removed).toMatchObject({ kind: 'ok', account: { id, state: 'disconnected' } });
    expect(await waiting).toMatchObject({ id: pinned.operation.id, status: 'failed', error: { kind: 'no_account', message: `Account #${id} was removed.` } });
    expect(await operations.get(placed.operation.id)).toMatchObject({ status: 'queued', assignedAccountId: null, pinnedAccountId: null });
    const jobs = await db.sql.all<{ name: string }>(sql`select name from pgboss.job where (data->>'operationId')::int = ${placed.operation.id} and state = 'created'`);
    expect(jobs.map((j) => j.name)).toContain('op-unassigned');
    // Nobody works the queue of an account that is gone: what waited there is dropped with it.
    expect(await waitingJobs()).toEqual([]);
    expect(await createAccountsRepository(db).get(id)).toBeUndefined();
    expect(await createLeaseRepository(db.sql).get(id)).toBeUndefined();
    expect(await engine.removeAccount(id)).toMatchObject({ kind: 'not_found' });
  });

  it('does ask the worker holding an account to remove it or change its proxy, the proxy sealed on the bus', async () => {
    const [scout] = (await engine.listAccounts()).filter((a) => a.label === 'Scout');
    if (!scout) throw new Error('no account');
    const asked: FleetEvents['account:change'][] = [];
    const off = workerBus.subscribe((event, args) => {
      if (event !== 'account:change') return;
      const [accountId, change, requestId] = args as FleetEvents['account:change'];
      asked.push([accountId, change, requestId]);
      const proxy = change.kind === 'proxy' && change.sealed !== null ? { scheme: 'socks5' as const, address: '127.0.0.1:1080' } : null;
      const outcome: FleetEvents['account:changed'][1] =
        change.kind === 'remove' ? { kind: 'removed', account: { ...scout, state: 'idle' } } : { kind: 'proxy', account: { ...scout, state: 'busy', proxy }, reconnect: 'busy' };
      void workerBus.publish('account:changed', requestId, outcome);
    });
    const url = `socks5://bob:${PASSWORD}@127.0.0.1:1080`;
    expect(await engine.setProxy(scout.id, setting(url))).toMatchObject({ kind: 'ok', reconnect: 'busy', account: { id: scout.id, proxy: { address: '127.0.0.1:1080' } } });
    // The holder stores it: the panel leaves the row alone.
    expect((await createAccountsRepository(db).get(scout.id))?.proxyEnc).toBeNull();
    const sealed = asked[0]?.[1];
    if (sealed?.kind !== 'proxy' || sealed.sealed === null) throw new Error('no sealed proxy');
    expect(JSON.stringify(asked)).not.toContain(PASSWORD);
    expect(cipher.decrypt(sealed.sealed)).toBe(url);

    expect(await engine.removeAccount(scout.id)).toMatchObject({ kind: 'ok', account: { id: scout.id, state: 'disconnected' } });
    expect(asked.map(([accountId, change]) => [accountId, change.kind])).toEqual([
      [scout.id, 'proxy'],
      [scout.id, 'remove'],
    ]);
    off();

    const quick = new FleetPanelEngine({ ...options, commandTimeoutMs: 100 });
    const late = `Worker scraper-1, which holds account #${scout.id}, did not answer in time; nothing is known to have changed. Try again.`;
    expect(await quick.removeAccount(scout.id)).toEqual({ kind: 'refused', message: late });
    expect(await quick.setProxy(scout.id, null)).toEqual({ kind: 'refused', message: late });
    quick.close();
    // Nothing was changed here: the row is the holder's to delete.
    expect(await createAccountsRepository(db).get(scout.id)).toBeDefined();
  });
  it('does give a login its identity, store its session sealed in an unheld account, and refuse it for a held one', async () => {
    const accounts = createAccountsRepository(db);
    // A new phone: an identity held for its login, the same on asking again, and kept by the account it adds.
    const first = await engine.identityFor('+15550007777');
    expect(first?.credentials.apiId).toBeDefined();
    expect(await engine.identityFor('+1 555 000 7777')).toEqual(first);
    expect(await engine.proposeIdentity()).toMatchObject({ credentials: { apiId: expect.any(Number) as number } });
    const added = await engine.addAccount({ phone: '+15550007777', session: 'login-session-1', device: first?.device, credentials: first?.credentials });
    if (added.kind !== 'ok') throw new Error('not added');
    expect(added.account.apiId).toBe(first?.credentials.apiId);
    // Registered: its own stored identity, opened with the cipher.
    expect(await engine.identityFor('+15550007777')).toEqual(first);

    // Nobody holds it: a re-login's session replaces the sealed one, and a dead account is back in rotation.
    await accounts.setHealth(added.account.id, 'dead', 'AUTH_KEY_UNREGISTERED', clock);
    expect(await engine.setSession(added.account.id, 'login-session-2')).toMatchObject({ kind: 'ok', account: { id: added.account.id } });
    const row = await accounts.get(added.account.id);
    expect(row?.sessionEnc).not.toContain('login-session-2');
    expect(cipher.decrypt(row?.sessionEnc ?? '')).toBe('login-session-2');
    expect(row?.health).toBe('ok');
    await engine.recordHealthCheck(added.account.id, { telegramUserId: 7_777, username: 'seven', firstName: 'Seven' });
    expect(await accounts.get(added.account.id)).toMatchObject({ telegramUserId: 7_777, username: 'seven', firstName: 'Seven' });
    expect(await engine.holderOf('+15550007777')).toBeUndefined();
    expect(await engine.setSession(424_242, 'x')).toMatchObject({ kind: 'not_found' });

    // A worker holds it: its session is not replaced under it, and the refusal names the worker.
    await createWorkerRepository(db.sql).register({ id: 'w-login', name: 'login-holder', role: 'worker', host: 'h', pid: 2, now: clock });
    await createLeaseRepository(db.sql).acquire(added.account.id, 'w-login', clock, 30_000);
    expect(await engine.holderOf('+15550007777')).toBe('login-holder');
    const refused = await engine.setSession(added.account.id, 'login-session-3');
    expect(refused).toMatchObject({ kind: 'refused' });
    expect(refused.kind === 'refused' ? refused.message : '').toContain('worker login-holder');
    expect(cipher.decrypt((await accounts.get(added.account.id))?.sessionEnc ?? '')).toBe('login-session-2');
    await engine.recordHealthCheck(added.account.id, { telegramUserId: 8_888, username: null, firstName: null });
    expect((await accounts.get(added.account.id))?.telegramUserId).toBe(7_777);
  });
});
