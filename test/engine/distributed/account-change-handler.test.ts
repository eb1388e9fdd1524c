import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, SANDBOX_SESSION_SECRET } from '../../../src/config.js';
import { createSessionCipher } from '../../../src/db/session-crypto.js';
import type { EventBus } from '../../../src/engine/distributed/event-bus.js';
import type { AccountChange, AccountChangeOutcome, FleetEvents } from '../../../src/engine/distributed/fleet-events.js';
import { createPgEventBus } from '../../../src/engine/distributed/pg-event-bus.js';
import { checkOperation } from '../../../src/engine/operations/check.js';
import { healthOperation } from '../../../src/engine/operations/health.js';
import type { Account, RunnerDefinition } from '../../../src/engine/types.js';
import type { WorldInput } from '../../../src/sandbox/index.js';
import { createWorkerApp, type WorkerApp } from '../../../src/worker-app.js';
import { Fleet } from '../../e2e/fleet-harness.js';
import { worldAccounts } from '../../e2e/telegram-harness.js';
import { silentLogger } from '../harness.js';
import { until } from '../../until.js';

const PASSWORD = 'hunter2-proxy-pass';
const PROXY = `socks5://bob:${PASSWORD}@127.0.0.1:1080`;
const ACCOUNTS = worldAccounts(3);
const [first, second, third] = ACCOUNTS;
const WORLD: WorldInput = {
  latencyMs: 15,
  participantsCap: 10_000,
  // The second one's @SpamBot says it is limited, with no end date.
  accounts: ACCOUNTS.map((a, i) => (i === 1 ? { ...a, spamBot: 'limited' } : a)),
  chats: [{ id: 3001, kind: 'supergroup', username: 'bigchat', title: 'Big', members: { from: 400_000, count: 9000 } }],
  proxies: [{ url: PROXY, works: true, latencyMs: 5 }],
};
/** Worker start and its account connections; each wait ends as soon as its condition holds. */
const SLOW = { intervalMs: 20, tries: 3000 };
const cipher = createSessionCipher(SANDBOX_SESSION_SECRET);
const reports = { recordHealthCheck: () => undefined };

