import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { Api, type TelegramClient } from 'telegram';
import { computeCheck } from 'telegram/Password.js';
import type { AccountIdentity, IdentityRequest } from './account-identity.js';
import type { AccountResult, AddAccountRequest } from './account-admin.js';
import type { SessionCipher } from './options.js';
import { parsePhone } from './phone.js';
import { classifyError, rpcErrorMessage } from './errors.js';
import { classifyTelegramError } from './operations/telegram-errors.js';
import { QrLogin, type QrEvent, type QrLoginOptions, type QrState } from './qr-login.js';
import type { Account, Awaitable } from './types.js';

/** Where a login stands, as a value the bot can show. */
export type LoginStep =
  | { readonly kind: 'code_sent'; readonly loginId: string; readonly via: string }
  /** A QR login shows its code: what happens next reaches the listener given to `qr` (QrEvent). */
  | { readonly kind: 'qr'; readonly loginId: string }
  | { readonly kind: 'password_needed'; readonly loginId: string; readonly hint: string | null }
  | { readonly kind: 'done'; readonly account: Account }
  | { readonly kind: 'failed'; readonly message: string; readonly retry: boolean };

/** Where pending logins are kept so that a restart mid-login can finish it (the kv repository fits). */
export interface LoginStore {
  get(key: string): Promise<string | undefined>;
  /** Calls on one key take effect in the order they are made, awaited or not (the kv repository's promise). */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<unknown>;
}

/**
 * What logins and imports need of the accounts: the engine of one process (answers at once), or a fleet's panel
 * (FleetPanelEngine, which answers from the shared database).
 */
export interface LoginEngine {
  listAccounts(): Awaitable<readonly Account[]>;
  addAccount(request: AddAccountRequest): Promise<AccountResult>;
  setSession(id: number, session: string): Promise<AccountResult>;
  recordHealthCheck(id: number, profile: { telegramUserId: number | null; username: string | null; firstName: string | null }): Awaitable<void>;
  getAccount(id: number): Awaitable<Account | undefined>;
  identityFor(phone: string): Awaitable<AccountIdentity | undefined>;
  proposeIdentity(request?: IdentityRequest): Awaitable<AccountIdentity | undefined>;
}

export interface LoginServiceOptions {
  readonly engine: LoginEngine;
  /**
   * A connected client on a new session (`''`, logged out), or resuming `session` (a login in progress),
   * presenting `identity` (the credential and device of the account the login is for).
   */
  readonly loginClient: (session: string, identity: AccountIdentity) => Promise<TelegramClient>;
  /**
   * Keeps pending logins (their half-made session, encrypted with `cipher`) across restarts.
   * @default undefined (pending logins live in memory only)
   */
  readonly store?: LoginStore;
  /**
   * Encrypts what `store` keeps: a half-made session is a secret too.
   * @default undefined (required with `store`)
   */
  readonly cipher?: SessionCipher;
  /**
   * How long a started login may wait for its code or password, in ms.
   * @default 600000 (10 min)
   */
  readonly ttlMs?: number;
  /**
   * QR code logins: how long the code is shown, and the clock its refreshes run on.
   * @default {} (see QrLoginOptions)
   */
  readonly qr?: QrLoginOptions;
  /**
   * Where a failure to keep a pending login in `store` is told: the login goes on, but would not survive a restart.
   * @default undefined (not told)
   */
  readonly logger?: Logger;
}

interface Pending {
  readonly phone: string;
  readonly client: TelegramClient;
  readonly phoneCodeHash: string;
  /** The credential and device the account keeps: the login's auth key belongs to this api id. */
  readonly identity: AccountIdentity;
  stage: 'code' | 'password';
  readonly timer: ReturnType<typeof setTimeout>;
}

interface Saved {
  readonly phone: string;
  readonly session: string;
  readonly phoneCodeHash: string;
  readonly identity: AccountIdentity;
  readonly stage: 'code' | 'password';
}

const KEY = (loginId: string) => `login:${loginId}`;

/**
 * phone → code → 2FA password through GramJS, ending with the session stored encrypted as an account.
 * With a store, a pending login survives a restart: its half-made session and code hash are kept
 * (encrypted) until it ends or expires.
 */
