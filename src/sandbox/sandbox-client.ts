import { Logger, TelegramClient } from 'telegram';
import type { TelegramClientParams } from 'telegram/client/telegramBaseClient.js';
import { LogLevel } from 'telegram/extensions/Logger.js';
import type { MTProtoSender } from 'telegram/network/index.js';
import { StringSession } from 'telegram/sessions/index.js';
import { SandboxSender } from './sandbox-sender.js';
import { createTelegramServer, type TelegramServer } from './telegram-server.js';
import type { SandboxWorld } from './world.js';

export interface SandboxClientOptions {
  /**
   * A StringSession string to resume. Its auth key decides which account the client is logged in as;
   * strings saved by sandbox clients after a login stay valid across sandbox restarts.
   * @default '' (a fresh session: logged in when the world says the account is authorized, else logged out)
   */
  readonly session?: string;
  /**
   * GramJS sleeps through FLOOD_WAIT up to this many seconds itself; 0 hands every flood wait to the caller.
   * @default 0
   */
  readonly floodSleepThreshold?: number;
  /**
   * GramJS's own retries of a request (RPC_CALL_FAIL, 5xx, small flood waits).
   * @default 5 (GramJS's default)
   */
  readonly requestRetries?: number;
  /**
   * Connection attempts on connect.
   * @default 1
   */
  readonly connectionRetries?: number;
  /**
   * GramJS's log level.
   * @default LogLevel.NONE
   */
  readonly logLevel?: LogLevel;
  /**
   * Further TelegramClient parameters; the ones above win.
   * @default {}
   */
  readonly clientParams?: TelegramClientParams;
}

/** The api id and hash sandbox clients use: the sandbox accepts any. */
export const SANDBOX_API_ID = 1;
export const SANDBOX_API_HASH = 'sandbox';

// One server per world: it holds per-world caches (SRP verifiers).
const servers = new WeakMap<SandboxWorld, TelegramServer>();

/** The Telegram server of a world (created on first use). */
export function sandboxServer(world: SandboxWorld): TelegramServer {
  let server = servers.get(world);
  if (!server) {
    server = createTelegramServer(world);
    servers.set(world, server);
  }
  return server;
}

/**
 * A real GramJS TelegramClient wired to the sandbox world for the account with `phone`. Call
 * `await client.connect()` before use; `await client.destroy()` (or `disconnect()`) when done.
 */
export function createSandboxClient(world: SandboxWorld, phone: string, options: SandboxClientOptions = {}): TelegramClient {
  const client = new TelegramClient(new StringSession(options.session ?? ''), SANDBOX_API_ID, SANDBOX_API_HASH, {
    ...options.clientParams,
    floodSleepThreshold: options.floodSleepThreshold ?? 0,
    requestRetries: options.requestRetries ?? 5,
    connectionRetries: options.connectionRetries ?? 1,
    autoReconnect: false,
    baseLogger: new Logger(options.logLevel ?? LogLevel.NONE),
    deviceModel: 'Switchboard sandbox',
    systemVersion: 'sandbox',
    appVersion: '1.0',
  });
  // GramJS only builds its MTProtoSender when `_sender` is unset (SPEC §6).
  client._sender = new SandboxSender({ server: sandboxServer(world), client, phone }) as unknown as MTProtoSender;
  return client;
}
