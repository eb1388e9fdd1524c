import type { IncomingMessage } from 'node:http';
import { BotApiError, badRequest } from './errors.js';
import { multipartBoundary, parseMultipart } from './multipart.js';

/** A file part of a multipart request. */
export interface UploadedFile {
  readonly filename: string | undefined;
  readonly bytes: Buffer;
}

/**
 * The parameters of one Bot API call, from the query string and the body. Values from query strings,
 * forms and multipart bodies are strings; JSON bodies keep their types.
 */
export interface RequestParams {
  readonly values: ReadonlyMap<string, unknown>;
  /** Multipart file parts by part name (the `attach://<name>` target, or the parameter name itself). */
  readonly files: ReadonlyMap<string, UploadedFile>;
}

export const REQUEST_TOO_LARGE = 'Request Entity Too Large';

/** Reads and decodes a request; a body above `maxBodyBytes` fails with Telegram's 413. */
export async function readRequestParams(req: IncomingMessage, url: URL, maxBodyBytes: number): Promise<RequestParams> {
  const values = new Map<string, unknown>(url.searchParams);
  const files = new Map<string, UploadedFile>();
  const body = await readBody(req, maxBodyBytes);
  const contentType = (req.headers['content-type'] ?? '').toLowerCase();
  if (body.length === 0) return { values, files };

  if (contentType.startsWith('application/json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw badRequest("can't parse JSON object");
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw badRequest("can't parse JSON object");
    for (const [key, value] of Object.entries(parsed)) values.set(key, value);
  } else if (contentType.startsWith('application/x-www-form-urlencoded')) {
    for (const [key, value] of new URLSearchParams(body.toString('utf8'))) values.set(key, value);
  } else if (contentType.startsWith('multipart/form-data')) {
    const boundary = multipartBoundary(req.headers['content-type'] ?? '');
    if (boundary === undefined) throw badRequest("can't parse multipart/form-data: no boundary");
    for (const part of parseMultipart(body, boundary)) {
      if (part.filename !== undefined) files.set(part.name, { filename: part.filename, bytes: part.data });
      else values.set(part.name, part.data.toString('utf8'));
    }
  }
  return { values, files };
}

/** The whole body of a request; above `maxBodyBytes` it fails with `BotApiError` 413 (the rest is read and dropped). */
export function readBody(req: IncomingMessage, maxBodyBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > maxBodyBytes) {
      drop(req);
      reject(new BotApiError(413, REQUEST_TOO_LARGE));
      return;
    }
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total <= maxBodyBytes) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      drop(req);
      reject(new BotApiError(413, REQUEST_TOO_LARGE));
    };
    req.on('data', onData);
    req.on('end', () => {
      if (total <= maxBodyBytes) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

/**
 * Reads and throws away the rest of a body that is too large: cutting the connection instead would
 * leave the client with a broken pipe rather than the 413 answer.
 */
function drop(req: IncomingMessage): void {
  req.resume();
}
