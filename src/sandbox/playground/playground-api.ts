import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { BotApiError, TEXT_MAX_LENGTH, UserActionError, type BotApiServer, type ChatUser, type StoredFile } from '../bot-api/index.js';
import { readBody } from '../bot-api/request-body.js';
import { scanQrCode } from '../qr-scan.js';
import type { LoginTokenScan } from '../wire/connection.js';
import type { EventStreams } from './event-stream.js';
import { messageView } from './message-view.js';
import { guardRequest } from './request-guard.js';
import type { StaticFile } from './static-files.js';

/** What the playground needs of the local Bot API server: the admin's Telegram app, played in the page. */
export type PlaygroundChat = Pick<BotApiServer, 'bot' | 'history' | 'onMessage' | 'commandMenu' | 'userSends' | 'userSendsDocument' | 'userPresses' | 'files'>;

export interface PlaygroundApiOptions {
  readonly chat: PlaygroundChat;
  readonly user: ChatUser;
  readonly logger: Logger;
  readonly files: ReadonlyMap<string, StaticFile>;
  readonly streams: EventStreams;
  readonly maxUploadBytes: number;
  readonly scan: ((phone: string, token: string) => Promise<LoginTokenScan>) | undefined;
  /** The port the server listens on, for the Host check. */
  readonly port: () => number;
}

const JSON_LIMIT_BYTES = 64 * 1024;

/** Telegram's refusals of a scan, in words (core.telegram.org/method/auth.acceptLoginToken). */
const SCAN_ERRORS: Readonly<Record<string, string>> = {
  AUTH_TOKEN_EXPIRED: 'that code has expired; scan the new one',
  AUTH_TOKEN_INVALIDX: 'that code is no longer valid (a newer one replaced it, or it was used)',
  AUTH_TOKEN_ALREADY_ACCEPTED: 'that code was scanned already',
  PHONE_NUMBER_INVALID: 'the world has no account with that phone',
};

/** Headers on every answer: the page runs its own files only and is never framed. */
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'self'; img-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
} as const;

/** A refusal the page shows as is. */
class PlaygroundRequestError extends Error {
  override readonly name = 'PlaygroundRequestError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Answers the page: its static files, the chat as Server-Sent Events (`/api/events`: the history, then every
 * message sent, edited or deleted), files, and the admin's actions (send, upload, press, scan).
 */
