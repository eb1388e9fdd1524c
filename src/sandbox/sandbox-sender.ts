import { randomBytes } from 'node:crypto';
import { Api, errors, type TelegramClient } from 'telegram';
import { _handleUpdate } from 'telegram/client/updates.js';
import { AuthKey } from 'telegram/crypto/AuthKey.js';
import { UpdateConnectionState } from 'telegram/network/index.js';
import type { RequestState } from 'telegram/network/RequestState.js';
import { SandboxRpcError } from './rpc-error.js';
import { SANDBOX_DC } from './server/connection-methods.js';
import type { LoginState, ServerSession } from './server/context.js';
import type { TelegramServer } from './telegram-server.js';
import { encodeResult, readResult, roundTrip } from './tl-wire.js';
import {
  accountApiUser,
  apiChat,
  apiChatMessage,
  apiPrivateMessage,
  authorUserId,
  messageUsers,
} from './tl-objects.js';
import type { AccountState, SandboxWorld, WorldEvent } from './world.js';

/** The server-side state of one connection. */
class ConnectionSession implements ServerSession {
  srp: ServerSession['srp'];
  readonly watching = new Set<number>();

  constructor(
    readonly phone: string,
    private readonly link: {
      account(): AccountState | undefined;
      authorize(account: AccountState): Promise<void>;
      signal(): AbortSignal;
      /** Pending logins belong to the auth key, as on Telegram: a client resuming the key resumes the login. */
      logins(): { get(): LoginState | undefined; set(login: LoginState | undefined): void };
    },
  ) {}

  get login(): LoginState | undefined {
    return this.link.logins().get();
  }

  set login(login: LoginState | undefined) {
    this.link.logins().set(login);
  }

  authorizedAccount(): AccountState | undefined {
    return this.link.account();
  }

  onAuthorized(account: AccountState): Promise<void> {
    return this.link.authorize(account);
  }

  get signal(): AbortSignal {
    return this.link.signal();
  }
}

export interface SandboxSenderOptions {
  readonly server: TelegramServer;
  /** The client this sender serves; updates are dispatched to it. */
  readonly client: TelegramClient;
  /** Phone the client was created for (trace label, fault key, default account). */
  readonly phone: string;
}

/**
 * Stands in for GramJS's MTProtoSender (SPEC §6): set as `client._sender` before `client.connect()`,
 * it receives every request and answers it from the sandbox world. Each request and result crosses
 * the TL wire format; errors become GramJS's own error classes; new messages arrive as updates.
 */
export class SandboxSender {
  authKey: AuthKey = new AuthKey();
  dcId = SANDBOX_DC;
  /** Set by `disconnect()`: GramJS refuses to invoke on a user-disconnected sender. */
  userDisconnected = false;
  _disconnected = true;
  _authenticated = true;
  isReconnecting = false;
  isConnecting = false;

  private readonly world: SandboxWorld;
  private readonly server: TelegramServer;
  private readonly client: TelegramClient;
  private connected = false;
  private controller = new AbortController();
  private unsubscribe: (() => void) | undefined;
  private readonly session: ServerSession;

  constructor(options: SandboxSenderOptions) {
    this.world = options.server.world;
    this.server = options.server;
    this.client = options.client;
    this.session = new ConnectionSession(options.phone, {
      account: () => this.world.accountForAuthKey(this.authKey.getKey()),
      authorize: async (account) => {
        this.world.authorize(account);
        // The session string GramJS saves now names the account, even after a sandbox restart.
        await this.authKey.setKey(this.world.authKeyFor(account));
      },
      signal: () => this.controller.signal,
      logins: () => {
        const key = this.authKey.getKey()?.toString('hex') ?? '';
        return {
          get: () => this.world.pendingLogins.get(key),
          set: (login) => (login ? this.world.pendingLogins.set(key, login) : this.world.pendingLogins.delete(key)),
        };
      },
    });
  }

  /** Whether the connection is up (GramJS: `client.connected`). */
  isConnected(): boolean {
    return this.connected;
  }

