import { createHash } from 'node:crypto';
import { Api, errors, extensions, type TelegramClient } from 'telegram';
import { _handleUpdate } from 'telegram/client/updates.js';
import { AuthKey } from 'telegram/crypto/AuthKey.js';
import { UpdateConnectionState } from 'telegram/network/index.js';
import type { RequestState } from 'telegram/network/RequestState.js';
import type { ProxyInterface } from 'telegram/network/connection/TCPMTProxy.js';
import type { CallOutcome, ConnectionEvent, ProxyHello, SandboxConnection, SandboxEndpoint } from './wire/connection.js';

export interface SandboxSenderOptions {
  /** The client this sender serves; updates are dispatched to it. */
  readonly client: TelegramClient;
  /** The simulated Telegram to reach: in this thread, or over a loopback socket. */
  readonly endpoint: SandboxEndpoint;
}

/** What GramJS's Connection objects carry that a transport needs (network/connection/Connection.js). */
interface GramConnection {
  readonly _dcId?: number;
  readonly _proxy?: ProxyInterface;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The proxy as the far end sees it: its address, and enough to check the credentials without carrying them. */
export function proxyHello(proxy: ProxyInterface | undefined): ProxyHello | null {
  if (!proxy) return null;
  if ('MTProxy' in proxy && proxy.MTProxy) {
    // The secret's bytes, read as GramJS reads them: hex when it is all hex digits, base64 otherwise
    // (TCPMTProxy's constructor in telegram/network/connection/TCPMTProxy.js).
    const bytes = /^[0-9a-f]+$/i.test(proxy.secret) ? Buffer.from(proxy.secret, 'hex') : Buffer.from(proxy.secret, 'base64');
    return { url: `mtproxy://${proxy.ip}:${proxy.port}`, secretDigest: sha256(bytes.toString('hex')) };
  }
  const socks = proxy as { ip: string; port: number; socksType?: 4 | 5; username?: string; password?: string };
  return {
    url: `socks${socks.socksType ?? 5}://${socks.ip}:${socks.port}`,
    ...(socks.username ? { username: socks.username } : {}),
    ...(socks.password ? { secretDigest: sha256(socks.password) } : {}),
  };
}

/**
 * Stands in for GramJS's MTProtoSender: set as `client._sender` before `client.connect()` (GramJS builds
 * its own sender only when `_sender` is unset: TelegramClient.connect in telegram/client/TelegramClient.js),
 * it carries every request to the simulated Telegram as TL bytes and reads the answer back with the
 * request's own `readResult`, as MTProtoSender does. Errors become GramJS's error classes through
 * `errors.RPCMessageToError`; pushed updates go through GramJS's own `_handleUpdate`. The client is built
 * exactly as for Telegram (session, app credentials, device, proxy): this is the only difference.
 */
export class SandboxSender {
  authKey: AuthKey = new AuthKey();
  dcId = 0;
  /** Set by `disconnect()`: GramJS refuses to invoke on a user-disconnected sender. */
  userDisconnected = false;
  _disconnected = true;
  _authenticated = true;
  isReconnecting = false;
  isConnecting = false;

  readonly #client: TelegramClient;
  readonly #endpoint: SandboxEndpoint;
  #connection: SandboxConnection | undefined;
  #gramConnection: GramConnection | undefined;
  #unsubscribe: (() => void) | undefined;
  /** A key handed out by a login: results wait for it, so the session saved after a login holds it. */
  #keyChange: Promise<void> = Promise.resolve();

  constructor(options: SandboxSenderOptions) {
    this.#client = options.client;
    this.#endpoint = options.endpoint;
  }

  /** Whether the connection is up (GramJS: `client.connected`). */
  isConnected(): boolean {
    return this.#connection !== undefined;
  }

  /** Opens a connection with the session's auth key (or none: the server makes a fresh one) on the session's DC. */
  async connect(given?: GramConnection, _force?: boolean): Promise<boolean> {
    this.userDisconnected = false;
    if (this.#connection) return false;
    // A reconnect goes the same way (DC, proxy) as the connect before it.
    const connection = given ?? this.#gramConnection;
    this.#gramConnection = connection;
    const sessionKey = this.#client.session.getAuthKey();
    const key = sessionKey?.getKey();
    this.dcId = connection?._dcId ?? this.#client.session.dcId;
    const opened = await this.#endpoint.connect({ dcId: this.dcId, authKey: key, proxy: proxyHello(connection?._proxy) });
    if (sessionKey && key) this.authKey = sessionKey;
    else await this.authKey.setKey(opened.authKey);
    this.#connection = opened;
    this._disconnected = false;
    this.#unsubscribe = opened.onEvent((event) => this.#onEvent(event));
    _handleUpdate(this.#client, new UpdateConnectionState(UpdateConnectionState.connected) as never);
    return true;
  }

  /** Closes the connection: requests in flight fail, pending update deliveries are dropped. */
  async disconnect(): Promise<void> {
    this.userDisconnected = true;
    this.#close();
  }

  /**
   * Opens the connection again after it dropped (GramJS's update loop asks for this when pings fail, and
   * the sender itself when the far end closes and the client reconnects automatically).
   */
  reconnect(): void {
    if (this.userDisconnected || this.isReconnecting) return;
    this.#close();
    this.isReconnecting = true;
    this.connect().then(
      () => (this.isReconnecting = false),
      () => (this.isReconnecting = false),
    );
  }

  /** Sends a request outside `invoke` (the initial InvokeWithLayer, pings). */
  send(request: Api.AnyRequest): Promise<unknown> {
    return this.#exchange(request);
  }

  /** What GramJS's `invoke` uses; the state is settled with the answer. */
  addStateToQueue(state: RequestState): void {
    this.#exchange(state.request as Api.AnyRequest).then(
      (result) => state.resolve(result),
      (error: unknown) => state.reject(error),
    );
  }

  async #exchange(request: Api.AnyRequest): Promise<unknown> {
    const connection = this.#connection;
    if (!connection) throw new Error('Cannot send requests while disconnected. Please reconnect.');
    const outcome: CallOutcome = await connection.call(request.getBytes());
    await this.#keyChange;
    if (outcome.kind === 'failure') throw new Error(outcome.message);
    const reader = new extensions.BinaryReader(outcome.bytes);
    if (outcome.kind === 'rpc_error') throw errors.RPCMessageToError(reader.tgReadObject() as Api.RpcError, request);
    return (request as unknown as { readResult(r: extensions.BinaryReader): unknown }).readResult(reader);
  }

  #onEvent(event: ConnectionEvent): void {
    if (event.kind === 'update') {
      _handleUpdate(this.#client, new extensions.BinaryReader(event.bytes).tgReadObject() as never);
    } else if (event.kind === 'auth_key') {
      this.#keyChange = this.#keyChange.then(() => this.authKey.setKey(event.key));
    } else {
      this.#close();
      if ((this.#client as unknown as { _autoReconnect?: boolean })._autoReconnect) this.reconnect();
    }
  }

  #close(): void {
    const connection = this.#connection;
    if (!connection) return;
    this.#connection = undefined;
    this._disconnected = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    connection.close();
    _handleUpdate(this.#client, new UpdateConnectionState(UpdateConnectionState.disconnected) as never);
  }
}
