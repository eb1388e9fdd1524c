import type { SrpChallenge } from '../srp.js';
import type { SandboxAccount, LoginState, SandboxWorld } from '../world.js';

export type { LoginState };

/** What a client said about itself in its InitConnection, and the proxy it came through. */
export interface ClientInit {
  readonly apiId: number;
  readonly deviceModel: string;
  readonly systemVersion: string;
  readonly appVersion: string;
  readonly langCode: string;
  readonly systemLangCode: string;
}

/** What the server knows about one client connection. */
export interface ServerSession {
  /**
   * Who the connection is, for the trace and for faults: the logged-in account's phone, else the phone of
   * the login in progress on its auth key, else `''`.
   */
  readonly phone: string;
  /** The auth key the connection uses (a new session's fresh one until a login hands out the account's). */
  readonly authKey: Buffer;
  /** The data center the connection is on. */
  readonly dcId: number;
  /** The account the connection is logged in as (derived from its auth key and DC), if any. */
  authorizedAccount(): SandboxAccount | undefined;
  /** Called when a login succeeds: the connection takes the account's auth key. */
  onAuthorized(account: SandboxAccount): Promise<void>;
  login: LoginState | undefined;
  /** The SRP challenge of the last account.GetPassword, answered by one auth.CheckPassword. */
  srp: { readonly account: SandboxAccount; readonly challenge: SrpChallenge } | undefined;
  /** Chats this connection has open without being a member: it gets their new messages too. */
  readonly watching: Set<number>;
  /** What the client's InitConnection said, once it has been seen. */
  init: ClientInit | undefined;
  /** The proxy the connection came through (`socks5://host:port`), or null. */
  readonly proxy: string | null;
  /** Round-trip time the proxy adds to every request, in ms. */
  readonly proxyLatencyMs: number;
  /** Aborts when the connection closes. */
  readonly signal: AbortSignal;
}

export interface HandlerContext {
  readonly world: SandboxWorld;
  readonly session: ServerSession;
  /** The logged-in account; undefined only for methods that work logged out. */
  readonly account: SandboxAccount | undefined;
}

export interface AuthedContext extends HandlerContext {
  readonly account: SandboxAccount;
}
