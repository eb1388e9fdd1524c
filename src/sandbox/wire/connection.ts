/**
 * The wire between a GramJS client and the simulated Telegram: what crosses it is what crosses MTProto
 * (TL bytes of requests, results, errors and updates) plus the little a transport knows (the auth key and
 * data center a connection uses, the proxy it came through). The same interfaces serve an in-process world
 * and one in another thread or process, reached over a loopback socket.
 */

/** How a client connection came in through a proxy, as the server sees it. Never holds a password. */
export interface ProxyHello {
  /** `socks5://host:port`, `socks4://host:port` or `mtproxy://host:port`. */
  readonly url: string;
  /** The SOCKS user name, when the client authenticates with one. */
  readonly username?: string;
  /** SHA-256 (hex) of the SOCKS password or the MTProxy secret: enough to check it, useless to read it. */
  readonly secretDigest?: string;
}

/** What a client says when it opens a connection. */
export interface ConnectionHello {
  /** The data center it connects to (the session's). */
  readonly dcId: number;
  /** The auth key its session holds; absent for a new session, which gets a fresh key (as MTProto's key exchange would). */
  readonly authKey?: Buffer | undefined;
  readonly proxy: ProxyHello | null;
}

/** How one request ended, as bytes: a result, a TL `rpc_error`, or a failure of the connection itself. */
export type CallOutcome =
  | { readonly kind: 'result'; readonly bytes: Buffer }
  | { readonly kind: 'rpc_error'; readonly bytes: Buffer }
  | { readonly kind: 'failure'; readonly message: string };

/** What the server pushes to a connection. */
export type ConnectionEvent =
  /** TL bytes of an `Updates` object. */
  | { readonly kind: 'update'; readonly bytes: Buffer }
  /** The connection's session now holds this auth key (a login in the sandbox hands out the account's key). */
  | { readonly kind: 'auth_key'; readonly key: Buffer }
  /** The server side closed the connection. */
  | { readonly kind: 'closed'; readonly reason: string };

/** One open client connection. */
export interface SandboxConnection {
  /** The auth key the connection uses: the hello's, or the fresh one the server made. */
  readonly authKey: Buffer;
  /** Sends the TL bytes of one request (wrappers such as InvokeWithLayer included). */
  call(request: Buffer): Promise<CallOutcome>;
  /** Receives pushed events in order; returns the unsubscribe function. */
  onEvent(listener: (event: ConnectionEvent) => void): () => void;
  /** Closes the connection: requests in flight end with a failure. */
  close(): void;
}

/** An account of the world the panel holds at start (`authorized` in the world file), with its session. */
export interface SandboxAccountInfo {
  readonly phone: string;
  readonly userId: number;
  readonly firstName: string;
  readonly lastName: string | null;
  /** The data center and auth key of a logged-in session, as a session file would hold them. */
  readonly dcId: number;
  readonly authKey: Buffer;
}

/** What a process using a simulated Telegram learns of it. */
export interface SandboxInfo {
  /** The most members a plain listing returns. */
  readonly participantsCap: number;
  /** The world's authorized accounts, whose sessions the panel holds at start. */
  readonly accounts: readonly SandboxAccountInfo[];
}

/** How a scan of a QR login code ended (SandboxWorld.acceptLoginToken); the error is Telegram's. */
export type LoginTokenScan = { readonly ok: true; readonly phone: string } | { readonly ok: false; readonly error: string };

/** A simulated Telegram a client can connect to, in this thread or elsewhere. */
export interface SandboxEndpoint {
  /** Opens a connection; rejects as a network error would (e.g. through a proxy that does not answer). */
  connect(hello: ConnectionHello): Promise<SandboxConnection>;
  info(): Promise<SandboxInfo>;
  /**
   * The phone of the account with `phone` scans a QR login code: `token` is its `tg://login?token=…` link
   * (or the base64url text). A world action, not a client request: see docs/sandbox.md (QR code login).
   */
  acceptLoginToken(phone: string, token: string): Promise<LoginTokenScan>;
  /** Where it is, for logs: `in-process` or `host:port`. */
  readonly label: string;
}

/** A connection could not be opened: what a client sees as a network error. */
export class SandboxConnectError extends Error {
  override readonly name = 'SandboxConnectError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
