import { randomBytes } from 'node:crypto';

// QR code login as Telegram does it (https://core.telegram.org/api/qr-login): a logged-out client exports a
// token (auth.exportLoginToken), shows it as `tg://login?token=<base64url>`, and a logged-in device of the
// account accepts it (auth.acceptLoginToken); the exporting connection is then pushed updateLoginToken and
// exports again to get the authorization.

/** How long an exported token can be accepted, in ms: "usually 30 seconds" (core.telegram.org/api/qr-login). */
export const LOGIN_TOKEN_TTL_MS = 30_000;

/** Error texts as Telegram names them (core.telegram.org/method/auth.acceptLoginToken, auth.importLoginToken). */
export type LoginTokenError = 'AUTH_TOKEN_EXPIRED' | 'AUTH_TOKEN_INVALIDX' | 'AUTH_TOKEN_INVALID' | 'AUTH_TOKEN_ALREADY_ACCEPTED';

/** One exported token. `A` is whoever the token logs in: the world's account type. */
export interface LoginToken<A> {
  readonly token: Buffer;
  /** Hex of the auth key of the connection that exported it: updateLoginToken goes there. */
  readonly authKey: string;
  /** World clock, ms. */
  readonly expiresAt: number;
  /** The account whose device accepted it, once it did. */
  acceptedBy: A | undefined;
}

/** The deep link a QR code shows for a token. */
export function loginTokenUrl(token: Buffer): string {
  return `tg://login?token=${token.toString('base64url')}`;
}

/** The token bytes of `tg://login?token=…` or of the bare base64url text; undefined when it is neither. */
export function parseLoginToken(text: string): Buffer | undefined {
  const trimmed = text.trim();
  const m = /^tg:\/\/login\?token=([A-Za-z0-9_-]+=*)$/.exec(trimmed) ?? /^([A-Za-z0-9_-]+=*)$/.exec(trimmed);
  const encoded = m?.[1];
  if (encoded === undefined) return undefined;
  const bytes = Buffer.from(encoded, 'base64url');
  return bytes.length > 0 ? bytes : undefined;
}

/** The tokens exported on a world: at most one live token per auth key, as a new export replaces the last. */
export class LoginTokens<A> {
  readonly #byToken = new Map<string, LoginToken<A>>();
  readonly #byKey = new Map<string, LoginToken<A>>();
  readonly #now: () => number;
  /** Lifetime of a new token, in ms; tests shorten or lengthen it. */
  ttlMs: number;

  constructor(now: () => number, ttlMs: number = LOGIN_TOKEN_TTL_MS) {
    this.#now = now;
    this.ttlMs = ttlMs;
  }

  /** A new token for the connection with `authKey` (hex); the one it had before is void. */
  export(authKey: string): LoginToken<A> {
    this.forget(authKey);
    // Telegram's tokens are opaque bytes; random ones cannot be guessed either.
    const entry: LoginToken<A> = { token: randomBytes(32), authKey, expiresAt: this.#now() + this.ttlMs, acceptedBy: undefined };
    this.#byToken.set(entry.token.toString('hex'), entry);
    this.#byKey.set(authKey, entry);
    return entry;
  }

  /** The token the connection with `authKey` exported last, if it is still there. */
  ofKey(authKey: string): LoginToken<A> | undefined {
    return this.#byKey.get(authKey);
  }

  find(token: Buffer): LoginToken<A> | undefined {
    return this.#byToken.get(token.toString('hex'));
  }

  /** A device of `account` accepted `token` (auth.acceptLoginToken). */
  accept(token: Buffer, account: A): { readonly ok: true; readonly entry: LoginToken<A> } | { readonly ok: false; readonly error: LoginTokenError } {
    const entry = this.find(token);
    if (!entry) return { ok: false, error: 'AUTH_TOKEN_INVALIDX' };
    if (entry.acceptedBy !== undefined) return { ok: false, error: 'AUTH_TOKEN_ALREADY_ACCEPTED' };
    if (this.#now() >= entry.expiresAt) return { ok: false, error: 'AUTH_TOKEN_EXPIRED' };
    entry.acceptedBy = account;
    return { ok: true, entry };
  }

  /** Drops the token of the connection with `authKey` (used, or replaced). */
  forget(authKey: string): void {
    const entry = this.#byKey.get(authKey);
    if (!entry) return;
    this.#byKey.delete(authKey);
    this.#byToken.delete(entry.token.toString('hex'));
  }
}
