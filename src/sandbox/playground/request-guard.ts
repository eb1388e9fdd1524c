import type { IncomingMessage } from 'node:http';

/** Whether a request may be answered; a refusal says why in plain words. */
export type GuardVerdict = { readonly ok: true } | { readonly ok: false; readonly status: number; readonly error: string };

/**
 * Keeps other web pages out of the playground, which commands the panel as its admin:
 * - the Host must be this server's loopback address, so a page on a rebound DNS name cannot read it
 *   (https://en.wikipedia.org/wiki/DNS_rebinding);
 * - a POST must come from the page itself (its Origin, when sent, is the server's) and carry a JSON body
 *   or the upload header, which a cross-site form cannot send without a CORS preflight (never granted).
 */
export function guardRequest(request: IncomingMessage, port: number): GuardVerdict {
  const host = (request.headers.host ?? '').toLowerCase();
  const allowed = [`127.0.0.1:${port}`, `localhost:${port}`];
  if (!allowed.includes(host)) return { ok: false, status: 421, error: `this playground answers at http://127.0.0.1:${port}/ only` };
  if (request.method === 'GET' || request.method === 'HEAD') return { ok: true };
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) return { ok: false, status: 403, error: 'requests from other sites are refused' };
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return { ok: false, status: 403, error: 'requests from other sites are refused' };
  const json = (request.headers['content-type'] ?? '').toLowerCase().startsWith('application/json');
  if (!json && request.headers['x-file-name'] === undefined) return { ok: false, status: 415, error: 'send JSON (or a file with its X-File-Name header)' };
  return { ok: true };
}
