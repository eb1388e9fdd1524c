import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Logger as GramLogger, TelegramClient } from 'telegram';
import { LogLevel } from 'telegram/extensions/Logger.js';
import { StringSession } from 'telegram/sessions/index.js';
import type { ProxyInterface } from 'telegram/network/connection/TCPMTProxy.js';
import { AccountConnectError } from '../errors.js';
import { boundEntityCaches } from './bounded-caches.js';
import type { ClientFactory, ClientRequest } from '../options.js';
import type { SessionLeases } from './session-lease.js';

export interface LiveClientOptions {
  readonly apiId: number;
  readonly apiHash: string;
  readonly leases: SessionLeases;
  /**
   * GramJS sleeps through flood waits up to this many seconds itself; kept low so the engine decides (R7).
   * @default 0
   */
  readonly floodSleepThreshold?: number;
  /**
   * How often the session lease is renewed, in ms.
   * @default 30000
   */
  readonly heartbeatMs?: number;
}

/** Reads an account's proxy setting (`{ type: 'socks5', ip, port, username?, password? }` or `{ type: 'mtproxy', ip, port, secret }`). */
export function toGramProxy(proxy: Record<string, unknown> | null): ProxyInterface | undefined {
  if (!proxy) return undefined;
  const ip = String(proxy.ip ?? proxy.host ?? '');
  const port = Number(proxy.port);
  if (!ip || !Number.isInteger(port)) throw new AccountConnectError('the proxy needs an ip (or host) and a port');
  if (proxy.type === 'mtproxy') return { ip, port, secret: String(proxy.secret ?? ''), MTProxy: true };
  return {
    ip,
    port,
    socksType: 5,
    ...(proxy.username ? { username: String(proxy.username) } : {}),
    ...(proxy.password ? { password: String(proxy.password) } : {}),
  };
}

/** Real GramJS clients: one per account per process, guarded by a session lease. */
export function liveClientFactory(options: LiveClientOptions): ClientFactory<TelegramClient> & { loginClient(phone: string, session?: string): Promise<TelegramClient> } {
  const holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const { apiId, apiHash, leases, floodSleepThreshold = 0, heartbeatMs = 30_000 } = options;
  const heartbeats = new Map<number, ReturnType<typeof setInterval>>();
  const build = (session: string, proxy: Record<string, unknown> | null) => {
    const gramProxy = toGramProxy(proxy);
    return new TelegramClient(new StringSession(session), apiId, apiHash, {
      floodSleepThreshold,
      connectionRetries: 3,
      baseLogger: new GramLogger(LogLevel.ERROR),
      ...(gramProxy ? { proxy: gramProxy } : {}),
    });
  };
  return {
    async connect(request: ClientRequest, signal: AbortSignal) {
      if (!request.session) throw new AccountConnectError('the account has no session: log it in with /addaccount', { accountId: request.accountId });
      const lease = leases.acquire(request.accountId, holder);
      if (lease.kind === 'held') {
        throw new AccountConnectError(
          `the session is in use by another running panel (${lease.holder}); starting it twice would get it revoked (AUTH_KEY_DUPLICATED)`,
          { accountId: request.accountId },
        );
      }
      const client = build(request.session, request.proxy);
      boundEntityCaches(client);
      try {
        signal.throwIfAborted();
        await client.connect();
      } catch (error) {
        leases.release(request.accountId, holder);
        await client.destroy().catch(() => undefined);
        throw error;
      }
      const timer = setInterval(() => leases.heartbeat(request.accountId, holder), heartbeatMs);
      timer.unref();
      heartbeats.set(request.accountId, timer);
      return client;
    },
    async disconnect(client: TelegramClient, accountId: number) {
      clearInterval(heartbeats.get(accountId));
      heartbeats.delete(accountId);
      try {
        await client.destroy();
      } finally {
        leases.release(accountId, holder);
      }
    },
    async loginClient(_phone: string, session = '') {
      const client = build(session, null);
      await client.connect();
      return client;
    },
  };
}
