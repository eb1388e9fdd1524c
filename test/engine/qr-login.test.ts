import { afterEach, describe, expect, it } from 'vitest';
import { createSessionCipher } from '../../src/db/session-crypto.js';
import { createDatabase } from '../../src/db/client.js';
import { createKvRepository } from '../../src/db/repositories/kv.js';
import { createEngine } from '../../src/engine/index.js';
import { telegramClientFactory } from '../../src/engine/clients/client-factory.js';
import { createLoginService } from '../../src/engine/login.js';
import type { QrEvent } from '../../src/engine/qr-login.js';
import { createWorld, parseWorld, SANDBOX_CREDENTIALS, sandboxTransport, worldEndpoint, type TraceEntry } from '../../src/sandbox/index.js';
import { testWorldInput, DAVE } from '../sandbox/helpers.js';
import { manualClock } from '../manual-clock.js';
import { until } from '../until.js';
import { silentLogger } from './harness.js';

const stops: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** The login service with real GramJS clients on a sandbox world; the world and the QR logins share `clock`. */
function setUp(world: { loginTokenTtlMs?: number } = {}) {
  // On a whole second: Telegram's `expires` counts seconds.
  const clock = manualClock(1_700_000_000_000);
  const trace: TraceEntry[] = [];
  const sandbox = createWorld(parseWorld(testWorldInput()), { now: clock.now, traceEntries: trace, ...world });
  stops.push(() => sandbox.stop());
  const db = createDatabase(':memory:');
  stops.push(() => db.close());
  const clients = telegramClientFactory({ credentials: SANDBOX_CREDENTIALS, transport: sandboxTransport(worldEndpoint(sandbox)) });
  const cipher = createSessionCipher('test-secret', { scryptCost: 1024 });
  const engine = createEngine<unknown>({ db, logger: silentLogger(), clients, cipher, credentials: [SANDBOX_CREDENTIALS] });
  stops.push(() => engine.stop());
  /** A login service as one run of the panel has it; pending logins are kept in the database. */
  const service = () => {
    const made = createLoginService({ engine, loginClient: (session, identity) => clients.loginClient(session, identity), store: createKvRepository(db), cipher, qr: { clock, timeoutMs: 120_000 } });
    stops.push(() => made.stop());
    return made;
  };
  const login = service();
  const events: QrEvent[] = [];
  const exports = () => trace.filter((t) => t.method === 'auth.ExportLoginToken').length;
  return { clock, world: sandbox, login, events, exports, service };
}

describe('QR login', () => {
  it('exports a new token only when the last one expires, waiting no less than a second for one that is already due', async () => {
    const t = setUp({ loginTokenTtlMs: 0 });
    const started = await t.login.qr((event) => t.events.push(event));
    expect(started.kind).toBe('qr');
    expect(t.events.map((e) => e.kind)).toEqual(['token']);
    // The token expired as it was made: the refresh waits the least time, then the 2-minute deadline.
    expect(t.clock.pending()).toEqual([1000, 120_000]);
    t.clock.advance(999);
    expect(t.exports()).toBe(1);
    t.clock.advance(1);
    await until(() => t.events.length === 2, 'the refreshed token');
    expect(t.exports()).toBe(2);
  });

  it('gives up at its deadline, and a cancelled login leaves no timer and no pending login behind', async () => {
    const t = setUp();
    const first = await t.login.qr((event) => t.events.push(event));
    if (first.kind !== 'qr') throw new Error(first.kind);
    expect(t.clock.pending()).toEqual([30_000, 120_000]);
    for (let s = 0; s < 120; s += 30) t.clock.advance(30_000);
    await until(() => t.events.some((e) => e.kind === 'failed'), 'the login to give up');
    expect(t.events.at(-1)).toEqual({ kind: 'failed', message: 'Nobody scanned the QR code within 2 minutes.' });
    expect(await t.login.qrState(first.loginId)).toBe('ended');
    expect(t.clock.pending()).toEqual([]);

    const second = await t.login.qr((event) => t.events.push(event));
    if (second.kind !== 'qr') throw new Error(second.kind);
    expect(await t.login.qrState(second.loginId)).toBe('scanning');
    await t.login.cancel(second.loginId);
    expect(t.events.at(-1)).toEqual({ kind: 'cancelled' });
    expect(await t.login.qrState(second.loginId)).toBe('ended');
    expect(t.clock.pending()).toEqual([]);
  });

  it('hands a 2FA account to the password step, which checks the password as after a code', async () => {
    const t = setUp();
    const step = await t.login.qr((event) => t.events.push(event));
    if (step.kind !== 'qr') throw new Error(step.kind);
    const token = t.events[0];
    if (token?.kind !== 'token') throw new Error('no token');
    expect(t.world.acceptLoginToken('+15550000003', token.url)).toMatchObject({ ok: true });
    await until(() => t.events.some((e) => e.kind === 'password_needed'), 'the password step');
    expect(await t.login.qrState(step.loginId)).toBe('password');
    expect(await t.login.password(step.loginId, 'wrong')).toEqual({ kind: 'failed', message: 'The two-step verification password is wrong.', retry: true });
    expect(await t.login.password(step.loginId, 'hunter2')).toMatchObject({ kind: 'done', account: { phone: '+15550000003', telegramUserId: 7_000_003 } });
    expect(await t.login.qrState(step.loginId)).toBe('ended');
    expect(t.world.account(DAVE)?.authorized).toBe(false);
  });

  it('keeps a QR login that waits for its password across a restart of the panel', async () => {
    const t = setUp();
    const step = await t.login.qr((event) => t.events.push(event));
    if (step.kind !== 'qr') throw new Error(step.kind);
    const token = t.events[0];
    if (token?.kind !== 'token') throw new Error('no token');
    expect(t.world.acceptLoginToken('+15550000003', token.url)).toMatchObject({ ok: true });
    await until(() => t.events.some((e) => e.kind === 'password_needed'), 'the password step');
    await t.login.stop();
    const next = t.service();
    expect(await next.qrState(step.loginId)).toBe('password');
    expect(await next.password(step.loginId, 'hunter2')).toMatchObject({ kind: 'done', account: { phone: '+15550000003' } });
    expect(await next.qrState(step.loginId)).toBe('ended');
  });
});
