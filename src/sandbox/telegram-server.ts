import { Api } from 'telegram';
import { SandboxRpcError } from './rpc-error.js';
import { authRoutes } from './server/auth-methods.js';
import { chatRoutes } from './server/chat-methods.js';
import { connectionRoutes } from './server/connection-methods.js';
import type { HandlerContext, ServerSession } from './server/context.js';
import { messageRoutes } from './server/message-methods.js';
import type { Route } from './server/route.js';
import { userRoutes } from './server/user-methods.js';
import type { SandboxWorld } from './world.js';

export type { ServerSession, LoginState } from './server/context.js';

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
}

/** Error text of an unknown method; the method's TL name follows the colon. */
export const METHOD_NOT_SUPPORTED = 'METHOD_NOT_SUPPORTED_IN_SANDBOX';

function unwrap(request: unknown): unknown {
  let r = request;
  for (;;) {
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
      return r;
    }
  }
}

function methodName(request: unknown): string {
  const name = (request as { className?: unknown } | null)?.className;
  return typeof name === 'string' ? name : 'unknown';
}

export function createTelegramServer(world: SandboxWorld): TelegramServer {
  const routes = new Map<string, Route>();
  for (const r of [...connectionRoutes(), ...authRoutes(), ...userRoutes(), ...chatRoutes(), ...messageRoutes()]) {
    routes.set(r.method, r);
  }

  return {
    world,
    methods: [...routes.keys()],
    async serve(request, session) {
      const t0 = world.now();
      const inner = unwrap(request);
      const method = methodName(inner);
      let traceAccount = session.authorizedAccount()?.phone ?? session.phone;
      try {
        await world.delay(world.latencyMs, session.signal);
        const account = session.authorizedAccount();
        traceAccount = account?.phone ?? session.phone;
        const fault = world.takeFault(traceAccount, method);
        if (fault !== undefined) throw new SandboxRpcError(fault);
        const r = routes.get(method);
        if (!r) throw new SandboxRpcError(`${METHOD_NOT_SUPPORTED}: ${method}`, 400);
        if (!r.public && account === undefined) throw new SandboxRpcError('AUTH_KEY_UNREGISTERED');
        const ctx: HandlerContext = { world, session, account };
        const result = await r.run(inner, ctx);
        world.trace({ t0, t1: world.now(), account: traceAccount, method, ok: true });
        return result;
      } catch (error) {
        const text =
          error instanceof SandboxRpcError ? error.errorMessage : session.signal.aborted || world.stopped ? 'ABORTED' : 'INTERNAL';
        world.trace({ t0, t1: world.now(), account: traceAccount, method, error: text });
        throw error;
      }
    },
  };
}
