import type { SrpChallenge } from '../srp.js';
import type { AccountState, SandboxWorld } from '../world.js';

/** A login in progress on one connection (auth.SendCode → auth.SignIn → auth.CheckPassword). */
export interface LoginState {
  readonly account: AccountState;
  readonly phoneCodeHash: string;
  /** The code was right and the account has 2FA: the password is what is left. */
  codeAccepted: boolean;
}

/** What the server knows about one client connection. */
export interface ServerSession {
  /** Phone the client was created for: the trace's `account` and the key faults match on. */
  readonly phone: string;
  /** The account the connection is logged in as (derived from its auth key), if any. */
  authorizedAccount(): AccountState | undefined;
  /** Called when a login succeeds: the connection takes the account's auth key. */
  onAuthorized(account: AccountState): Promise<void>;
  login: LoginState | undefined;
  /** The SRP challenge of the last account.GetPassword, answered by one auth.CheckPassword. */
  srp: { readonly account: AccountState; readonly challenge: SrpChallenge } | undefined;
  /** Chats this connection has open without being a member: it gets their new messages too. */
  readonly watching: Set<number>;
  /** Aborts when the connection closes. */
  readonly signal: AbortSignal;
}

export interface HandlerContext {
  readonly world: SandboxWorld;
  readonly session: ServerSession;
  /** The logged-in account; undefined only for methods that work logged out. */
  readonly account: AccountState | undefined;
}

export interface AuthedContext extends HandlerContext {
  readonly account: AccountState;
}