export function createPlaygroundApi(options: PlaygroundApiOptions): (request: IncomingMessage, response: ServerResponse) => void {
  const { chat, user, logger, files, streams } = options;

  const snapshot = () => ({
    bot: { name: chat.bot.first_name, username: chat.bot.username },
    user: { id: user.id, name: user.first_name },
    commands: chat.commandMenu(user.id, user.language_code),
    messages: chat.history(user.id).map(messageView),
    scan: options.scan !== undefined,
  });

  const json = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    response.end(JSON.stringify(body));
  };

  const readJson = async (request: IncomingMessage): Promise<Record<string, unknown>> => {
    const body = await readBody(request, JSON_LIMIT_BYTES);
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // answered below
    }
    throw new PlaygroundRequestError(400, 'the body must be a JSON object');
  };

  const serveFile = (response: ServerResponse, fileId: string) => {
    const file = chat.files.get(fileId);
    if (file === undefined) return json(response, 404, { ok: false, error: 'no such file' });
    const picture = file.kind === 'photo' ? pictureType(file) : undefined;
    response.writeHead(200, {
      ...SECURITY_HEADERS,
      // A document always downloads, whatever it holds: a .html one never runs in the page's origin.
      'content-type': picture ?? 'application/octet-stream',
      'content-length': String(file.size),
      'content-disposition': contentDisposition(picture === undefined ? 'attachment' : 'inline', file.fileName ?? `${file.kind}-${file.fileUniqueId}`),
      'cache-control': 'private, max-age=3600',
    });
    response.end(file.bytes);
  };

  const actions: Record<string, (request: IncomingMessage) => Promise<Record<string, unknown>>> = {
    async '/api/messages'(request) {
      const { text } = await readJson(request);
      if (typeof text !== 'string' || text.trim() === '') throw new PlaygroundRequestError(400, 'a message needs some text');
      if (text.trim().length > TEXT_MAX_LENGTH) throw new PlaygroundRequestError(400, `a message holds at most ${TEXT_MAX_LENGTH} characters`);
      return { message: messageView(chat.userSends(user, text)) };
    },
    async '/api/documents'(request) {
      const fileName = headerText(request, 'x-file-name');
      if (fileName === undefined || fileName.trim() === '') throw new PlaygroundRequestError(400, 'the file needs a name (X-File-Name)');
      const caption = headerText(request, 'x-caption');
      const bytes = await readBody(request, options.maxUploadBytes);
      if (bytes.length === 0) throw new PlaygroundRequestError(400, `${fileName} is empty`);
      const sent = chat.userSendsDocument(user, { file_name: fileName.trim(), bytes, ...(caption?.trim() ? { caption } : {}) });
      return { message: messageView(sent) };
    },
    async '/api/press'(request) {
      const { messageId, data } = await readJson(request);
      if (typeof messageId !== 'number' || typeof data !== 'string') throw new PlaygroundRequestError(400, 'a press names messageId (a number) and data (a string)');
      return { answer: await chat.userPresses(user, messageId, data) };
    },
    async '/api/scan'(request) {
      const { phone } = await readJson(request);
      if (options.scan === undefined) throw new PlaygroundRequestError(409, 'scanning works in sandbox mode only');
      if (typeof phone !== 'string' || phone.trim() === '') throw new PlaygroundRequestError(400, 'name the phone that scans, like +15550000005');
      const photo = chat.history(user.id).filter((m) => m.sender === 'bot' && m.photo !== undefined).at(-1)?.photo?.at(-1);
      const stored = photo === undefined ? undefined : chat.files.get(photo.file_id);
      const token = stored === undefined ? undefined : await scanQrCode(stored.bytes);
      // The token is a secret: it never reaches the page or the log.
      if (token === undefined) return { scanned: false, text: 'no QR code to scan: the latest photo from the bot holds none' };
      const result = await options.scan(phone.trim(), token);
      return result.ok ? { scanned: true, text: `${result.phone} scanned the QR code` } : { scanned: false, text: `cannot scan: ${SCAN_ERRORS[result.error] ?? result.error}` };
    },
  };

  const route = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const verdict = guardRequest(request, options.port());
    if (!verdict.ok) return json(response, verdict.status, { ok: false, error: verdict.error });
    const path = new URL(request.url ?? '/', 'http://playground').pathname;
    if (request.method === 'GET' || request.method === 'HEAD') {
      const file = files.get(path);
      if (file !== undefined) {
        response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': file.contentType, 'cache-control': 'no-cache' });
        response.end(request.method === 'HEAD' ? undefined : file.body);
        return;
      }
      if (path === '/api/events') {
        streams.open(response);
        streams.send(response, 'history', snapshot());
        return;
      }
      if (path === '/api/commands') return json(response, 200, { ok: true, commands: chat.commandMenu(user.id, user.language_code) });
      const fileId = /^\/api\/files\/([A-Za-z0-9_-]{1,200})$/.exec(path)?.[1];
      if (fileId !== undefined) return serveFile(response, fileId);
      return json(response, 404, { ok: false, error: 'not found' });
    }
    const action = request.method === 'POST' ? actions[path] : undefined;
    if (action === undefined) return json(response, 405, { ok: false, error: `${request.method ?? 'this method'} ${path} is not something the playground does` });
    try {
      return json(response, 200, { ok: true, ...(await action(request)) });
    } catch (error) {
      if (error instanceof PlaygroundRequestError) return json(response, error.status, { ok: false, error: error.message });
      if (error instanceof UserActionError) return json(response, 409, { ok: false, error: error.message });
      if (error instanceof BotApiError && error.errorCode === 413) {
        return json(response, 413, { ok: false, error: `the file is too big: at most ${Math.floor(options.maxUploadBytes / 1024 / 1024)} MB` });
      }
      throw error;
    }
  };

  return (request, response) => {
    route(request, response).catch((error: unknown) => {
      logger.error({ err: error, path: request.url }, 'playground request failed');
      if (!response.headersSent) json(response, 500, { ok: false, error: 'something went wrong; the log has the details' });
      else response.end();
    });
  };
}

/** A header the page sent URI-encoded (headers are Latin-1 only, file names are not). */
function headerText(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  if (typeof value !== 'string') return undefined;
  try {
    return decodeURIComponent(value);
  } catch {
    throw new PlaygroundRequestError(400, `${name} must be URI-encoded`);
  }
}

/** The picture type from the bytes: sendPhoto takes PNG, GIF and JPEG only. */
function pictureType(file: StoredFile): string | undefined {
  const b = file.bytes;
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'image/png';
  if (b[0] === 0xff && b[1] === 0xd8) return 'image/jpeg';
  if (b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) return 'image/gif';
  return undefined;
}

/** RFC 6266: an ASCII fallback name and the exact one in UTF-8 (RFC 5987). */
export function contentDisposition(kind: 'attachment' | 'inline', fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const exact = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${exact}`;
}
