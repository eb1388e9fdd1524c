import type { TelegramClient } from 'telegram';
import type { MTProtoSender } from 'telegram/network/index.js';
import { SANDBOX_API_HASH, SANDBOX_API_ID } from '../config.js';
import { DEFAULT_DEVICE_PROFILE, type DeviceProfile } from '../engine/clients/device-profile.js';
import { sessionString } from '../engine/clients/session-string.js';
import { buildTelegramClient, type AppCredentials, type ClientBehaviour, type ClientTransport } from '../engine/clients/telegram-client.js';
import { SandboxSender } from './sandbox-sender.js';
import { createTelegramServer, localEndpoint, type TelegramServer } from './telegram-server.js';
import type { SandboxEndpoint } from './wire/connection.js';
import type { SandboxWorld } from './world.js';

/**
 * App credentials for sandbox clients when none are configured: the sandbox accepts any, and records what
 * a client presents in its trace.
 */
export const SANDBOX_CREDENTIALS: AppCredentials = Object.freeze({ apiId: SANDBOX_API_ID, apiHash: SANDBOX_API_HASH });

/** The sandbox's transport: every request of the client goes to `endpoint` as TL bytes. */
export function sandboxTransport(endpoint: SandboxEndpoint): ClientTransport {
  return (client) => {
    const fresh = () => new SandboxSender({ client, endpoint }) as unknown as MTProtoSender;
    let sender = fresh();
    // GramJS only builds its MTProtoSender when `_sender` is unset (TelegramClient.connect). Moving to another
    // DC (`_switchDC`, after a *_MIGRATE error or auth.loginTokenMigrateTo) drops the sender for a new one:
    // a new sandbox sender takes its place, as a new MTProtoSender would.
    Object.defineProperty(client, '_sender', {
      configurable: true,
      enumerable: true,
      get: () => sender,
      set: (value: MTProtoSender | undefined) => {
        sender = value ?? fresh();
      },
    });
  };
}

// One server per world: it holds per-world caches (SRP verifiers).
const servers = new WeakMap<SandboxWorld, TelegramServer>();

/** The Telegram server of an in-process world (created on first use). */
export function sandboxServer(world: SandboxWorld): TelegramServer {
  let server = servers.get(world);
  if (!server) {
    server = createTelegramServer(world);
    servers.set(world, server);
  }
  return server;
}

/** The endpoint of an in-process world. */
export function worldEndpoint(world: SandboxWorld): SandboxEndpoint {
  return localEndpoint(sandboxServer(world));
}

/**
 * The session string of a logged-in session of the account with `phone`, as a session file exported from
 * Telegram would hold it (its DC and auth key); `''` when the world has no such account.
 */
export async function worldSession(world: SandboxWorld, phone: string): Promise<string> {
  const account = world.account(phone);
  return account ? sessionString(account.dc, world.authKeyFor(account)) : '';
}

/** ClientBehaviour, with GramJS's own default of 5 request attempts and one connection attempt. */
export interface SandboxClientOptions extends ClientBehaviour {
  /**
   * The session to use. `'account'`: a logged-in session of the account (as if exported from Telegram);
   * `''`: a new session (logged out); any other string is a StringSession to resume.
   * @default 'account' when the world file says the account is `authorized`, else ''
   */
  readonly session?: string;
  /** @default SANDBOX_CREDENTIALS */
  readonly credentials?: AppCredentials;
  /** @default DEFAULT_DEVICE_PROFILE */
  readonly device?: DeviceProfile;
}

/**
 * A real GramJS client built as every account's client is (buildTelegramClient), reaching an in-process
 * world: for tests and tools. Call `await client.connect()` before use and `destroy()` when done.
 */
export async function createSandboxClient(world: SandboxWorld, phone: string, options: SandboxClientOptions = {}): Promise<TelegramClient> {
  const { session: _session, credentials = SANDBOX_CREDENTIALS, device = DEFAULT_DEVICE_PROFILE, ...behaviour } = options;
  const session = options.session ?? (world.account(phone)?.authorized ? 'account' : '');
  const resolved = session === 'account' ? await worldSession(world, phone) : session;
  return buildTelegramClient(
    { session: resolved, credentials, device },
    { connectionRetries: 1, requestRetries: 5, ...behaviour, transport: behaviour.transport ?? sandboxTransport(worldEndpoint(world)) },
  );
}
