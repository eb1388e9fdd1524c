import { createHash } from 'node:crypto';
import { Api } from 'telegram';
import { SandboxRpcError } from './rpc-error.js';
import { ClientConnection } from './server/client-connection.js';
import { authRoutes } from './server/auth-methods.js';
import { chatRoutes } from './server/chat-methods.js';
import { connectionRoutes } from './server/connection-methods.js';
import type { ClientInit, HandlerContext, ServerSession } from './server/context.js';
import { messageRoutes } from './server/message-methods.js';
import { qrLoginRoutes } from './server/qr-login-methods.js';
import type { Route } from './server/route.js';
import { userRoutes } from './server/user-methods.js';
import { SandboxConnectError, type LoginTokenScan, type ConnectionHello, type SandboxConnection, type SandboxEndpoint, type SandboxInfo } from './wire/connection.js';
import { mtproxySecret, proxyAddress } from './world-file.js';
import type { SandboxWorld } from './world.js';

export type { ServerSession, LoginState, ClientInit } from './server/context.js';

/** The Telegram side of the sandbox: answers decoded requests as Telegram would. */
export interface TelegramServer {
  readonly world: SandboxWorld;
  /** TL names of the methods the sandbox answers. */
  readonly methods: readonly string[];
  /**
   * Serves one decoded request for a connection: wrappers (InvokeWithLayer, InitConnection…) are
   * unwrapped, then latency, faults, the login check and the handler; every request is traced.
   * @throws SandboxRpcError as Telegram would answer; a plain Error when the connection or world closed.
   */
  serve(request: unknown, session: ServerSession): Promise<unknown>;
  /**
   * Accepts a client connection (requests then arrive as TL bytes through it).
   * @throws SandboxConnectError when it cannot get through (a proxy the world does not have, or that does not work).
   */
  connect(hello: ConnectionHello): SandboxConnection;
  /** The world's authorized accounts with their sessions, and its limits. */
  info(): SandboxInfo;
}

