import { Api, errors } from 'telegram';
import { UpdateConnectionState } from 'telegram/network/index.js';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../until.js';
import { ALPHA, BRAVO, DAVE, rpcError, startSandbox, testWorldInput, type Sandbox } from './helpers.js';

describe('createSandboxClient', () => {
  let sandbox: Sandbox;
  afterEach(async () => {
    await sandbox.close();
  });

  it('connects a real TelegramClient logged in as an authorized account', async () => {
    sandbox = startSandbox();
    const client = await sandbox.connect(ALPHA);
    expect(client.connected).toBe(true);
    expect(await client.checkAuthorization()).toBe(true);
    const me = await client.getMe();
    expect(me).toBeInstanceOf(Api.User);
    expect(me.id.toJSNumber()).toBe(7_000_001);
    expect(me.self).toBe(true);
    expect(me.firstName).toBe('Alpha');
    expect(me.phone).toBe('15550000001');
    // The connection handshake went through the sandbox like every other request.
    expect(sandbox.trace.map((t) => t.method)).toEqual(expect.arrayContaining(['InitConnection', 'updates.GetState', 'users.GetUsers']));
  });

  it('starts logged out for an account the world has not authorized', async () => {
    sandbox = startSandbox();
    const client = await sandbox.connect(DAVE);
    expect(await client.checkAuthorization()).toBe(false);
    const error = await rpcError(client.getMe());
    expect(error.errorMessage).toBe('AUTH_KEY_UNREGISTERED');
    expect(error.code).toBe(401);
  });

  it('resumes a saved session string as the same account', async () => {
    sandbox = startSandbox();
    const first = await sandbox.connect(ALPHA);
    const saved = String(first.session.save());
    expect(saved.length).toBeGreaterThan(100);
    const again = await sandbox.connect(ALPHA, { session: saved });
    expect((await again.getMe()).id.toJSNumber()).toBe(7_000_001);
    // The key decides, not the phone: a logged-out session stays logged out.
    const loggedOut = String((await sandbox.connect(DAVE)).session.save());
    const stranger = await sandbox.connect(ALPHA, { session: loggedOut });
    expect(await stranger.checkAuthorization()).toBe(false);
  });

  it('resolves usernames of chats and pool users', async () => {
    sandbox = startSandbox();
    const client = await sandbox.connect(ALPHA);
    const chat = await client.getEntity('mediumchat');
    expect(chat).toBeInstanceOf(Api.Channel);
    expect((chat as Api.Channel).megagroup).toBe(true);
    expect((chat as Api.Channel).participantsCount).toBe(2500);
    expect((chat as Api.Channel).left).toBe(true);
    const user = await client.getEntity('https://t.me/user42');
    expect(user).toBeInstanceOf(Api.User);
    expect(user).toMatchObject({ firstName: 'First42', lastName: 'Last42', username: 'user42', premium: true });
  });

  it('answers unknown usernames and bad ones as Telegram does', async () => {
    sandbox = startSandbox();
    const client = await sandbox.connect(ALPHA);
    const missing = await rpcError(client.invoke(new Api.contacts.ResolveUsername({ username: 'nobodyhere' })));
    expect(missing.errorMessage).toBe('USERNAME_NOT_OCCUPIED');
    // user10 has no username: multiples of 10 have none.
    expect((await rpcError(client.invoke(new Api.contacts.ResolveUsername({ username: 'user10' })))).errorMessage).toBe(
      'USERNAME_NOT_OCCUPIED',
    );
    const invalid = await rpcError(client.invoke(new Api.contacts.ResolveUsername({ username: '1x' })));
    expect(invalid.errorMessage).toBe('USERNAME_INVALID');
    await expect(client.getEntity('nobodyhere')).rejects.toThrow('No user has "nobodyhere" as username');
  });

  it('gets users by id with a valid access hash only', async () => {
    sandbox = startSandbox();
    const alpha = await sandbox.connect(ALPHA);
    const bravo = await sandbox.connect(BRAVO);
    const user = (await alpha.getEntity('user7')) as Api.User;
    const input = new Api.InputUser({ userId: user.id, accessHash: user.accessHash! });
    expect((await alpha.invoke(new Api.users.GetUsers({ id: [input] })))[0]).toMatchObject({ username: 'user7' });
    // Bravo never saw this hash: it is Alpha's.
    expect(await bravo.invoke(new Api.users.GetUsers({ id: [input] }))).toEqual([]);
    const full = await alpha.invoke(new Api.users.GetFullUser({ id: input }));
    expect(full.fullUser.id.toJSNumber()).toBe(10_000_007);
    expect(await rpcError(bravo.invoke(new Api.users.GetFullUser({ id: input })))).toMatchObject({ errorMessage: 'USER_ID_INVALID' });
  });

  it('names the method it does not support', async () => {
    sandbox = startSandbox();
    const client = await sandbox.connect(ALPHA);
    const error = await rpcError(client.invoke(new Api.messages.GetDialogFilters()));
    expect(error).toBeInstanceOf(errors.RPCError);
    expect(error.code).toBe(400);
    expect(error.errorMessage).toBe('METHOD_NOT_SUPPORTED_IN_SANDBOX: messages.GetDialogFilters');
  });

  it('refuses requests after disconnect and fails requests in flight', async () => {
    sandbox = startSandbox(testWorldInput({ latencyMs: 60_000 }));
    const client = await sandbox.client(ALPHA);
    sandbox.world.latencyMs = 0;
    await client.connect();
    sandbox.world.latencyMs = 60_000;
    const states: number[] = [];
    client.addEventHandler((u: unknown) => {
      if (u instanceof UpdateConnectionState) states.push(u.state);
    });
    const inFlight = client.invoke(new Api.updates.GetState());
    await until(() => sandbox.world.requestsInFlight > 0, 'the request to reach the server');
    await client.disconnect();
    await expect(inFlight).rejects.toThrow('Disconnected');
    await expect(client.getMe()).rejects.toThrow(/disconnected/i);
    expect(client.connected).toBe(false);
    expect(states).toContain(UpdateConnectionState.disconnected);
    expect(sandbox.trace.at(-1)).toMatchObject({ method: 'updates.GetState', error: 'ABORTED' });
  });

  it('can connect again after a disconnect', async () => {
    sandbox = startSandbox();
    const client = await sandbox.connect(ALPHA);
    await client.disconnect();
    await client.connect();
    expect((await client.getMe()).firstName).toBe('Alpha');
  });
});
