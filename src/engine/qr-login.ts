import { Api, type TelegramClient } from 'telegram';
import { systemClock, type Clock } from '../clock.js';
import { rpcErrorMessage } from './errors.js';
import type { Account } from './types.js';

export interface QrLoginOptions {
  /**
   * How long the QR code is shown, refreshed as its tokens expire, before the login gives up, in ms.
   * @default 300000 (5 minutes)
   */
  readonly timeoutMs?: number;
  /**
   * Least time between two exports of a token, in ms: a token that expires sooner (clock skew) is still
   * shown that long, so an export never runs in a loop.
   * @default 1000
   */
  readonly minRefreshMs?: number;
  /** @default the process clock */
  readonly clock?: Clock;
}

/** What a QR login shows as it goes; a secret (`url` holds the login token) that must never be logged. */
export type QrEvent =
  /** A token to show as a QR code of `url` (`tg://login?token=…`) until `expiresAt` (ms). */
  | { readonly kind: 'token'; readonly url: string; readonly expiresAt: number }
  /** The token was accepted; the account has a two-step password: the login waits for it. */
  | { readonly kind: 'password_needed'; readonly hint: string | null }
  /** The session was stored as this account, exactly as after a code login. */
  | { readonly kind: 'done'; readonly account: Account }
  /** The login ended without an account; `message` says why in plain words. */
  | { readonly kind: 'failed'; readonly message: string }
  /** The login was abandoned (cancel, shutdown): whoever cancelled it says so. */
  | { readonly kind: 'cancelled' };

/** How storing an authorized session ended. */
export type QrFinish = { readonly ok: true; readonly account: Account } | { readonly ok: false; readonly message: string };

/** Where a QR login stands, for a conversation that reads an answer meanwhile. */
export type QrState = 'scanning' | 'password' | 'ended';

export interface QrLoginDeps {
  /** A connected client on a new session. */
  readonly client: TelegramClient;
  readonly apiId: number;
  readonly apiHash: string;
  /** Stores the session of an authorized client (as a code login does); resolves to the outcome in words. */
  readonly finish: (authorization: Api.auth.TypeAuthorization) => Promise<QrFinish>;
  /** The token was accepted and a two-step password is needed: the code login's password step takes over. */
  readonly passwordNeeded: () => Promise<string | null>;
  /** Turns an error into plain words. */
  readonly describe: (error: unknown) => string;
  /** Called once when the login ends while scanning, however it ends (the client is to be let go). */
  readonly onEnd: () => void;
  readonly listener: (event: QrEvent) => void;
}

/** A token's `tg://login?token=…` link (core.telegram.org/api/qr-login: base64url of the token). */
export const tokenUrl = (token: Buffer): string => `tg://login?token=${Buffer.from(token).toString('base64url')}`;

/**
 * One QR code login, as Telegram's apps do it (core.telegram.org/api/qr-login; GramJS's
 * `signInUserWithQrCode` in telegram/client/auth.ts; Telethon's qrlogin.py): auth.exportLoginToken gives
 * a token to show, exported again when it expires; when a device of the account accepts it, Telegram pushes
 * updateLoginToken and the next export answers auth.loginTokenSuccess, auth.loginTokenMigrateTo (switch to
 * that DC and auth.importLoginToken there) or SESSION_PASSWORD_NEEDED. Nothing polls: the login waits for
 * the update or the token's expiry.
 */
export class QrLogin {
  #state: QrState = 'scanning';
  /** Why the login failed, once it did. */
  #failure: string | undefined;
  #refresh: unknown;
  #deadline: unknown;
  /** Exports run one at a time: an update and an expiry can come together. */
  #work: Promise<void> = Promise.resolve();
  readonly #deps: QrLoginDeps;
  readonly #clock: Clock;
  readonly #minRefreshMs: number;
  readonly #timeoutMs: number;

