import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { TelegramClient } from 'telegram';
import type { LogLevel } from 'telegram/extensions/Logger.js';
import { AccountConnectError } from '../errors.js';
import type { ClientFactory, ClientRequest } from '../options.js';
import { boundEntityCaches } from './bounded-caches.js';
import { DEFAULT_DEVICE_PROFILE, type DeviceProfile } from './device-profile.js';
import { toGramProxy } from './proxy.js';
import type { SessionLeases } from './session-lease.js';
import { buildTelegramClient, type AppCredentials, type ClientTransport } from './telegram-client.js';

export interface TelegramClientFactoryOptions {
  /** The app credentials every client presents. */
  readonly credentials: AppCredentials;
  /**
   * The device profile clients present.
   * @default DEFAULT_DEVICE_PROFILE
   */
  readonly device?: DeviceProfile;
  /**
   * How clients reach Telegram (see buildTelegramClient).
   * @default undefined (Telegram itself)
   */
  readonly transport?: ClientTransport | undefined;
  /**
   * Session leases that keep two processes from using one session at once (Telegram revokes a session used
   * twice: AUTH_KEY_DUPLICATED).
   * @default undefined (no guard: one process owns the database)
   */
  readonly leases?: SessionLeases | undefined;
  /**
   * How often a held lease is renewed, in ms.
   * @default 30000
   */
  readonly heartbeatMs?: number;
  /**
   * GramJS sleeps through flood waits up to this many seconds itself; kept low so the engine decides (R7).
   * @default 0
   */
  readonly floodSleepThreshold?: number;
  /**
   * Attempts GramJS makes per request; 1 leaves every retry decision to the engine (R7).
   * @default 1
   */
  readonly requestRetries?: number;
  /**
   * GramJS's log level.
   * @default LogLevel.ERROR
   */
  readonly logLevel?: LogLevel;
}

/** The engine's client factory, plus logged-out clients for phone logins. */
export interface TelegramClientFactory extends ClientFactory<TelegramClient> {
  /**
   * A connected client on `session` (a login in progress, or an imported session being checked), or on a
   * new session; `identity` overrides the device profile and app credential (an imported sidecar's).
   */
  loginClient(session?: string, identity?: { readonly device?: DeviceProfile | undefined; readonly credentials?: AppCredentials | undefined }): Promise<TelegramClient>;
}

/**
 * Real GramJS clients for the engine, one per account per process, each built by buildTelegramClient and
 * (with `leases`) guarded by a session lease. Live and sandbox accounts go through the same code; only the
 * transport differs.
 */
export function telegramClientFactory(options: TelegramClientFactoryOptions): TelegramClientFactory {
  const holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const { credentials, device = DEFAULT_DEVICE_PROFILE, transport, leases, heartbeatMs = 30_000 } = options;
  const behaviour = {
    floodSleepThreshold: options.floodSleepThreshold ?? 0,
    requestRetries: options.requestRetries ?? 1,
    transport,
    ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
  };
  const heartbeats = new Map<number, ReturnType<typeof setInterval>>();
  return {
    async connect(request: ClientRequest, signal: AbortSignal) {
      if (!request.session) throw new AccountConnectError('the account has no session: log it in with /addaccount', { accountId: request.accountId });
      const proxy = toGramProxy(request.proxy);
      const lease = leases?.acquire(request.accountId, holder);
      if (lease?.kind === 'held') {
        throw new AccountConnectError(
          `the session is in use by another running panel (${lease.holder}); starting it twice would get it revoked (AUTH_KEY_DUPLICATED)`,
          { accountId: request.accountId },
        );
      }
      const client = buildTelegramClient({ session: request.session, credentials, device, proxy }, behaviour);
      boundEntityCaches(client);
      try {
        signal.throwIfAborted();
        await client.connect();
      } catch (error) {
        leases?.release(request.accountId, holder);
        await client.destroy().catch(() => undefined);
        throw error;
      }
      if (leases) {
        const timer = setInterval(() => leases.heartbeat(request.accountId, holder), heartbeatMs);
        timer.unref();
        heartbeats.set(request.accountId, timer);
      }
      return client;
    },
    async disconnect(client: TelegramClient, accountId: number) {
      clearInterval(heartbeats.get(accountId));
      heartbeats.delete(accountId);
      try {
        await client.destroy();
      } finally {
        leases?.release(accountId, holder);
      }
    },
    async loginClient(session = '', identity = {}) {
      const client = buildTelegramClient({ session, credentials: identity.credentials ?? credentials, device: identity.device ?? device }, behaviour);
      try {
        await client.connect();
      } catch (error) {
        await client.destroy().catch(() => undefined);
        throw error;
      }
      return client;
    },
  };
}
