import { Api, type TelegramClient } from 'telegram';
import { afterEach, describe, expect, it } from 'vitest';
import { loginTokenUrl } from '../../../src/sandbox/login-tokens.js';
import { SANDBOX_CREDENTIALS } from '../../../src/sandbox/index.js';
import { ALPHA, CAROL, DAVE, rpcError, startSandbox, testWorldInput, type Sandbox } from '../helpers.js';

const exportToken = (client: TelegramClient) =>
  client.invoke(new Api.auth.ExportLoginToken({ apiId: SANDBOX_CREDENTIALS.apiId, apiHash: SANDBOX_CREDENTIALS.apiHash, exceptIds: [] }));

/** Resolves when `client` is pushed updateLoginToken. */
function loginTokenUpdate(client: TelegramClient): Promise<void> {
  return new Promise((resolve) => client.addEventHandler((update: unknown) => update instanceof Api.UpdateLoginToken && resolve()));
}

async function token(client: TelegramClient): Promise<Api.auth.LoginToken> {
  const result = await exportToken(client);
  if (!(result instanceof Api.auth.LoginToken)) throw new Error(`expected auth.loginToken, got ${result.className}`);
  return result;
}

/** The test world with DAVE and CAROL at home on DC 4, where a new GramJS session connects first (GramJS's DEFAULT_DC_ID). */
function dc4World() {
  const input = testWorldInput();
  return { ...input, accounts: (input.accounts ?? []).map((a) => (a.phone === DAVE || a.phone === CAROL ? { ...a, dc: 4 } : a)) };
}