  constructor(deps: QrLoginDeps, options: QrLoginOptions = {}) {
    this.#deps = deps;
    this.#clock = options.clock ?? systemClock;
    this.#minRefreshMs = options.minRefreshMs ?? 1000;
    this.#timeoutMs = options.timeoutMs ?? 300_000;
  }

  get state(): QrState {
    return this.#state;
  }

  /** Exports the first token (the listener gets it); resolves once it is shown, or to why the login failed. */
  async start(): Promise<string | undefined> {
    this.#deps.client.addEventHandler((update: unknown) => {
      if (update instanceof Api.UpdateLoginToken) this.#serially(() => this.#export());
    });
    const minutes = Math.max(1, Math.round(this.#timeoutMs / 60_000));
    this.#deadline = this.#clock.setTimeout(() => this.#fail(`Nobody scanned the QR code within ${minutes} minute${minutes === 1 ? '' : 's'}.`), this.#timeoutMs);
    await this.#serially(() => this.#export());
    return this.#failure;
  }

  /** Abandons the login (cancel, shutdown): nothing more is shown. */
  cancel(): void {
    this.#end({ kind: 'cancelled' });
  }

  #serially(task: () => Promise<void>): Promise<void> {
    this.#work = this.#work.then(task, task);
    return this.#work;
  }

  async #export(): Promise<void> {
    if (this.#state !== 'scanning') return;
    this.#clock.clearTimeout(this.#refresh);
    const { client, apiId, apiHash } = this.#deps;
    try {
      let result = await client.invoke(new Api.auth.ExportLoginToken({ apiId, apiHash, exceptIds: [] }));
      if (result instanceof Api.auth.LoginTokenMigrateTo) {
        // The account lives on another DC: GramJS moves there (as signInUserWithQrCode does) and imports the token.
        await client._switchDC(result.dcId);
        result = await client.invoke(new Api.auth.ImportLoginToken({ token: result.token }));
      }
      if (this.#state !== 'scanning') return;
      if (result instanceof Api.auth.LoginToken) {
        const expiresAt = result.expires * 1000;
        const wait = Math.max(expiresAt - this.#clock.now(), this.#minRefreshMs);
        this.#refresh = this.#clock.setTimeout(() => void this.#serially(() => this.#export()), wait);
        this.#deps.listener({ kind: 'token', url: tokenUrl(Buffer.from(result.token)), expiresAt });
        return;
      }
      if (result instanceof Api.auth.LoginTokenSuccess) {
        this.#stopTimers();
        const outcome = await this.#deps.finish(result.authorization);
        this.#end(outcome.ok ? { kind: 'done', account: outcome.account } : { kind: 'failed', message: outcome.message });
        return;
      }
      // auth.loginTokenMigrateTo again, after the import: Telegram would not answer that.
      this.#fail('Telegram answered the QR login in a way the panel does not know.');
    } catch (error) {
      if (this.#state !== 'scanning') return;
      if (rpcErrorMessage(error) === 'SESSION_PASSWORD_NEEDED') {
        this.#stopTimers();
        this.#state = 'password';
        const hint = await this.#deps.passwordNeeded();
        this.#deps.listener({ kind: 'password_needed', hint });
        return;
      }
      this.#fail(this.#deps.describe(error));
    }
  }

  #stopTimers(): void {
    this.#clock.clearTimeout(this.#refresh);
    this.#clock.clearTimeout(this.#deadline);
  }

  #fail(message: string): void {
    if (this.#state === 'ended') return;
    this.#failure = message;
    this.#end({ kind: 'failed', message });
  }

  #end(event: Extract<QrEvent, { kind: 'done' | 'failed' | 'cancelled' }>): void {
    if (this.#state === 'ended') return;
    const wasScanning = this.#state === 'scanning';
    this.#state = 'ended';
    this.#stopTimers();
    // From the password step on, the code login's password step owns the client.
    if (wasScanning) this.#deps.onEnd();
    this.#deps.listener(event);
  }
}
