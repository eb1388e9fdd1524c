import type { TelegramClient } from 'telegram';
import { boundEntityCaches } from '../engine/clients/bounded-caches.js';
import type { ClientFactory, ClientRequest } from '../engine/options.js';
import { createSandboxClient } from './sandbox-client.js';
import type { SandboxWorld } from './world.js';

export interface SandboxClientFactoryOptions {
  /**
   * Attempts GramJS makes per request (it retries RPC_CALL_FAIL and 5xx itself); 1 leaves every retry decision to the engine (R7).
   * @default 1
   */
  readonly requestRetries?: number;
}

/** Builds real GramJS clients wired to the sandbox world: the engine's client factory in sandbox mode. */
export function sandboxClientFactory(
  world: SandboxWorld,
  options: SandboxClientFactoryOptions = {},
): ClientFactory<TelegramClient> & { loginClient(phone: string, session?: string): Promise<TelegramClient> } {
  const requestRetries = options.requestRetries ?? 1;
  return {
    async connect(request: ClientRequest, signal: AbortSignal) {
      signal.throwIfAborted();
      const client = createSandboxClient(world, request.phone, { session: request.session ?? '', requestRetries });
      boundEntityCaches(client);
      await client.connect();
      return client;
    },
    async disconnect(client: TelegramClient) {
      await client.destroy();
    },
    async loginClient(phone: string, session = '') {
      const client = createSandboxClient(world, phone, { session, requestRetries });
      await client.connect();
      return client;
    },
  };
}
