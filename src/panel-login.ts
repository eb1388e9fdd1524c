import type { Logger } from 'pino';
import type { LoginStore } from './engine/login.js';
import { createLoginService, type LoginService } from './engine/login.js';
import { telegramClientFactory } from './engine/clients/client-factory.js';
import type { FleetPanelEngine } from './engine/distributed/fleet-panel-engine.js';
import type { SessionCipher } from './engine/options.js';
import { createSessionImporter, type SessionImporter } from './engine/session-import.js';
import { sandboxTransport } from './sandbox/sandbox-client.js';
import type { OpenSandbox } from './sandbox/open-sandbox.js';

/** Logins and imports on a fleet's panel (docs/deploy.md): what /addaccount and /import are given. */
export interface PanelLogin {
  readonly login: LoginService;
  readonly importer: SessionImporter;
  /** Disconnects the logins under way; the ones kept in the store can be finished by the next panel. */
  stop(): Promise<void>;
}

export interface PanelLoginOptions {
  readonly engine: FleetPanelEngine;
  /** Where pending logins are kept, sealed with `cipher`, so that a panel restart mid-login can finish it (the kv table). */
  readonly store: LoginStore;
  /** SESSION_SECRET: a half-made session is a secret too. */
  readonly cipher: SessionCipher;
  /** The simulated Telegram in sandbox mode (the one the workers reach too); undefined: Telegram itself. */
  readonly sandbox: OpenSandbox | undefined;
  readonly logger: Logger;
}

/**
 * Phone-code, QR and /import on a panel: each login or check opens a GramJS client of its own through the same client
 * path as every account (client-factory.ts, with the sandbox transport in sandbox mode), on a new session, and closes
 * it when the login or the check ends. The account is then stored with its session sealed (FleetPanelEngine.addAccount,
 * or setSession for one nobody holds), and a worker connects it at its next lease round: the panel never connects an
 * account that is stored. A login of a phone whose account a worker holds is refused before a code is sent.
 */
export function createPanelLogin({ engine, store, cipher, sandbox, logger }: PanelLoginOptions): PanelLogin {
  const clients = telegramClientFactory({ transport: sandbox ? sandboxTransport(sandbox.endpoint) : undefined });
  const loginClient = (session: string, identity: Parameters<typeof clients.loginClient>[1]) => clients.loginClient(session, identity);
  const service = createLoginService({ engine, loginClient, store, cipher, logger: logger.child({ module: 'login' }) });
  const login: LoginService = {
    ...service,
    async start(phone) {
      const holder = await engine.holderOf(phone);
      if (holder !== undefined) {
        return {
          kind: 'failed',
          message: `This account is connected by worker ${holder}: it is not logged in again while a worker uses it. Remove it (/removeaccount) first to log it in anew. Nothing was changed.`,
          retry: false,
        };
      }
      return service.start(phone);
    },
  };
  const importer = createSessionImporter({ engine, probe: loginClient, logger });
  return { login, importer, stop: () => service.stop() };
}
