import { Api, errors, type TelegramClient } from 'telegram';
import { NewMessage, type NewMessageEvent } from 'telegram/events/index.js';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_DEVICE_PROFILE } from '../../../src/engine/clients/device-profile.js';
import { buildTelegramClient } from '../../../src/engine/clients/telegram-client.js';
import {
  createWorld,
  parseWorld,
  sandboxServer,
  sandboxTransport,
  worldEndpoint,
  worldSession,
  type SandboxEndpoint,
  type SandboxWorld,
  type TraceEntry,
  type WorldInput,
} from '../../../src/sandbox/index.js';
import { serveSandbox, type SandboxSocketServer } from '../../../src/sandbox/wire/socket-server.js';
import { socketEndpoint } from '../../../src/sandbox/wire/socket-endpoint.js';
import { ALPHA, DAVE, rpcError, testWorldInput } from '../helpers.js';
import { until } from '../../until.js';

interface Served {
  readonly world: SandboxWorld;
  readonly trace: TraceEntry[];
  readonly endpoint: SandboxEndpoint;
  client(phone: string, options?: { session?: string; proxy?: Parameters<typeof buildTelegramClient>[0]['proxy']; apiId?: number }): Promise<TelegramClient>;
}

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

/** A world served over a loopback socket, or reached in-process: the two must not differ. */
async function serve(input: WorldInput, over: 'socket' | 'in-process'): Promise<Served> {
  const trace: TraceEntry[] = [];
  const world = createWorld(parseWorld(input), { traceEntries: trace });
  cleanup.push(() => world.stop());
  let endpoint: SandboxEndpoint;
  if (over === 'socket') {
    const server: SandboxSocketServer = await serveSandbox(sandboxServer(world));
    cleanup.push(() => server.close());
    endpoint = socketEndpoint(server.address);
  } else {
    endpoint = worldEndpoint(world);
  }
  return {
    world,
    trace,
    endpoint,
    async client(phone, options = {}) {
      const session = options.session ?? (await worldSession(world, phone));
      const client = buildTelegramClient(
        { session, credentials: { apiId: options.apiId ?? 12345, apiHash: 'f'.repeat(32) }, device: DEFAULT_DEVICE_PROFILE, proxy: options.proxy },
        { connectionRetries: 1, autoReconnect: false, transport: sandboxTransport(endpoint) },
      );
      cleanup.push(() => client.destroy());
      return client;
    },
  };
}

const transports = ['socket', 'in-process'] as const;

describe('The sandbox wire', () => {
  it.each(transports)('logs in by the auth key the session holds, and traces the InitConnection (%s)', async (over) => {
    const s = await serve(testWorldInput(), over);
    const client = await s.client(ALPHA, { apiId: 424242 });
    await client.connect();
    const me = await client.getMe();
    expect(me.id.toJSNumber()).toBe(7_000_001);
    expect(s.trace.find((t) => t.method === 'InitConnection')).toMatchObject({
      account: ALPHA,
      ok: true,
      apiId: 424242,
      deviceModel: DEFAULT_DEVICE_PROFILE.deviceModel,
      systemVersion: DEFAULT_DEVICE_PROFILE.systemVersion,
      appVersion: DEFAULT_DEVICE_PROFILE.appVersion,
      langCode: DEFAULT_DEVICE_PROFILE.langCode,
      proxy: null,
    });
    // One line for the request that opened the connection, none for the help.GetConfig inside it.
    expect(s.trace.filter((t) => t.method === 'InitConnection')).toHaveLength(1);
    expect(s.trace.some((t) => t.method === 'help.GetConfig')).toBe(false);
  });

  it.each(transports)('carries faults as GramJS errors, and the latency (%s)', async (over) => {
    const s = await serve(
      testWorldInput({ latencyMs: 15, faults: [{ account: ALPHA, method: 'users.GetUsers', afterCalls: 0, error: 'FLOOD_WAIT_42', times: 1 }] }),
      over,
    );
    const client = await s.client(ALPHA);
    await client.connect();
    const error = await rpcError(client.getMe());
    expect(error).toBeInstanceOf(errors.FloodWaitError);
    expect(error.seconds).toBe(42);
    expect((await client.getMe()).firstName).toBe('Alpha');
    const calls = s.trace.filter((t) => t.method === 'users.GetUsers');
    expect(calls.map((t) => ('ok' in t ? 'ok' : t.error))).toEqual(['FLOOD_WAIT_42', 'ok']);
    for (const call of calls) expect(call.t1 - call.t0).toBeGreaterThanOrEqual(14);
  });

  it.each(transports)('pushes new messages of a chat the account is in as live updates (%s)', async (over) => {
    const input = testWorldInput();
    const s = await serve({ ...input, accounts: input.accounts!.map((a) => (a.phone === ALPHA ? { ...a, joined: [2001] } : a)) }, over);
    const client = await s.client(ALPHA);
    await client.connect();
    const seen: string[] = [];
    client.addEventHandler((event: NewMessageEvent) => void seen.push(event.message.message), new NewMessage({}));
    s.world.postChatMessage(s.world.chat(2001)!, { kind: 'pool', n: 7 }, 'hello over the wire');
    await until(() => seen.length > 0, 'the update');
    expect(seen).toEqual(['hello over the wire']);
  });

  it.each(transports)('logs in with code and 2FA password, and the saved session logs in again (%s)', async (over) => {
    const s = await serve(testWorldInput(), over);
    const client = await s.client('+15550000003', { session: '' });
    await client.connect();
    expect(await client.checkAuthorization()).toBe(false);
    const user = await client.signInUser(
      { apiId: 12345, apiHash: 'f'.repeat(32) },
      { phoneNumber: '+15550000003', phoneCode: async () => '12345', password: async () => 'hunter2', onError: async () => true },
    );
    expect((user as Api.User).firstName).toBe('Carol');
    const saved = String(client.session.save());
    await client.destroy();
    const again = await s.client('+15550000003', { session: saved });
    await again.connect();
    expect((await again.getMe()).firstName).toBe('Carol');
  });

  it.each(transports)('fails requests in flight when the client disconnects (%s)', async (over) => {
    const s = await serve(testWorldInput(), over);
    const client = await s.client(ALPHA);
    await client.connect();
    s.world.latencyMs = 60_000;
    const inFlight = client.invoke(new Api.updates.GetState());
    await until(() => s.world.requestsInFlight > 0, 'the request to reach the server');
    await client.disconnect();
    await expect(inFlight).rejects.toThrow('Disconnected');
  });

  it('gives a client that connects to nothing a connection error, not a hang', async () => {
    const endpoint = socketEndpoint('127.0.0.1:1');
    await expect(endpoint.info()).rejects.toThrow(/does not answer/);
    const client = buildTelegramClient(
      { session: '', credentials: { apiId: 1, apiHash: '0'.repeat(32) }, device: DEFAULT_DEVICE_PROFILE },
      { connectionRetries: 1, autoReconnect: false, transport: sandboxTransport(endpoint) },
    );
    await expect(client.connect()).rejects.toThrow(/does not answer/);
    await client.destroy();
  });

  it('tells a process the authorized accounts and their sessions, over the socket as in-process', async () => {
    const over = await serve(testWorldInput(), 'socket');
    const local = worldEndpoint(over.world);
    const [remote, here] = await Promise.all([over.endpoint.info(), local.info()]);
    expect(remote).toEqual(here);
    expect(remote.accounts.map((a) => a.phone)).toEqual(['+15550000001', '+15550000002']);
    expect(remote.accounts[0]?.authKey).toHaveLength(256);
    expect(remote.participantsCap).toBe(1000);
    // DAVE is not authorized in the world file: the panel does not hold it at start.
    expect(remote.accounts.some((a) => a.phone === DAVE)).toBe(false);
  });
});

