import type { FailureKind } from './types.js';

/**
 * How an operation ended badly, as a value. `seconds` is set for flood waits.
 * Runners throw `OperationFailure` to choose one; anything else is classified by `classifyError`.
 */
export type Failure =
  | { readonly kind: 'flood'; readonly seconds: number; readonly message: string; readonly method?: string }
  /** No account can afford the run now (README: Budgets); `freeAt` is when one could, null for never. */
  | { readonly kind: 'no_budget'; readonly message: string; readonly freeAt: number | null }
  /** `method`: the Telegram request that failed, when known (a PEER_FLOOD halves that action's budget). */
  | { readonly kind: Exclude<FailureKind, 'flood' | 'no_budget'>; readonly message: string; readonly method?: string };

/** Thrown by runners to end an operation with a chosen failure kind and a message in plain words. */
export class OperationFailure extends Error {
  override readonly name = 'OperationFailure';
  constructor(
    readonly failure: Failure,
    options?: { cause?: unknown },
  ) {
    super(failure.message, options);
  }
}

/** Why an operation's signal was aborted. */
export type AbortKind = 'cancelled' | 'timeout' | 'shutdown' | 'moved' | 'removed';

/** The `reason` of every AbortSignal the engine aborts: runners and GramJS loops see this error. */
export class OperationAbortedError extends Error {
  override readonly name = 'OperationAbortedError';
  constructor(
    readonly kind: AbortKind,
    message: string,
    readonly operationId?: number,
  ) {
    super(message);
  }
}

/** Base class of the engine's programming and infrastructure errors (not expected outcomes). */
export class EngineError extends Error {
  override readonly name: string = 'EngineError';
  constructor(
    message: string,
    readonly context: { readonly accountId?: number; readonly operationId?: number; readonly operation?: string } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An account's client could not be created or connected. */
export class AccountConnectError extends EngineError {
  override readonly name: string = 'AccountConnectError';
}

/** The words an account gets when it cannot reach Telegram through its proxy (README.md, "Proxies"). */
export const PROXY_DOWN = 'cannot connect: proxy does not answer';

/**
 * An account's client could not connect through its proxy: the proxy did not answer, or refused it. Only
 * the proxy's address is named (`proxy`), never its password.
 */
export class ProxyConnectError extends AccountConnectError {
  override readonly name = 'ProxyConnectError';
  constructor(
    readonly proxy: string,
    context: { readonly accountId?: number } = {},
    options?: { cause?: unknown },
  ) {
    super(PROXY_DOWN, context, options);
  }
}

const DEAD = new Set([
  'AUTH_KEY_UNREGISTERED',
  'AUTH_KEY_INVALID',
  'AUTH_KEY_DUPLICATED',
  'SESSION_REVOKED',
  'SESSION_EXPIRED',
  'USER_DEACTIVATED',
  'USER_DEACTIVATED_BAN',
]);
const TRANSIENT = new Set([
  'RPC_CALL_FAIL',
  'RPC_MCGET_FAIL',
  'TIMEOUT',
  'INTERDC_CALL_ERROR',
  'INTERDC_CALL_RICH_ERROR',
  'WORKER_BUSY_TOO_LONG_RETRY',
  'MSG_WAIT_FAILED',
  'NEED_MEMBER_INVALID',
]);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENETUNREACH', 'EAI_AGAIN']);

/** A Telegram RPC error as GramJS shapes it, read by duck typing so the engine need not import GramJS. */
interface RpcLike {
  errorMessage?: unknown;
  code?: unknown;
  seconds?: unknown;
  request?: { className?: unknown };
}

/** Extracts the Telegram error text (`FLOOD_WAIT_30`, `PEER_FLOOD`…) of an error, if it is one. */
export function rpcErrorMessage(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const message = (error as RpcLike).errorMessage;
  return typeof message === 'string' ? message : undefined;
}

/**
 * The Telegram method an RPC error answered. GramJS keeps the request only in the error's message
 * ("420: FLOOD (caused by channels.JoinChannel)", RPCError._fmtRequest in telegram/errors/RPCBaseErrors.js);
 * an error that carries its request (`request.className`) is read directly.
 */
function rpcMethod(error: unknown): string | undefined {
  const name = (error as RpcLike | null)?.request?.className;
  if (typeof name === 'string') return name;
  const message = error instanceof Error ? error.message : undefined;
  return message ? /\(caused by ([A-Za-z0-9_.]+)\)/.exec(message)?.[1] : undefined;
}

function floodSeconds(error: unknown, text: string | undefined): number | undefined {
  const seconds = (error as RpcLike | null)?.seconds;
  if (typeof seconds === 'number' && Number.isFinite(seconds)) return seconds;
  const match = text ? /^(?:FLOOD_WAIT|SLOWMODE_WAIT|FLOOD_PREMIUM_WAIT)_(\d+)$/.exec(text) : null;
  return match?.[1] ? Number(match[1]) : undefined;
}

/**
 * Classifies any thrown value into a Failure. Abort reasons and OperationFailure pass through; GramJS RPC
 * errors are read by their text and code. Anything unknown is a plain `error` with its message.
 */
export function classifyError(error: unknown): Failure {
  if (error instanceof OperationFailure) return error.failure;
  if (error instanceof ProxyConnectError) return { kind: 'proxy_down', message: PROXY_DOWN };
  if (error instanceof OperationAbortedError) {
    if (error.kind === 'timeout') return { kind: 'timeout', message: error.message };
    return { kind: 'cancelled', message: error.message };
  }
  const text = rpcErrorMessage(error);
  const seconds = floodSeconds(error, text);
  // GramJS's FloodWaitError says only "FLOOD" (code 420) and carries the wait in `seconds`.
  if (seconds !== undefined && text !== undefined && (/WAIT/.test(text) || text === 'FLOOD' || (error as RpcLike).code === 420)) {
    const method = rpcMethod(error);
    return {
      kind: 'flood',
      seconds,
      message: `Telegram asked this account to wait ${formatSeconds(seconds)} (flood control).`,
      ...(method ? { method } : {}),
    };
  }
  if (text !== undefined) {
    if (DEAD.has(text)) return { kind: 'dead', message: `The account is no longer usable (${text}).` };
    if (text === 'PEER_FLOOD') {
      const method = rpcMethod(error);
      return { kind: 'limited', message: 'Telegram limited this account: it may not message strangers for now.', ...(method ? { method } : {}) };
    }
    const code = (error as RpcLike).code;
    if (TRANSIENT.has(text) || (typeof code === 'number' && code >= 500)) {
      return { kind: 'transient', message: `Telegram had a temporary problem (${text}).` };
    }
  }
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    if ((code && NETWORK_CODES.has(code)) || /\b(timed? ?out|socket hang up|network|disconnected)\b/i.test(error.message)) {
      return { kind: 'transient', message: `A network problem interrupted the work: ${error.message}` };
    }
    return { kind: 'error', message: error.message };
  }
  return { kind: 'error', message: String(error) };
}

/** `90` → `1 min 30 s`: durations in plain words for chat. */
export function formatSeconds(total: number): string {
  const s = Math.max(0, Math.round(total));
  if (s < 60) return `${s} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  return rest > 0 ? `${m} min ${rest} s` : `${m} min`;
}