/** The in-process way to reach a server: the same bytes as over a socket, without the socket. */
export function localEndpoint(server: TelegramServer): SandboxEndpoint {
  return {
    label: 'in-process',
    connect: (hello) => {
      try {
        return Promise.resolve(server.connect(hello));
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    },
    info: () => Promise.resolve(server.info()),
    acceptLoginToken: (phone, token) => Promise.resolve(scanResult(server.world.acceptLoginToken(phone, token))),
  };
}

/** A world's answer to a scan, as it crosses the wire. */
export function scanResult(result: ReturnType<SandboxWorld['acceptLoginToken']>): LoginTokenScan {
  return result.ok ? { ok: true, phone: result.account.phone } : { ok: false, error: result.error };
}

/** Error text of an unknown method; the method's TL name follows the colon. */
export const METHOD_NOT_SUPPORTED = 'METHOD_NOT_SUPPORTED_IN_SANDBOX';

/** The request inside the wrappers, and the InitConnection among them, if any. */
function unwrap(request: unknown): { inner: unknown; init: Api.InitConnection | undefined } {
  let r = request;
  let init: Api.InitConnection | undefined;
  for (;;) {
    if (r instanceof Api.InitConnection) init = r;
    if (
      r instanceof Api.InvokeWithLayer ||
      r instanceof Api.InitConnection ||
      r instanceof Api.InvokeWithoutUpdates ||
      r instanceof Api.InvokeAfterMsg ||
      r instanceof Api.InvokeAfterMsgs ||
      r instanceof Api.InvokeWithTakeout
    ) {
      r = r.query;
    } else {
      return { inner: r, init };
    }
  }
}

function clientInit(init: Api.InitConnection): ClientInit {
  return {
    apiId: init.apiId,
    deviceModel: init.deviceModel,
    systemVersion: init.systemVersion,
    appVersion: init.appVersion,
    langCode: init.langCode,
    systemLangCode: init.systemLangCode,
  };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function methodName(request: unknown): string {
  const name = (request as { className?: unknown } | null)?.className;
  return typeof name === 'string' ? name : 'unknown';
}

export function createTelegramServer(world: SandboxWorld): TelegramServer {
  const routes = new Map<string, Route>();
  for (const r of [...connectionRoutes(), ...authRoutes(), ...qrLoginRoutes(), ...userRoutes(), ...chatRoutes(), ...messageRoutes()]) {
    routes.set(r.method, r);
  }

  /** The world's proxy a connection comes through, or a connection error as the client would see it. */
  const proxyFor = (hello: ConnectionHello): { url: string; latencyMs: number } | null => {
    if (hello.proxy === null) return null;
    const address = proxyAddress(hello.proxy.url);
    const known = world.definition.proxies.find((p) => proxyAddress(p.url) === address);
    if (!known?.works) throw new SandboxConnectError(`the proxy ${address} does not answer`);
    const credentials = /^[a-z0-9]+:\/\/([^:@/]*):([^@/]*)@/i.exec(known.url);
    if (credentials && (hello.proxy.username !== decodeURIComponent(credentials[1] ?? '') || hello.proxy.secretDigest !== sha256(decodeURIComponent(credentials[2] ?? '')))) {
      throw new SandboxConnectError(`the proxy ${address} refused the user name or password`);
    }
    // A client with the wrong MTProxy secret obfuscates its first bytes with another key: the proxy cannot
    // read them and never answers (it does not refuse as a SOCKS proxy does).
    const secret = mtproxySecret(known.url);
    if (secret !== undefined && hello.proxy.secretDigest !== sha256(secret)) throw new SandboxConnectError(`the proxy ${address} does not answer`);
    return { url: address, latencyMs: known.latencyMs };
  };

  const server: TelegramServer = {
    world,
    methods: [...routes.keys()],
    async serve(request, session) {
      const t0 = world.now();
      const { inner, init } = unwrap(request);
      const method = methodName(inner);
      let traceAccount = session.phone;
      // The request that opens a connection (InvokeWithLayer(InitConnection(…))) is traced as InitConnection,
      // with how the client presented itself; faults still match the method inside.
      const connectionFields = () => {
        if (!init) return {};
        session.init ??= clientInit(init);
        const { apiId, deviceModel, systemVersion, appVersion, langCode } = clientInit(init);
        return { method: 'InitConnection', apiId, deviceModel, systemVersion, appVersion, langCode, proxy: session.proxy };
      };
      world.requestsInFlight += 1;
      try {
        await world.delay(world.latencyMs + session.proxyLatencyMs, session.signal);
        const account = session.authorizedAccount();
        traceAccount = session.phone;
        const fault = world.takeFault(traceAccount, method);
        if (fault !== undefined) throw new SandboxRpcError(fault);
        const r = routes.get(method);
        if (!r) throw new SandboxRpcError(`${METHOD_NOT_SUPPORTED}: ${method}`, 400);
        if (!r.public && account === undefined) throw new SandboxRpcError('AUTH_KEY_UNREGISTERED');
        const ctx: HandlerContext = { world, session, account };
        const result = await r.run(inner, ctx);
        // A login that starts names the connection from now on, this request included.
        traceAccount ||= session.phone;
        world.trace({ t0, t1: world.now(), account: traceAccount, method, ok: true, ...connectionFields() });
        return result;
      } catch (error) {
        const text =
          error instanceof SandboxRpcError ? error.errorMessage : session.signal.aborted || world.stopped ? 'ABORTED' : 'INTERNAL';
        world.trace({ t0, t1: world.now(), account: traceAccount, method, error: text, ...connectionFields() });
        throw error;
      } finally {
        world.requestsInFlight -= 1;
      }
    },
    connect(hello) {
      if (world.stopped) throw new SandboxConnectError('the sandbox world stopped');
      return new ClientConnection(server, hello, proxyFor(hello));
    },
    info() {
      return {
        participantsCap: world.participantsCap,
        accounts: world
          .accounts()
          .filter((a) => a.authorized && !a.revoked)
          .map((a) => ({ phone: a.phone, userId: a.userId, firstName: a.firstName, lastName: a.lastName ?? null, dcId: a.dc, authKey: world.authKeyFor(a) })),
      };
    },
  };
  return server;
}
