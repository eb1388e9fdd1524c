import { Logger as GramLogger, TelegramClient } from 'telegram';
import { LogLevel } from 'telegram/extensions/Logger.js';
import type { ProxyInterface } from 'telegram/network/connection/TCPMTProxy.js';
import { StringSession } from 'telegram/sessions/index.js';
import type { DeviceProfile } from './device-profile.js';
import { installFastLongReader } from './fast-long-reader.js';

/** An app's credentials from my.telegram.org: what InitConnection and auth.SendCode name the app by. */
export interface AppCredentials {
  readonly apiId: number;
  readonly apiHash: string;
}

/**
 * How a client reaches Telegram. Unset, GramJS opens its own MTProto connection; the sandbox installs a
 * sender that carries the same requests to the simulated Telegram instead. It is the only thing that differs.
 */
export type ClientTransport = (client: TelegramClient) => void;

/** Who a client is: everything Telegram sees of it. */
export interface ClientIdentity {
  /** A GramJS StringSession string; `''` for a new session (a login). */
  readonly session: string;
  readonly credentials: AppCredentials;
  readonly device: DeviceProfile;
  /** @default undefined (a direct connection) */
  readonly proxy?: ProxyInterface | undefined;
}

export interface ClientBehaviour {
  /**
   * GramJS sleeps through flood waits up to this many seconds itself; 0 hands every flood wait to the caller
   * (the engine decides: R7).
   * @default 0
   */
  readonly floodSleepThreshold?: number;
  /**
   * Attempts GramJS makes per request (it retries RPC_CALL_FAIL and 5xx itself).
   * @default 1 (every retry decision is the engine's)
   */
  readonly requestRetries?: number;
  /**
   * Connection attempts on connect.
   * @default 3
   */
  readonly connectionRetries?: number;
  /**
   * Whether GramJS opens the connection again by itself when it drops.
   * @default true
   */
  readonly autoReconnect?: boolean;
  /**
   * GramJS's log level.
   * @default LogLevel.ERROR
   */
  readonly logLevel?: LogLevel;
  /** @default undefined (Telegram itself) */
  readonly transport?: ClientTransport | undefined;
}

/**
 * The one way Switchboard builds a GramJS client, for real accounts and sandbox ones alike: the session,
 * the app credentials, the device profile and the proxy all go through here. Call `connect()` next.
 */
export function buildTelegramClient(identity: ClientIdentity, behaviour: ClientBehaviour = {}): TelegramClient {
  // Decoding answers is the CPU an account costs: read GramJS's 64-bit integers natively (same values).
  installFastLongReader();
  const { device, credentials, proxy } = identity;
  const client = new TelegramClient(new StringSession(identity.session), credentials.apiId, credentials.apiHash, {
    floodSleepThreshold: behaviour.floodSleepThreshold ?? 0,
    requestRetries: behaviour.requestRetries ?? 1,
    connectionRetries: behaviour.connectionRetries ?? 3,
    autoReconnect: behaviour.autoReconnect ?? true,
    baseLogger: new GramLogger(behaviour.logLevel ?? LogLevel.ERROR),
    deviceModel: device.deviceModel,
    systemVersion: device.systemVersion,
    appVersion: device.appVersion,
    langCode: device.langCode,
    systemLangCode: device.systemLangCode,
    ...(proxy ? { proxy } : {}),
  });
  behaviour.transport?.(client);
  return client;
}