/** A clock that stands still until the test moves it. */
function movableClock() {
  let now = 1_700_000_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('QR login methods', () => {
  let sandbox: Sandbox;
  afterEach(async () => {
    await sandbox.close();
  });

  it('exports a token that a logged-in device accepts; the exporter is pushed updateLoginToken and then gets the authorization', async () => {
    const clock = movableClock();
    sandbox = startSandbox(dc4World(), { now: clock.now });
    const client = await sandbox.connect(DAVE);
    const first = await token(client);
    expect(first.expires).toBe(Math.floor((clock.now() + 30_000) / 1000));
    const pushed = loginTokenUpdate(client);
    // The phone of the account scans the code: its own logged-in client accepts the token.
    const phone = await sandbox.connect(DAVE, { session: 'account' });
    const authorization = await phone.invoke(new Api.auth.AcceptLoginToken({ token: Buffer.from(first.token) }));
    expect(authorization).toBeInstanceOf(Api.Authorization);
    await pushed;
    const success = await exportToken(client);
    expect(success).toBeInstanceOf(Api.auth.LoginTokenSuccess);
    const user = ((success as Api.auth.LoginTokenSuccess).authorization as Api.auth.Authorization).user as Api.User;
    expect(user.id.toJSNumber()).toBe(7_000_004);
    expect(user.phone).toBe('15550000004');
    expect((await client.getMe()).firstName).toBe('Dave');
    // The saved session logs in again, as after a code login.
    const resumed = await sandbox.connect(DAVE, { session: String(client.session.save()) });
    expect((await resumed.getMe()).id.toJSNumber()).toBe(7_000_004);
    // A token is used once.
    expect(sandbox.world.acceptLoginToken(DAVE, loginTokenUrl(Buffer.from(first.token)))).toEqual({ ok: false, error: 'AUTH_TOKEN_INVALIDX' });
  });

  it('expires a token on the world clock, and a new export voids the last one', async () => {
    const clock = movableClock();
    sandbox = startSandbox(testWorldInput(), { now: clock.now });
    const client = await sandbox.connect(DAVE);
    const first = await token(client);
    clock.advance(30_000);
    expect(sandbox.world.acceptLoginToken(DAVE, Buffer.from(first.token))).toEqual({ ok: false, error: 'AUTH_TOKEN_EXPIRED' });
    const phone = await sandbox.connect(ALPHA, { session: 'account' });
    expect((await rpcError(phone.invoke(new Api.auth.AcceptLoginToken({ token: Buffer.from(first.token) })))).errorMessage).toBe('AUTH_TOKEN_EXPIRED');
    const second = await token(client);
    expect(Buffer.from(second.token).equals(Buffer.from(first.token))).toBe(false);
    expect(sandbox.world.acceptLoginToken(DAVE, Buffer.from(first.token))).toEqual({ ok: false, error: 'AUTH_TOKEN_INVALIDX' });
    expect(sandbox.world.acceptLoginToken(DAVE, 'not a token!')).toEqual({ ok: false, error: 'AUTH_TOKEN_INVALIDX' });
    expect(sandbox.world.acceptLoginToken('+19990000000', Buffer.from(second.token))).toEqual({ ok: false, error: 'PHONE_NUMBER_INVALID' });
    // The link as the QR code shows it.
    expect(sandbox.world.acceptLoginToken(DAVE, loginTokenUrl(Buffer.from(second.token)))).toMatchObject({ ok: true });
    expect(sandbox.world.acceptLoginToken(DAVE, Buffer.from(second.token))).toEqual({ ok: false, error: 'AUTH_TOKEN_ALREADY_ACCEPTED' });
  });

  it('asks for the 2FA password after the token is accepted, and checks it with SRP', async () => {
    sandbox = startSandbox(dc4World());
    const client = await sandbox.connect(CAROL);
    const shown = await token(client);
    const pushed = loginTokenUpdate(client);
    expect(sandbox.world.acceptLoginToken(CAROL, Buffer.from(shown.token))).toMatchObject({ ok: true });
    await pushed;
    expect((await rpcError(exportToken(client))).errorMessage).toBe('SESSION_PASSWORD_NEEDED');
    const errors: unknown[] = [];
    const user = (await client.signInWithPassword(SANDBOX_CREDENTIALS, {
      password: async () => (errors.length === 0 ? 'wrong' : 'hunter2'),
      onError: async (error: Error) => {
        errors.push(error);
        return false;
      },
    })) as Api.User;
    expect(errors).toMatchObject([{ errorMessage: 'PASSWORD_HASH_INVALID' }]);
    expect(user.id.toJSNumber()).toBe(7_000_003);
    expect(await client.checkAuthorization()).toBe(true);
  });

  it('sends a login on another DC there: migrate-to, then the token is imported on the account’s DC', async () => {
    // DAVE is at home on DC 2; a new session starts on DC 4.
    sandbox = startSandbox();
    const client = await sandbox.connect(DAVE);
    expect(client.session.dcId).toBe(4);
    const shown = await token(client);
    const pushed = loginTokenUpdate(client);
    expect(sandbox.world.acceptLoginToken(DAVE, Buffer.from(shown.token))).toMatchObject({ ok: true });
    await pushed;
    const migrate = await exportToken(client);
    expect(migrate).toMatchObject({ className: 'auth.LoginTokenMigrateTo', dcId: 2 });
    // Imported on the wrong DC, the token is refused.
    expect((await rpcError(client.invoke(new Api.auth.ImportLoginToken({ token: Buffer.from(shown.token) })))).errorMessage).toBe('AUTH_TOKEN_INVALID');
    await client._switchDC(2);
    const success = await client.invoke(new Api.auth.ImportLoginToken({ token: Buffer.from((migrate as Api.auth.LoginTokenMigrateTo).token) }));
    expect(success).toBeInstanceOf(Api.auth.LoginTokenSuccess);
    expect(client.session.dcId).toBe(2);
    expect((await client.getMe()).id.toJSNumber()).toBe(7_000_004);
    const resumed = await sandbox.connect(DAVE, { session: String(client.session.save()) });
    expect((await resumed.getMe()).id.toJSNumber()).toBe(7_000_004);
  });
});
