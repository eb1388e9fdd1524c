import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api, errors } from 'telegram';
import { afterEach, describe, expect, it } from 'vitest';
import { SANDBOX_CREDENTIALS, type TraceEntry } from '../../src/sandbox/index.js';
import { ALPHA, BRAVO, rpcError, startSandbox, testWorldInput, type Sandbox } from './helpers.js';

describe('createTelegramServer', () => {
  let sandbox: Sandbox;
  afterEach(async () => {
    await sandbox.close();
  });

  it('injects a FLOOD_WAIT fault that GramJS raises as FloodWaitError', async () => {
    sandbox = startSandbox(
      testWorldInput({
        faults: [{ account: ALPHA, method: 'channels.GetParticipants', afterCalls: 2, error: 'FLOOD_WAIT_120', times: 1 }],
      }),
    );
    const client = await sandbox.connect(ALPHA);
    const error = await rpcError(client.getParticipants('mediumchat', {}));
    expect(error).toBeInstanceOf(errors.FloodWaitError);
    expect(error.seconds).toBe(120);
    expect(error.code).toBe(420);
    // `times` is 1: the next call goes through; other accounts were never affected.
    expect(await client.getParticipants('mediumchat', { limit: 10 })).toHaveLength(10);
    const bravo = await sandbox.connect(BRAVO);
    expect(await bravo.getParticipants('mediumchat', { limit: 10 })).toHaveLength(10);
    const calls = sandbox.trace.filter((t) => t.method === 'channels.GetParticipants' && t.account === ALPHA);
    expect(calls.map((t) => ('error' in t ? t.error : 'ok'))).toEqual(['ok', 'ok', 'FLOOD_WAIT_120', 'ok']);
  });

  it('sleeps through a flood wait below the client threshold, as GramJS does', async () => {
    sandbox = startSandbox(
      testWorldInput({ faults: [{ account: ALPHA, method: 'users.GetUsers', afterCalls: 0, error: 'FLOOD_WAIT_0', times: 1 }] }),
    );
    const client = await sandbox.connect(ALPHA, { floodSleepThreshold: 5 });
    expect((await client.getMe()).firstName).toBe('Alpha');
    expect(sandbox.trace.filter((t) => t.method === 'users.GetUsers')).toHaveLength(2);
  });

  it('fails any method with a `*` fault, e.g. a dead or limited account', async () => {
    sandbox = startSandbox(
      testWorldInput({
        faults: [
          { account: ALPHA, method: '*', afterCalls: 1, error: 'AUTH_KEY_UNREGISTERED', times: 1000 },
          { account: BRAVO, method: 'messages.SendMessage', afterCalls: 0, error: 'PEER_FLOOD', times: 1 },
        ],
      }),
    );
    const client = await sandbox.connect(ALPHA);
    await client.getMe();
    expect(await rpcError(client.getEntity('mediumchat'))).toMatchObject({ errorMessage: 'AUTH_KEY_UNREGISTERED', code: 401 });
    expect(await rpcError(client.invoke(new Api.updates.GetState()))).toMatchObject({ errorMessage: 'AUTH_KEY_UNREGISTERED' });
    // Pings are left alone by `*`, so fault timing does not depend on the ping clock.
    expect(await client.invoke(new Api.Ping({ pingId: 7 as never }))).toBeInstanceOf(Api.Pong);
    const bravo = await sandbox.connect(BRAVO);
    expect(await rpcError(bravo.sendMessage('user42', { message: 'hi' }))).toMatchObject({ errorMessage: 'PEER_FLOOD', code: 400 });
  });

  it('traces every request with its account, method and outcome', async () => {
    sandbox = startSandbox();
    const client = await sandbox.connect(ALPHA);
    await client.getEntity('mediumchat');
    await rpcError(client.invoke(new Api.contacts.ResolveUsername({ username: 'nobodyhere' })));
    const tail = sandbox.trace.slice(-2);
    expect(tail).toEqual([
      { t0: expect.any(Number), t1: expect.any(Number), account: ALPHA, method: 'contacts.ResolveUsername', ok: true },
      { t0: expect.any(Number), t1: expect.any(Number), account: ALPHA, method: 'contacts.ResolveUsername', error: 'USERNAME_NOT_OCCUPIED' },
    ]);
    for (const t of sandbox.trace) expect(t.t1).toBeGreaterThanOrEqual(t.t0);
  });

  it('writes the trace file of SANDBOX_TRACE', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sandbox-trace-'));
    try {
      const path = join(dir, 'trace.jsonl');
      sandbox = startSandbox(testWorldInput(), { tracePath: path });
      const client = await sandbox.connect(ALPHA);
      await client.getMe();
      await sandbox.close();
      const lines = (await readFile(path, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as TraceEntry);
      expect(lines).toEqual(sandbox.trace);
      expect(Object.keys(lines.at(-1)!)).toEqual(['t0', 't1', 'account', 'method', 'ok']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('answers after the world latency', async () => {
    sandbox = startSandbox(testWorldInput({ latencyMs: 25 }));
    const client = await sandbox.connect(ALPHA);
    await client.getMe();
    const call = sandbox.trace.find((t) => t.method === 'users.GetUsers')!;
    expect(call.t1 - call.t0).toBeGreaterThanOrEqual(24);
  });

  it('refuses everything but login to a logged-out connection, which the trace cannot name yet', async () => {
    sandbox = startSandbox();
    const client = await sandbox.connect('+15550000004');
    expect((await rpcError(client.getEntity('mediumchat'))).errorMessage).toBe('AUTH_KEY_UNREGISTERED');
    // The sandbox knows a connection by its auth key only, as Telegram does: a new key is nobody yet.
    expect(sandbox.trace.at(-1)).toMatchObject({ account: '', error: 'AUTH_KEY_UNREGISTERED' });
    // Once a login starts on the key, the trace names the phone being logged in.
    await client.sendCode(SANDBOX_CREDENTIALS, '+15550000004');
    expect(sandbox.trace.at(-1)).toMatchObject({ account: '+15550000004', method: 'auth.SendCode', ok: true });
  });
});
