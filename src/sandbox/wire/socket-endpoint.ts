import { connect as connectTcp, type Socket } from 'node:net';
import {
  SandboxConnectError,
  type CallOutcome,
  type ConnectionEvent,
  type ConnectionHello,
  type SandboxConnection,
  type SandboxEndpoint,
  type SandboxInfo,
  type LoginTokenScan,
} from './connection.js';
import { encodeFrame, FrameReader, FrameType, jsonPayload, type Frame } from './frames.js';

/** `host:port` → its parts; throws a plain message for anything else. */
export function parseHostPort(value: string): { readonly host: string; readonly port: number } {
  const m = /^(\[[0-9a-fA-F:]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(value.trim());
  const port = Number(m?.[2]);
  if (!m?.[1] || !Number.isInteger(port) || port < 0 || port > 65_535) throw new RangeError(`expected host:port, such as 127.0.0.1:7777 (got "${value}")`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

function open(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host, port });
    socket.setNoDelay(true);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', (error) => reject(new SandboxConnectError(`the simulated Telegram at ${host}:${port} does not answer`, { cause: error })));
  });
}

/** Reads frames off a socket; ends (with `onClose`) when it closes or sends garbage. */
function frames(socket: Socket, onFrame: (frame: Frame) => void, onClose: (reason: string) => void): void {
  const reader = new FrameReader();
  socket.on('data', (chunk: Buffer) => {
    try {
      for (const frame of reader.push(chunk)) onFrame(frame);
    } catch {
      socket.destroy();
    }
  });
  socket.on('error', () => undefined);
  socket.once('close', () => onClose('the simulated Telegram closed the connection'));
}

class SocketConnection implements SandboxConnection {
  readonly #socket: Socket;
  readonly #calls = new Map<number, (outcome: CallOutcome) => void>();
  readonly #listeners = new Set<(event: ConnectionEvent) => void>();
  #nextId = 1;
  #closed = false;
  authKey: Buffer;

  constructor(socket: Socket, authKey: Buffer) {
    this.#socket = socket;
    this.authKey = authKey;
  }

  onFrame(frame: Frame): void {
    const settle = (outcome: CallOutcome) => {
      const resolve = this.#calls.get(frame.id);
      this.#calls.delete(frame.id);
      resolve?.(outcome);
    };
    if (frame.type === FrameType.result) settle({ kind: 'result', bytes: frame.payload });
    else if (frame.type === FrameType.rpcError) settle({ kind: 'rpc_error', bytes: frame.payload });
    else if (frame.type === FrameType.failure) settle({ kind: 'failure', message: frame.payload.toString('utf8') });
    else if (frame.type === FrameType.update) this.#emit({ kind: 'update', bytes: frame.payload });
    else if (frame.type === FrameType.authKey) {
      this.authKey = frame.payload;
      this.#emit({ kind: 'auth_key', key: frame.payload });
    }
  }

  onClosed(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#failCalls();
    this.#emit({ kind: 'closed', reason });
    this.#listeners.clear();
  }

  call(request: Buffer): Promise<CallOutcome> {
    if (this.#closed) return Promise.resolve({ kind: 'failure', message: 'Disconnected' });
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#calls.set(id, resolve);
      this.#socket.write(encodeFrame(FrameType.call, id, request));
    });
  }

  onEvent(listener: (event: ConnectionEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    this.#failCalls();
    this.#socket.destroy();
  }

  #failCalls(): void {
    const pending = [...this.#calls.values()];
    this.#calls.clear();
    for (const resolve of pending) resolve({ kind: 'failure', message: 'Disconnected' });
  }

  #emit(event: ConnectionEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}

/** A simulated Telegram another thread or process serves on `host:port` (SANDBOX_CONNECT). */
export function socketEndpoint(address: string | { readonly host: string; readonly port: number }): SandboxEndpoint {
  const { host, port } = typeof address === 'string' ? parseHostPort(address) : address;
  return {
    label: host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`,
    async connect(hello: ConnectionHello) {
      const socket = await open(host, port);
      return new Promise<SandboxConnection>((resolve, reject) => {
        let connection: SocketConnection | undefined;
        frames(
          socket,
          (frame) => {
            if (connection) return connection.onFrame(frame);
            if (frame.type === FrameType.welcome) {
              const { authKey } = JSON.parse(frame.payload.toString('utf8')) as { authKey: string };
              connection = new SocketConnection(socket, Buffer.from(authKey, 'hex'));
              resolve(connection);
            } else if (frame.type === FrameType.refused) {
              const { message } = JSON.parse(frame.payload.toString('utf8')) as { message: string };
              socket.destroy();
              reject(new SandboxConnectError(message));
            }
          },
          (reason) => {
            if (connection) connection.onClosed(reason);
            else reject(new SandboxConnectError(reason));
          },
        );
        socket.write(
          encodeFrame(FrameType.hello, 0, jsonPayload({ dcId: hello.dcId, authKey: hello.authKey ? hello.authKey.toString('hex') : null, proxy: hello.proxy })),
        );
      });
    },
    async info(): Promise<SandboxInfo> {
      const socket = await open(host, port);
      return new Promise((resolve, reject) => {
        frames(
          socket,
          (frame) => {
            if (frame.type !== FrameType.info) return;
            const info = JSON.parse(frame.payload.toString('utf8')) as Omit<SandboxInfo, 'accounts'> & {
              accounts: Array<Omit<SandboxInfo['accounts'][number], 'authKey'> & { authKey: string }>;
            };
            socket.end();
            resolve({ ...info, accounts: info.accounts.map((a) => ({ ...a, authKey: Buffer.from(a.authKey, 'hex') })) });
          },
          (reason) => reject(new SandboxConnectError(reason)),
        );
        socket.write(encodeFrame(FrameType.infoRequest, 1));
      });
    },
    async acceptLoginToken(phone: string, token: string): Promise<LoginTokenScan> {
      const socket = await open(host, port);
      return new Promise((resolve, reject) => {
        frames(
          socket,
          (frame) => {
            if (frame.type !== FrameType.scanned) return;
            socket.end();
            resolve(JSON.parse(frame.payload.toString('utf8')) as LoginTokenScan);
          },
          (reason) => reject(new SandboxConnectError(reason)),
        );
        socket.write(encodeFrame(FrameType.scanRequest, 1, jsonPayload({ phone, token })));
      });
    },
  };
}