  /** "Connects": picks the auth key (the session's, the account's when it is logged in, or a fresh one). */
  async connect(_connection?: unknown, _force?: boolean): Promise<boolean> {
    this.userDisconnected = false;
    if (this.connected) return false;
    if (this.world.stopped) throw new Error('The sandbox world stopped');
    const sessionKey = this.client.session.getAuthKey();
    if (sessionKey?.getKey()) {
      this.authKey = sessionKey;
    } else if (!this.authKey.getKey()) {
      const account = this.world.account(this.session.phone);
      const loggedIn = account !== undefined && account.authorized && !account.revoked;
      await this.authKey.setKey(loggedIn ? this.world.authKeyFor(account) : randomBytes(256));
    }
    this.controller = new AbortController();
    this.connected = true;
    this._disconnected = false;
    this.unsubscribe = this.world.subscribe((event) => this.onWorldEvent(event));
    _handleUpdate(this.client, new UpdateConnectionState(UpdateConnectionState.connected) as never);
    return true;
  }

  /** Closes the connection: requests in flight fail, pending update deliveries are dropped. */
  async disconnect(): Promise<void> {
    this.userDisconnected = true;
    if (!this.connected) return;
    this.connected = false;
    this._disconnected = true;
    this.controller.abort(new Error('Disconnected'));
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.session.watching.clear();
    _handleUpdate(this.client, new UpdateConnectionState(UpdateConnectionState.disconnected) as never);
  }

  /** Nothing to re-establish: the sandbox has no network. */
  reconnect(): void {}

  /** Sends a request outside `invoke` (the initial InvokeWithLayer, pings). */
  send(request: Api.AnyRequest): Promise<unknown> {
    return this.exchange(request);
  }

  /** What GramJS's `invoke` uses; the state is settled with the answer. */
  addStateToQueue(state: RequestState): void {
    this.exchange(state.request as Api.AnyRequest).then(
      (result) => state.resolve(result),
      (error: unknown) => state.reject(error),
    );
  }

  /** The server-side view of this connection (for tests and tools). */
  get serverSession(): ServerSession {
    return this.session;
  }

  private async exchange(request: Api.AnyRequest): Promise<unknown> {
    if (!this.connected) throw new Error('Cannot send requests while disconnected. Please reconnect.');
    const decoded = roundTrip<unknown>(request);
    let result: unknown;
    try {
      result = await this.server.serve(decoded, this.session);
    } catch (error) {
      if (error instanceof SandboxRpcError) {
        const rpc = roundTrip<Api.RpcError>(new Api.RpcError({ errorCode: error.code, errorMessage: error.errorMessage }));
        throw errors.RPCMessageToError(rpc, request);
      }
      throw error;
    }
    return readResult(request, encodeResult(result));
  }

  private onWorldEvent(event: WorldEvent): void {
    if (event.origin === this.session) return;
    const account = this.session.authorizedAccount();
    if (!account) return;
    const updates = this.updatesFor(account, event);
    if (!updates) return;
    this.world.delay(this.world.latencyMs, this.controller.signal).then(
      () => {
        if (this.connected) _handleUpdate(this.client, roundTrip<Api.TypeUpdates>(updates) as never);
      },
      () => undefined,
    );
  }

  private updatesFor(account: AccountState, event: WorldEvent): Api.Updates | undefined {
    const date = this.world.nowSeconds();
    if (event.kind === 'chat-message') {
      const { chat, message } = event;
      if (!this.world.isMember(account, chat) && !this.session.watching.has(chat.id)) return undefined;
      const m = apiChatMessage(account, chat, message);
      const update =
        chat.kind === 'group'
          ? new Api.UpdateNewMessage({ message: m, pts: message.id, ptsCount: 1 })
          : new Api.UpdateNewChannelMessage({ message: m, pts: message.id, ptsCount: 1 });
      return new Api.Updates({
        updates: [update],
        users: messageUsers(this.world, account, [authorUserId(message)]),
        chats: [apiChat(this.world, account, chat)],
        date,
        seq: 0,
      });
    }
    if (event.to !== account) return undefined;
    return new Api.Updates({
      updates: [new Api.UpdateNewMessage({ message: apiPrivateMessage(account, event.message), pts: event.message.id, ptsCount: 1 })],
      users: [accountApiUser(account, event.from)],
      chats: [],
      date,
      seq: 0,
    });
  }
}
