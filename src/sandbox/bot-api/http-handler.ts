import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { BotApiError } from './errors.js';
import type { FileStore } from './file-store.js';
import type { MethodContext } from './methods/method-context.js';
import { findMethod } from './methods/method-table.js';
import { createParams } from './params.js';
import { readRequestParams } from './request-body.js';

export interface HttpHandlerOptions {
  readonly token: string;
  /** Largest request body accepted; above it the answer is 413. */
  readonly maxBodyBytes: number;
  readonly files: FileStore;
  readonly logger: Logger;
  /** Everything a method needs except the call's own parameters and abort signal. */
  readonly context: Omit<MethodContext, 'params' | 'signal'>;
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

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed || res.headersSent) return;
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

function replyError(res: ServerResponse, error: BotApiError): void {
  reply(res, error.errorCode, { ok: false, error_code: error.errorCode, description: error.description });
}

/**
 * The HTTP side of the server. Logs name the method only: the URL holds the bot token.
 */
export function createHttpHandler(options: HttpHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { token, maxBodyBytes, files, logger, context } = options;

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
    if (handler === undefined) {
      req.resume();
      replyError(res, new BotApiError(404, 'Not Found'));
      return;
    }
    const controller = new AbortController();
    // A client that gives up (grammY's bot.stop() aborts its pending getUpdates) must free its long poll.
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    const startedAt = Date.now();
    try {
      const params = createParams(await readRequestParams(req, url, maxBodyBytes));
      const result: unknown = await handler({ ...context, params, signal: controller.signal });
      reply(res, 200, { ok: true, result });
      logger.debug({ method: name, ms: Date.now() - startedAt }, 'Bot API call');
    } catch (error) {
      if (error instanceof BotApiError) {
        replyError(res, error);
        logger.debug({ method: name, status: error.errorCode, description: error.description }, 'Bot API call refused');
        return;
      }
      logger.error({ err: error, method: name }, 'Bot API method failed');
      replyError(res, new BotApiError(500, 'Internal Server Error'));
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
      replyError(res, new BotApiError(401, 'Unauthorized'));
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