describe('A worker, asked by the panel over the bus', () => {
  let fleet: Fleet;
  let worker: WorkerApp;
  let bus: EventBus<FleetEvents>;
  const heard: Array<{ event: string; args: readonly unknown[] }> = [];
  const ids = new Map<string, number>();

  beforeAll(async () => {
    fleet = new Fleet({
      world: WORLD,
      scrapeConcurrency: 2,
      leaseSeconds: 3,
      definitions: [checkOperation(reports), healthOperation(reports)] as unknown as RunnerDefinition<never, unknown, never, unknown>[],
    });
    await fleet.start();
    bus = await createPgEventBus<FleetEvents>({ url: fleet.url, origin: 'test-panel', logger: silentLogger() });
    bus.subscribe((event, args) => void heard.push({ event, args }));
    const config = loadConfig({ ROLE: 'worker', TELEGRAM_MODE: 'sandbox', DATABASE_URL: fleet.url, SANDBOX_CONNECT: fleet.address, WORKER_NAME: 'solo', LEASE_SECONDS: '3', SCRAPE_CONCURRENCY: '2' });
    worker = await createWorkerApp({ config, logger: silentLogger(), cleanupMs: 1000 });
    await worker.start();
    for (const row of await fleet.db.sql.all<{ id: number; phone: string }>(sql`select id, phone from accounts order by id`)) ids.set(row.phone, Number(row.id));
    await until(() => worker.engine.listAccounts().filter((a) => a.state === 'idle').length === 3, 'the worker to connect every account', SLOW);
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    await bus?.close();
    await fleet?.stop();
  });

  const idOf = (phone: string | undefined) => ids.get(phone ?? '') ?? -1;
  /** Asks as the panel does, and resolves with the holder's answer. */
  const ask = async (accountId: number, change: AccountChange, requestId: string): Promise<AccountChangeOutcome> => {
    await bus.publish('account:change', accountId, change, requestId);
    let answer: AccountChangeOutcome | undefined;
    await until(() => {
      answer = heard.find((h) => h.event === 'account:changed' && h.args[0] === requestId)?.args[1] as AccountChangeOutcome | undefined;
      return answer !== undefined;
    }, `the answer to ${requestId}`, SLOW);
    return answer as AccountChangeOutcome;
  };
  const row = (id: number) => fleet.db.sql.get<Record<string, unknown>>(sql`select * from accounts where id = ${id}`);

  it('does run an account check queued for an account it holds, and write its verdict and profile to the account’s row', { timeout: 60_000 }, async () => {
    const id = idOf(second?.phone);
    const submitted = await fleet.submitter.submit({ kind: 'check', accountId: id, params: { trigger: 'admin' } });
    if (submitted.kind !== 'queued') throw new Error('not queued');
    // The verdict, then the account leaving rotation for it: written behind, in that order.
    await until(async () => (await row(id))?.health === 'limited', 'the verdict to be written', SLOW);
    const op = await fleet.db.sql.get<{ status: string; result: string; assigned_account_id: number }>(sql`select status, result, assigned_account_id from operations where id = ${submitted.operation.id}`);
    expect(op).toMatchObject({ status: 'succeeded', assigned_account_id: id });
    expect(JSON.parse(op?.result ?? 'null')).toEqual({ alive: true, verdict: { kind: 'limited', until: null } });
    expect(await row(id)).toMatchObject({ spam_verdict: 'limited', telegram_user_id: second?.userId, first_name: 'Ops2' });
    const stored = await row(id);
    expect(stored?.checked_at).not.toBeNull();
    expect(stored?.next_check_at).not.toBeNull();
    // The panel hears the verdict, for its alerts.
    await until(() => heard.some((h) => h.event === 'account:check' && (h.args[0] as Account).id === id), 'the verdict on the bus', SLOW);
  });

  it('does connect an account it holds through the proxy the panel sealed, and store it fenced by its lease', { timeout: 60_000 }, async () => {
    const id = idOf(first?.phone);
    const since = Date.now();
    const outcome = await ask(id, { kind: 'proxy', sealed: cipher.encrypt(PROXY) }, 'proxy-1');
    expect(outcome).toMatchObject({ kind: 'proxy', reconnect: 'done', account: { id, proxy: { scheme: 'socks5', address: '127.0.0.1:1080' } } });
    expect(JSON.stringify(heard)).not.toContain(PASSWORD);
    // Its next connection went through the proxy (the simulated Telegram says so, without the password).
    const inits = () => fleet.trace().filter((t) => t.method === 'InitConnection' && t.account === first?.phone && t.t0 >= since && 'ok' in t);
    await until(() => inits().length > 0, 'the account to connect again', SLOW);
    expect(inits().at(-1)?.proxy).toBe('socks5://127.0.0.1:1080');
    await until(async () => (await row(id))?.proxy_host === '127.0.0.1:1080', 'the proxy to be stored', SLOW);
    expect(cipher.decrypt(String((await row(id))?.proxy_enc))).toBe(PROXY);
  });

  it('does remove an account it holds: its runs end, work pinned to it fails, other work moves on, and its row is gone', { timeout: 60_000 }, async () => {
    const id = idOf(third?.phone);
    const other = idOf(first?.phone);
    // The only account left free to run unpinned work is the one removed (the second is limited by @SpamBot).
    expect(worker.engine.pauseAccount(other).kind).toBe('ok');
    const moving = await fleet.submitter.submit({ kind: 'scrape', params: { target: '@bigchat' } });
    if (moving.kind !== 'queued') throw new Error('not queued');
    const progress = async (opId: number) => Number((await fleet.db.sql.get<{ n: number }>(sql`select progress_done as n from operations where id = ${opId}`))?.n ?? 0);
    await until(async () => (await progress(moving.operation.id)) > 0, 'the scrape to store a page', SLOW);
    expect(worker.engine.getOperation(moving.operation.id)?.accountId).toBe(id);
    const pinned = await fleet.submitter.submit({ kind: 'scrape', params: { target: '@bigchat' }, accountId: id });
    if (pinned.kind !== 'queued') throw new Error('not queued');
    await until(() => worker.engine.getOperation(pinned.operation.id) !== undefined, 'the pinned scrape to wait behind it', SLOW);

    const outcome = await ask(id, { kind: 'remove' }, 'remove-1');
    expect(outcome).toMatchObject({ kind: 'removed', account: { id } });
    expect(worker.engine.getAccount(id)).toBeUndefined();
    expect(await row(id)).toBeUndefined();
    expect(await fleet.db.sql.get(sql`select 1 from account_leases where account_id = ${id}`)).toBeUndefined();
    expect(await fleet.db.sql.get(sql`select status, error_kind from operations where id = ${pinned.operation.id}`)).toEqual({ status: 'failed', error_kind: 'no_account' });
    // Nothing more of it reaches Telegram once it was removed.
    const answeredAt = Date.now();
    await until(() => !worker.keeper.heldAccounts().includes(id), 'the worker to let the lease go', SLOW);
    expect(fleet.trace().filter((t) => t.account === third?.phone && t.t0 > answeredAt)).toEqual([]);

    // The unpinned scrape went back to the fleet's queue; the first account, resumed, finishes it from its checkpoint.
    expect(worker.engine.resumeAccount(other).kind).toBe('ok');
    await until(async () => (await fleet.db.sql.get<{ status: string }>(sql`select status from operations where id = ${moving.operation.id}`))?.status === 'succeeded', 'the moved scrape to finish', SLOW);
    const moved = await fleet.db.sql.get<{ assigned_account_id: number; result: string }>(sql`select assigned_account_id, result from operations where id = ${moving.operation.id}`);
    expect(moved?.assigned_account_id).toBe(other);
    expect((JSON.parse(moved?.result ?? 'null') as { found: number }).found).toBe(9000);
    expect((await fleet.membersPerChat()).get(3001)).toBe(9000);
    expect(worker.engine.listAccounts().map((a) => a.id).sort((a, b) => a - b)).toEqual([other, idOf(second?.phone)].sort((a, b) => a - b));
  });
});