describe('Proxies in the sandbox', () => {
  const proxies: WorldInput['proxies'] = [
    { url: 'socks5://127.0.0.1:1080', works: true, latencyMs: 30 },
    { url: 'socks5://ops:s3cret@10.0.0.2:1081', works: true },
    { url: 'socks5://10.0.0.3:1082', works: false },
  ];

  it.each(transports)('connects through a listed proxy, adds its latency, and traces it without a password (%s)', async (over) => {
    const s = await serve(testWorldInput({ proxies }), over);
    const client = await s.client(ALPHA, { proxy: { ip: '127.0.0.1', port: 1080, socksType: 5 } });
    await client.connect();
    await client.getMe();
    expect(s.trace.find((t) => t.method === 'InitConnection')?.proxy).toBe('socks5://127.0.0.1:1080');
    const call = s.trace.find((t) => t.method === 'users.GetUsers')!;
    expect(call.t1 - call.t0).toBeGreaterThanOrEqual(29);

    const withPassword = await s.client(ALPHA, { proxy: { ip: '10.0.0.2', port: 1081, socksType: 5, username: 'ops', password: 's3cret' } });
    await withPassword.connect();
    await withPassword.getMe();
    const lines = JSON.stringify(s.trace);
    expect(lines).toContain('socks5://10.0.0.2:1081');
    expect(lines).not.toContain('s3cret');
  });

  it.each(transports)('refuses a proxy the world does not have, one that does not work, and a wrong password (%s)', async (over) => {
    const s = await serve(testWorldInput({ proxies }), over);
    const unknown = await s.client(ALPHA, { proxy: { ip: '192.0.2.1', port: 1080, socksType: 5 } });
    await expect(unknown.connect()).rejects.toThrow('the proxy socks5://192.0.2.1:1080 does not answer');
    const dead = await s.client(ALPHA, { proxy: { ip: '10.0.0.3', port: 1082, socksType: 5 } });
    await expect(dead.connect()).rejects.toThrow('does not answer');
    const wrong = await s.client(ALPHA, { proxy: { ip: '10.0.0.2', port: 1081, socksType: 5, username: 'ops', password: 'guess' } });
    await expect(wrong.connect()).rejects.toThrow('refused the user name or password');
    expect(s.trace.filter((t) => t.method === 'InitConnection')).toEqual([]);
  });

  it.each(transports)('lets through an MTProxy client with its secret, given as hex or base64, and not one with another secret (%s)', async (over) => {
    const secret = 'dd0123456789abcdef0123456789abcdef';
    const s = await serve(testWorldInput({ proxies: [{ url: `mtproxy://${secret}@10.0.0.4:443`, latencyMs: 5 }] }), over);
    const hex = await s.client(ALPHA, { proxy: { ip: '10.0.0.4', port: 443, secret, MTProxy: true } });
    await hex.connect();
    const base64 = await s.client(ALPHA, { proxy: { ip: '10.0.0.4', port: 443, secret: Buffer.from(secret, 'hex').toString('base64'), MTProxy: true } });
    await base64.connect();
    await base64.getMe();
    expect(s.trace.filter((t) => t.method === 'InitConnection').map((t) => t.proxy)).toEqual(['mtproxy://10.0.0.4:443', 'mtproxy://10.0.0.4:443']);
    expect(JSON.stringify(s.trace)).not.toContain(secret);
    const wrong = await s.client(ALPHA, { proxy: { ip: '10.0.0.4', port: 443, secret: 'dd' + 'f'.repeat(32), MTProxy: true } });
    await expect(wrong.connect()).rejects.toThrow('the proxy mtproxy://10.0.0.4:443 does not answer');
  });
});
