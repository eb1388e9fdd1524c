import { Api, password as gramPassword } from 'telegram';
import { afterEach, describe, expect, it } from 'vitest';
import { SANDBOX_CREDENTIALS } from '../../../src/sandbox/index.js';
import { ALPHA, CAROL, DAVE, rpcError, startSandbox, type Sandbox } from '../helpers.js';

const credentials = SANDBOX_CREDENTIALS;

/** Auth params for GramJS's signInUser that stop at the first error and keep it. */
function authParams(phone: string, code: string, password?: string) {
  const seen: unknown[] = [];
  return {
    seen,
    params: {
      phoneNumber: phone,
      phoneCode: async () => code,
      password: password === undefined ? undefined : async () => password,
      onError: async (error: Error) => {
        seen.push(error);
        return true;
      },
    },
  };
}

describe('auth methods', () => {
  let sandbox: Sandbox;
  afterEach(async () => {
    await sandbox.close();
  });

  it('logs in with the code alone when the account has no password', async () => {
    sandbox = startSandbox();
    const client = await sandbox.connect(DAVE);
    expect(await client.checkAuthorization()).toBe(false);
    const { params } = authParams(DAVE, '54321');
    const user = (await client.signInUser(credentials, params)) as Api.User;
    expect(user.id.toJSNumber()).toBe(7_000_004);
    expect(await client.checkAuthorization()).toBe(true);
    expect((await client.getMe()).firstName).toBe('Dave');
    expect(sandbox.world.account(DAVE)!.authorized).toBe(true);
    // The saved session logs a fresh client in.
    const resumed = await sandbox.connect(DAVE, { session: String(client.session.save()) });
    expect((await resumed.getMe()).id.toJSNumber()).toBe(7_000_004);
  });

  it('refuses a wrong code', async () => {
    sandbox = startSandbox();
    const client = await sandbox.connect(DAVE);
    const { params, seen } = authParams(DAVE, '00000');
    await expect(client.signInUser(credentials, params)).rejects.toThrow('AUTH_USER_CANCEL');
    expect(seen[0]).toMatchObject({ errorMessage: 'PHONE_CODE_INVALID' });
    expect(await client.checkAuthorization()).toBe(false);
  });

  it('refuses an unknown phone number', async () => {
    sandbox = startSandbox();
    const client = await sandbox.connect(DAVE);
    const error = await rpcError(client.sendCode(credentials, '+19990000000'));
    expect(error.errorMessage).toBe('PHONE_NUMBER_INVALID');
  });

  it('logs in with code and 2FA password, verified with SRP', async () => {
    sandbox = startSandbox();
    const client = await sandbox.connect(CAROL);
    const { params } = authParams(CAROL, '12345', 'hunter2');
    const user = (await client.signInUser(credentials, params)) as Api.User;
    expect(user.firstName).toBe('Carol');
    expect(await client.checkAuthorization()).toBe(true);
    const methods = sandbox.trace.map((t) => ('ok' in t ? t.method : `${t.method}!${t.error}`));
    expect(methods).toEqual(
      expect.arrayContaining(['auth.SendCode', 'auth.SignIn!SESSION_PASSWORD_NEEDED', 'account.GetPassword', 'auth.CheckPassword']),
    );
  });

  it('refuses a wrong 2FA password', async () => {
    sandbox = startSandbox();
    const client = await sandbox.connect(CAROL);
    const { params, seen } = authParams(CAROL, '12345', 'wrong-password');
    await expect(client.signInUser(credentials, params)).rejects.toThrow('AUTH_USER_CANCEL');
    expect(seen[0]).toMatchObject({ errorMessage: 'PASSWORD_HASH_INVALID' });
    expect(await client.checkAuthorization()).toBe(false);
  });

  it('supports the low-level calls with signInWithPassword', async () => {
    sandbox = startSandbox();
    const client = await sandbox.connect(CAROL);
    const { phoneCodeHash } = await client.sendCode(credentials, CAROL);
    const needed = await rpcError(client.invoke(new Api.auth.SignIn({ phoneNumber: CAROL, phoneCodeHash, phoneCode: '12345' })));
    expect(needed).toMatchObject({ errorMessage: 'SESSION_PASSWORD_NEEDED', code: 401 });
    const info = await client.invoke(new Api.account.GetPassword());
    expect(info.hasPassword).toBe(true);
    // A proof for a stale challenge is refused.
    const stale = await gramPassword.computeCheck(info, 'hunter2');
    await client.invoke(new Api.account.GetPassword());
    expect((await rpcError(client.invoke(new Api.auth.CheckPassword({ password: stale }))))).toMatchObject({
      errorMessage: 'SRP_ID_INVALID',
    });
    const user = (await client.signInWithPassword(credentials, {
      password: async () => 'hunter2',
      onError: async (e: Error) => {
        throw e;
      },
    })) as Api.User;
    expect(user.id.toJSNumber()).toBe(7_000_003);
  });

  it('logs out: the session stops working', async () => {
    sandbox = startSandbox();
    const client = await sandbox.connect(ALPHA);
    await client.invoke(new Api.auth.LogOut());
    expect(await client.checkAuthorization()).toBe(false);
    expect(sandbox.world.account(ALPHA)!.authorized).toBe(false);
  });
});
