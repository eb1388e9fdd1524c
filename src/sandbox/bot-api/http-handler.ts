import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ConformanceRecorder } from './conformance/recorder.js';
import { BotApiError, tooManyRequests } from './errors.js';
import type { FileStore } from './file-store.js';
import type { FloodControl } from './flood-control.js';
import type { MethodContext } from './methods/method-context.js';
import { findMethod } from './methods/method-table.js';
import { createParams } from './params.js';
import { readRequestParams, type RequestParams } from './request-body.js';

export interface HttpHandlerOptions {
  readonly token: string;
  /** Largest request body accepted; above it the answer is 413. */
  readonly maxBodyBytes: number;
  readonly files: FileStore;
  readonly logger: Logger;
  /** Everything a method needs except the call's own parameters and abort signal. */
  readonly context: Omit<MethodContext, 'params' | 'signal'>;
  /** Checks every method call and its answer against the Bot API specification. */
  readonly conformance: ConformanceRecorder;
  /** Injected 429 answers. */
  readonly floods: FloodControl;
  /** Told of every method call once it is answered. */
  readonly onCall: (call: BotApiCall) => void;
}

/** A method call the server answered. */
export interface BotApiCall {
  /** As the client wrote it. */
  readonly method: string;
  /** The HTTP status, also Telegram's `error_code` when it is not 200. */
  readonly status: number;
  /** The error's description; undefined for a success. */
  readonly description: string | undefined;
}

type Route =
  | { readonly kind: 'method'; readonly token: string; readonly method: string }
  | { readonly kind: 'file'; readonly token: string; readonly filePath: string }
  | { readonly kind: 'unknown' };

/** Routes Telegram's URL scheme: `/bot<TOKEN>/<method>` and `/file/bot<TOKEN>/<file_path>`. */
function route(pathname: string): Route {
  const method = /^\/bot([^/]*)\/([^/]+)$/.exec(pathname);
  if (method !== null) return { kind: 'method', token: decode(method[1] ?? ''), method: decode(method[2] ?? '') };
  const file = /^\/file\/bot([^/]*)\/(.+)$/.exec(pathname);
  if (file !== null) return { kind: 'file', token: decode(file[1] ?? ''), filePath: decode(file[2] ?? '') };
  return { kind: 'unknown' };
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Sends a JSON answer; returns the text sent, for the conformance check. */
function reply(res: ServerResponse, status: number, body: unknown): string {
  const json = JSON.stringify(body);
  if (res.destroyed || res.headersSent) return json;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
  return json;
}

function errorBody(error: BotApiError): Record<string, unknown> {
  return {
    ok: false,
    error_code: error.errorCode,
    description: error.description,
    ...(error.parameters === undefined ? {} : { parameters: error.parameters }),
  };
}

function replyError(res: ServerResponse, error: BotApiError): string {
  return reply(res, error.errorCode, errorBody(error));
}

/**
 * The HTTP side of the server. Logs name the method only: the URL holds the bot token.
 */
export function createHttpHandler(options: HttpHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { token, maxBodyBytes, files, logger, context, conformance, floods, onCall } = options;

  /** Answers a method call, and checks and reports the exchange. */
  const answer = (res: ServerResponse, method: string, params: RequestParams | undefined, status: number, body: Record<string, unknown>): void => {
    const sent = reply(res, status, body);
    conformance.record({ method, params, status, body: sent });
    try {
      onCall({ method, status, description: status === 200 ? undefined : String(body.description) });
    } catch (error) {
      logger.error({ err: error, method }, 'a Bot API call listener failed');
    }
  };
  const answerError = (res: ServerResponse, method: string, params: RequestParams | undefined, error: BotApiError): void =>
    answer(res, method, params, error.errorCode, errorBody(error));

  const serveFile = (res: ServerResponse, filePath: string): void => {
    const file = files.byPath(filePath);
    if (file === undefined) {
      replyError(res, new BotApiError(404, 'Not Found'));
      return;
    }
    res.writeHead(200, { 'content-type': file.mimeType ?? 'application/octet-stream', 'content-length': file.size });
    res.end(file.bytes);
  };

  const callMethod = async (req: IncomingMessage, res: ServerResponse, url: URL, name: string): Promise<void> => {
    const handler = findMethod(name);
    const controller = new AbortController();
    // A client that gives up (grammY's bot.stop() aborts its pending getUpdates) must free its long poll.
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    const startedAt = Date.now();
    let request: RequestParams | undefined;
    try {
      request = await readRequestParams(req, url, maxBodyBytes);
      if (handler === undefined) throw new BotApiError(404, 'Not Found');
      // An injected flood refuses the call before it runs: a refused getUpdates confirms nothing.
      const retryAfter = floods.take(name);
      if (retryAfter !== undefined) throw tooManyRequests(retryAfter);
      const result: unknown = await handler({ ...context, params: createParams(request), signal: controller.signal });
      answer(res, name, request, 200, { ok: true, result });
      logger.debug({ method: name, ms: Date.now() - startedAt }, 'Bot API call');
    } catch (error) {
      if (error instanceof BotApiError) {
        answerError(res, name, request, error);
        logger.debug({ method: name, status: error.errorCode, description: error.description }, 'Bot API call refused');
        return;
      }
      logger.error({ err: error, method: name }, 'Bot API method failed');
      answerError(res, name, request, new BotApiError(500, 'Internal Server Error'));
    }
  };

  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const target = route(url.pathname);
    if (target.kind === 'unknown') {
      req.resume();
      replyError(res, new BotApiError(404, 'Not Found'));
      return;
    }
    if (target.token !== token) {
      req.resume();
      const refusal = new BotApiError(401, 'Unauthorized');
      if (target.kind === 'method') answerError(res, target.method, undefined, refusal);
      else replyError(res, refusal);
      return;
    }
    if (target.kind === 'file') {
      req.resume();
      serveFile(res, target.filePath);
      return;
    }
    void callMethod(req, res, url, target.method);
  };
}
