import { randomBytes } from 'node:crypto';
import { Api, extensions } from 'telegram';
import { AUTH_KEY_BYTES } from '../auth-keys.js';
import { SandboxRpcError } from '../rpc-error.js';
import { apiChat, apiChatMessage, apiPrivateMessage, authorUserId, messageUsers } from '../tl-objects.js';
import { encodeResult } from '../tl-wire.js';
import type { CallOutcome, ConnectionEvent, ConnectionHello, SandboxConnection } from '../wire/connection.js';
import type { SandboxAccount, SandboxWorld, WorldEvent } from '../world.js';
import type { ClientInit, LoginState, ServerSession } from './context.js';

/** What a connection needs of the server that accepted it. */
export interface ConnectionHost {
  readonly world: SandboxWorld;
  /** Serves one decoded request (see TelegramServer.serve). */
  serve(request: unknown, session: ServerSession): Promise<unknown>;
}

/** The server side of one client connection: its auth key, login, open chats, and the updates it is due. */
export class ClientConnection implements SandboxConnection, ServerSession {
  srp: ServerSession['srp'];
  init: ClientInit | undefined;
  readonly watching = new Set<number>();
  readonly dcId: number;
  readonly proxy: string | null;
  readonly proxyLatencyMs: number;

  #authKey: Buffer;
  readonly #host: ConnectionHost;
  readonly #world: SandboxWorld;
  readonly #controller = new AbortController();
  readonly #listeners = new Set<(event: ConnectionEvent) => void>();
  readonly #unsubscribe: () => void;

  constructor(host: ConnectionHost, hello: ConnectionHello, proxy: { readonly url: string; readonly latencyMs: number } | null) {
    this.#host = host;
    this.#world = host.world;
    this.dcId = hello.dcId;
    this.proxy = proxy?.url ?? null;
    this.proxyLatencyMs = proxy?.latencyMs ?? 0;
    // A session without a key would run MTProto's key exchange first; the result is a fresh random key. A key
    // Telegram does not know (any other) is kept: its requests fail with AUTH_KEY_UNREGISTERED.
    this.#authKey = hello.authKey && hello.authKey.length > 0 ? Buffer.from(hello.authKey) : randomBytes(AUTH_KEY_BYTES);
    this.#unsubscribe = this.#world.subscribe((event) => this.#onWorldEvent(event));
  }

  get authKey(): Buffer {
    return this.#authKey;
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get phone(): string {
    return this.authorizedAccount()?.phone ?? this.login?.account.phone ?? '';
  }

  /** Pending logins belong to the auth key, as on Telegram: a client resuming the key resumes the login. */
  get login(): LoginState | undefined {
    return this.#world.pendingLogins.get(this.#authKey.toString('hex'));
  }

  set login(login: LoginState | undefined) {
    const key = this.#authKey.toString('hex');
    if (login) this.#world.pendingLogins.set(key, login);
    else this.#world.pendingLogins.delete(key);
  }

  authorizedAccount(): SandboxAccount | undefined {
    return this.#world.accountForAuthKey(this.#authKey, this.dcId);
  }

  onAuthorized(account: SandboxAccount): Promise<void> {
    this.#world.authorize(account);
    // The session string the client saves now names the account, even after a sandbox restart.
    this.#authKey = this.#world.authKeyFor(account, this.dcId);
    this.#emit({ kind: 'auth_key', key: Buffer.from(this.#authKey) });
    return Promise.resolve();
  }

  async call(request: Buffer): Promise<CallOutcome> {
    if (this.signal.aborted) return { kind: 'failure', message: 'Disconnected' };
    let decoded: unknown;
    try {
      decoded = new extensions.BinaryReader(request).tgReadObject();
    } catch {
      // What Telegram answers a request it cannot parse.
      return rpcError(new SandboxRpcError('INPUT_CONSTRUCTOR_INVALID'));
    }
    try {
      const result = await this.#host.serve(decoded, this);
      return { kind: 'result', bytes: encodeResult(result) };
    } catch (error) {
      if (error instanceof SandboxRpcError) return rpcError(error);
      if (this.signal.aborted) return { kind: 'failure', message: 'Disconnected' };
      if (this.#world.stopped) return { kind: 'failure', message: 'The sandbox world stopped' };
      return { kind: 'failure', message: error instanceof Error ? error.message : String(error) };
    }
  }

  onEvent(listener: (event: ConnectionEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    if (this.signal.aborted) return;
    this.#controller.abort(new Error('Disconnected'));
    this.#unsubscribe();
    this.watching.clear();
    this.#listeners.clear();
  }

  #emit(event: ConnectionEvent): void {
    for (const listener of this.#listeners) listener(event);
  }

  #onWorldEvent(event: WorldEvent): void {
    if (event.origin === this) return;
    if (event.kind === 'login-token') {
      // Pushed to the logged-out connection that exported the token (core.telegram.org/api/qr-login).
      if (event.authKey === this.#authKey.toString('hex')) this.#push(new Api.UpdateShort({ update: new Api.UpdateLoginToken(), date: this.#world.nowSeconds() }));
      return;
    }
    const account = this.authorizedAccount();
    if (!account) return;
    const updates = this.#updatesFor(account, event);
    if (updates) this.#push(updates);
  }

  #push(updates: Api.TypeUpdates): void {
    const bytes = updates.getBytes();
    this.#world.delay(this.#world.latencyMs + this.proxyLatencyMs, this.signal).then(
      () => this.#emit({ kind: 'update', bytes }),
      () => undefined,
    );
  }

  #updatesFor(account: SandboxAccount, event: Exclude<WorldEvent, { kind: 'login-token' }>): Api.Updates | undefined {
    const world = this.#world;
    const date = world.nowSeconds();
    if (event.kind === 'chat-message') {
      const { chat, message } = event;
      if (!world.isMember(account, chat) && !this.watching.has(chat.id)) return undefined;
      const m = apiChatMessage(account, chat, message);
      const update =
        chat.kind === 'group'
          ? new Api.UpdateNewMessage({ message: m, pts: message.id, ptsCount: 1 })
          : new Api.UpdateNewChannelMessage({ message: m, pts: message.id, ptsCount: 1 });
      return new Api.Updates({
        updates: [update],
        users: messageUsers(world, account, [authorUserId(message)]),
        chats: [apiChat(world, account, chat)],
        date,
        seq: 0,
      });
    }
    if (event.to !== account) return undefined;
    return new Api.Updates({
      updates: [new Api.UpdateNewMessage({ message: apiPrivateMessage(account, event.message), pts: event.message.id, ptsCount: 1 })],
      users: messageUsers(world, account, [event.fromUserId]),
      chats: [],
      date,
      seq: 0,
    });
  }
}

function rpcError(error: SandboxRpcError): CallOutcome {
  return { kind: 'rpc_error', bytes: new Api.RpcError({ errorCode: error.code, errorMessage: error.errorMessage }).getBytes() };
}