export function createLoginService(options: LoginServiceOptions) {
  const { engine, loginClient, ttlMs = 600_000, store, cipher } = options;
  if (store && !cipher) throw new Error('a login store needs a cipher: pending sessions are secrets');
  const pending = new Map<string, Pending>();
  const qrLogins = new Map<string, QrLogin>();

  const track = (loginId: string, entry: Omit<Pending, 'timer'>): Pending => {
    const timer = setTimeout(() => void close(loginId), ttlMs);
    timer.unref();
    const login = { ...entry, timer };
    pending.set(loginId, login);
    save(loginId, login);
    return login;
  };

  const save = (loginId: string, login: Pending) => {
    if (!store || !cipher) return;
    const saved: Saved = { phone: login.phone, session: String(login.client.session.save()), phoneCodeHash: login.phoneCodeHash, identity: login.identity, stage: login.stage };
    // Not awaited: a login whose state could not be stored still goes on, it only would not survive a restart.
    store.set(KEY(loginId), cipher.encrypt(JSON.stringify(saved)), ttlMs).catch((error: unknown) => {
      options.logger?.warn({ err: (error as Error).message }, 'a pending login could not be stored: it goes on, but would not survive a restart');
    });
  };

  /** A login of an earlier run, brought back from the store. */
  const restore = async (loginId: string): Promise<Pending | undefined> => {
    const envelope = await store?.get(KEY(loginId));
    if (!envelope || !cipher) return undefined;
    try {
      const saved = JSON.parse(cipher.decrypt(envelope)) as Saved;
      const client = await loginClient(saved.session, saved.identity);
      return track(loginId, { phone: saved.phone, client, phoneCodeHash: saved.phoneCodeHash, identity: saved.identity, stage: saved.stage });
    } catch {
      await store?.delete(KEY(loginId)).catch(() => undefined);
      return undefined;
    }
  };

  const find = async (loginId: string) => pending.get(loginId) ?? (await restore(loginId));

  const close = async (loginId: string) => {
    qrLogins.delete(loginId);
    await store?.delete(KEY(loginId)).catch(() => undefined);
    const login = pending.get(loginId);
    if (!login) return;
    pending.delete(loginId);
    clearTimeout(login.timer);
    await login.client.destroy().catch(() => undefined);
  };

  const failure = (error: unknown): LoginStep => {
    const known = classifyTelegramError(error) ?? classifyError(error);
    const text = rpcErrorMessage(error);
    const retry = text === 'PHONE_CODE_INVALID' || text === 'PASSWORD_HASH_INVALID';
    return { kind: 'failed', message: known.message, retry };
  };

  const finish = async (loginId: string, login: Pick<Pending, 'client' | 'phone' | 'identity'>, authorization: Api.auth.TypeAuthorization): Promise<LoginStep> => {
    const session = String(login.client.session.save());
    await close(loginId);
    // Telegram said who logged in: the panel shows the name at once instead of after the first health check.
    const user = authorization instanceof Api.auth.Authorization && authorization.user instanceof Api.User ? authorization.user : undefined;
    // A QR login learns the phone only now, from the authorization.
    const phone = login.phone || (user?.phone ? `+${user.phone}` : '');
    if (!phone) return { kind: 'failed', message: 'Telegram did not say which account logged in; nothing was added.', retry: false };
    const existing = (await engine.listAccounts()).find((a) => a.phone === phone);
    const { device, credentials } = login.identity;
    const result = existing ? await engine.setSession(existing.id, session) : await engine.addAccount({ phone, session, device, credentials });
    if (result.kind !== 'ok') return { kind: 'failed', message: result.message, retry: false };
    if (user) await engine.recordHealthCheck(result.account.id, { telegramUserId: user.id.toJSNumber(), username: user.username ?? null, firstName: user.firstName ?? null });
    return { kind: 'done', account: (await engine.getAccount(result.account.id)) ?? result.account };
  };

  return {
    /** Sends the login code to the phone's Telegram app. */
    async start(phone: string): Promise<LoginStep> {
      const parsed = parsePhone(phone);
      if (!parsed.ok) return { kind: 'failed', message: parsed.message, retry: true };
      const e164 = parsed.phone;
      // The login already speaks as the account will for good: its auth key belongs to this api id.
      const identity = await engine.identityFor(e164);
      if (!identity) return { kind: 'failed', message: 'No app credential is configured: set API_ID and API_HASH.', retry: false };
      const { apiId, apiHash } = identity.credentials;
      let client: TelegramClient | undefined;
      try {
        client = await loginClient('', identity);
        const sent = await client.invoke(new Api.auth.SendCode({ phoneNumber: e164, apiId, apiHash, settings: new Api.CodeSettings({}) }));
        if (!(sent instanceof Api.auth.SentCode)) {
          await client.destroy().catch(() => undefined);
          return { kind: 'failed', message: 'This phone is already logged in on this panel.', retry: false };
        }
        const loginId = randomUUID();
        track(loginId, { phone: e164, client, phoneCodeHash: sent.phoneCodeHash, identity, stage: 'code' });
        const via = sent.type instanceof Api.auth.SentCodeTypeApp ? 'the Telegram app' : sent.type instanceof Api.auth.SentCodeTypeSms ? 'SMS' : 'Telegram';
        return { kind: 'code_sent', loginId, via };
      } catch (error) {
        await client?.destroy().catch(() => undefined);
        return failure(error);
      }
    },

    /** Signs in with the code; asks for the 2FA password when the account has one. */
    async code(loginId: string, code: string): Promise<LoginStep> {
      const login = await find(loginId);
      if (!login || login.stage !== 'code') return { kind: 'failed', message: 'This login has expired: start again.', retry: false };
      const digits = code.replace(/\D/g, '');
      if (digits.length < 4 || digits.length > 8) return { kind: 'failed', message: 'The code is the 5 digits Telegram sent; send just them.', retry: true };
      try {
        const authorization = await login.client.invoke(new Api.auth.SignIn({ phoneNumber: login.phone, phoneCodeHash: login.phoneCodeHash, phoneCode: digits }));
        return await finish(loginId, login, authorization);
      } catch (error) {
        if (rpcErrorMessage(error) === 'SESSION_PASSWORD_NEEDED') {
          login.stage = 'password';
          save(loginId, login);
          const password = await login.client.invoke(new Api.account.GetPassword()).catch(() => undefined);
          return { kind: 'password_needed', loginId, hint: password?.hint ?? null };
        }
        const step = failure(error);
        if (step.kind === 'failed' && !step.retry) await close(loginId);
        return step;
      }
    },

    /** Checks the 2FA password with SRP (the password itself never leaves this process). */
    async password(loginId: string, password: string): Promise<LoginStep> {
      const login = await find(loginId);
      if (!login || login.stage !== 'password') return { kind: 'failed', message: 'This login has expired: start again.', retry: false };
      try {
        const params = await login.client.invoke(new Api.account.GetPassword());
        const check = await computeCheck(params, password);
        const authorization = await login.client.invoke(new Api.auth.CheckPassword({ password: check }));
        return await finish(loginId, login, authorization);
      } catch (error) {
        const step = failure(error);
        if (step.kind === 'failed' && !step.retry) await close(loginId);
        return step;
      }
    },

    /**
     * Starts a QR code login: `listener` gets each token to show (refreshed as they expire), then the
     * password step or the end. Resolves with the login's id once the first token is there.
     */
    async qr(listener: (event: QrEvent) => void): Promise<LoginStep> {
      // The phone is known only once the code is scanned: the login presents the identity a new account
      // would take now, and the account keeps it (its auth key belongs to this api id).
      const identity = await engine.proposeIdentity();
      if (!identity) return { kind: 'failed', message: 'No app credential is configured: set API_ID and API_HASH.', retry: false };
      const { apiId, apiHash } = identity.credentials;
      let client: TelegramClient | undefined;
      try {
        client = await loginClient('', identity);
      } catch (error) {
        return failure(error);
      }
      const loginId = randomUUID();
      const connected = client;
      const qr = new QrLogin(
        {
          client: connected,
          apiId,
          apiHash,
          listener,
          describe: (error) => classifyTelegramError(error)?.message ?? classifyError(error).message,
          finish: async (authorization) => {
            const step = await finish(loginId, { client: connected, phone: '', identity }, authorization);
            if (step.kind === 'done') return { ok: true, account: step.account };
            return { ok: false, message: step.kind === 'failed' ? step.message : 'The login did not finish.' };
          },
          passwordNeeded: async () => {
            // From here on it is the code login's password step, on the same client.
            track(loginId, { phone: '', client: connected, phoneCodeHash: '', identity, stage: 'password' });
            const password = await connected.invoke(new Api.account.GetPassword()).catch(() => undefined);
            return password?.hint ?? null;
          },
          onEnd: () => {
            qrLogins.delete(loginId);
            if (!pending.has(loginId)) void connected.destroy().catch(() => undefined);
          },
        },
        options.qr,
      );
      qrLogins.set(loginId, qr);
      const failed = await qr.start();
      return failed === undefined ? { kind: 'qr', loginId } : { kind: 'failed', message: failed, retry: false };
    },

    /**
     * Where a QR login stands: showing its code, waiting for the password (also one an earlier run left in
     * the store), or over (or unknown).
     */
    async qrState(loginId: string): Promise<QrState> {
      if (qrLogins.get(loginId)?.state === 'scanning') return 'scanning';
      return (await find(loginId))?.stage === 'password' ? 'password' : 'ended';
    },

    /** Abandons a login. */
    async cancel(loginId: string): Promise<void> {
      qrLogins.get(loginId)?.cancel();
      await close(loginId);
    },

    /** Disconnects every pending login (shutdown); stored ones can be resumed by the next run. */
    async stop(): Promise<void> {
      for (const qr of qrLogins.values()) qr.cancel();
      await Promise.all(
        [...pending.entries()].map(async ([id, login]) => {
          pending.delete(id);
          clearTimeout(login.timer);
          await login.client.destroy().catch(() => undefined);
        }),
      );
    },
  };
}

export type LoginService = ReturnType<typeof createLoginService>;
