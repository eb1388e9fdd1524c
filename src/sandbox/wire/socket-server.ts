import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { scanResult, type TelegramServer } from '../telegram-server.js';
import type { CallOutcome, ConnectionHello, SandboxConnection } from './connection.js';
import { encodeFrame, FrameReader, FrameType, jsonPayload, type Frame } from './frames.js';

export interface SandboxSocketServerOptions {
  /**
   * Interface to listen on. The simulated Telegram has no authentication: keep it on loopback unless every
   * host that can reach it is yours.
   * @default '127.0.0.1'
   */
  readonly host?: string;
  /**
   * Port to listen on; 0 picks a free one.
   * @default 0
   */
  readonly port?: number;
  /**
   * Where connection troubles are logged.
   * @default undefined (silent)
   */
  readonly logger?: Logger | undefined;
}

export interface SandboxSocketServer {
  /** `host:port` as other processes reach it (SANDBOX_CONNECT). */
  readonly address: string;
  readonly port: number;
  /** Stops accepting and closes every connection. */
  close(): Promise<void>;
}

interface HelloJson {
  readonly dcId: number;
  readonly authKey: string | null;
  readonly proxy: ConnectionHello['proxy'];
}

/** Serves a simulated Telegram on a TCP port: requests, results and updates cross it as TL bytes. */
export async function serveSandbox(server: TelegramServer, options: SandboxSocketServerOptions = {}): Promise<SandboxSocketServer> {
  const host = options.host ?? '127.0.0.1';
  const sockets = new Set<Socket>();
  const net: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const close = accept(server, socket, options.logger);
    socket.once('close', () => {
      sockets.delete(socket);
      close();
    });
  });
  await new Promise<void>((resolve, reject) => {
    net.once('error', reject);
    net.listen(options.port ?? 0, host, () => {
      net.off('error', reject);
      resolve();
    });
  });
  const { port } = net.address() as AddressInfo;
  return {
    address: `${host}:${port}`,
    port,
    async close() {
      const closed = new Promise<void>((resolve) => net.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** Handles one socket; returns what to do when it closes. */
function accept(server: TelegramServer, socket: Socket, logger: Logger | undefined): () => void {
  const reader = new FrameReader();
  let connection: SandboxConnection | undefined;
  const send = (type: number, id: number, payload?: Buffer) => {
    if (!socket.destroyed) socket.write(encodeFrame(type, id, payload));
  };
  const answer = (id: number, outcome: CallOutcome) => {
    if (outcome.kind === 'result') send(FrameType.result, id, outcome.bytes);
    else if (outcome.kind === 'rpc_error') send(FrameType.rpcError, id, outcome.bytes);
    else send(FrameType.failure, id, Buffer.from(outcome.message, 'utf8'));
  };
  const onFrame = (frame: Frame) => {
    if (frame.type === FrameType.infoRequest) {
      const info = server.info();
      send(FrameType.info, frame.id, jsonPayload({ ...info, accounts: info.accounts.map((a) => ({ ...a, authKey: a.authKey.toString('hex') })) }));
      return;
    }
    if (frame.type === FrameType.scanRequest) {
      const { phone, token } = JSON.parse(frame.payload.toString('utf8')) as { phone: string; token: string };
      send(FrameType.scanned, frame.id, jsonPayload(scanResult(server.world.acceptLoginToken(String(phone), String(token)))));
      return;
    }
    if (frame.type === FrameType.hello && !connection) {
      const hello = JSON.parse(frame.payload.toString('utf8')) as HelloJson;
      try {
        connection = server.connect({ dcId: hello.dcId, authKey: hello.authKey ? Buffer.from(hello.authKey, 'hex') : undefined, proxy: hello.proxy });
      } catch (error) {
        send(FrameType.refused, frame.id, jsonPayload({ message: error instanceof Error ? error.message : String(error) }));
        socket.end();
        return;
      }
      connection.onEvent((event) => {
        if (event.kind === 'update') send(FrameType.update, 0, event.bytes);
        else if (event.kind === 'auth_key') send(FrameType.authKey, 0, event.key);
        else socket.end();
      });
      send(FrameType.welcome, frame.id, jsonPayload({ authKey: connection.authKey.toString('hex') }));
      return;
    }
    if (frame.type === FrameType.call && connection) {
      void connection.call(frame.payload).then((outcome) => answer(frame.id, outcome));
      return;
    }
    logger?.warn({ type: frame.type }, 'sandbox socket: unexpected frame; closing the connection');
    socket.destroy();
  };
  socket.on('data', (chunk: Buffer) => {
    let frames: Frame[];
    try {
      frames = reader.push(chunk);
    } catch (error) {
      logger?.warn({ err: error }, 'sandbox socket: unreadable bytes; closing the connection');
      socket.destroy();
      return;
    }
    for (const frame of frames) onFrame(frame);
  });
  socket.on('error', () => undefined);
  return () => connection?.close();
}
