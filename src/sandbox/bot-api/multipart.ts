import { badRequest } from './errors.js';

/** One part of a multipart/form-data body. */
export interface MultipartPart {
  readonly name: string;
  /** Set for file parts (the part had a `filename` parameter), even when it is empty. */
  readonly filename: string | undefined;
  readonly contentType: string | undefined;
  readonly data: Buffer;
}

/** The `boundary` parameter of a multipart Content-Type header. */
export function multipartBoundary(contentType: string): string | undefined {
  const params = headerParams(contentType);
  return params.get('boundary');
}

/**
 * Splits a multipart/form-data body into its parts. Written by hand rather than with the WHATWG
 * `formData()` parser because grammY writes headers without spaces and leaves `filename` unquoted
 * (`content-disposition:form-data;name="x";filename=list.txt`), which strict parsers reject.
 */
export function parseMultipart(body: Buffer, boundary: string): MultipartPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let at = body.indexOf(delimiter);
  if (at < 0) throw badRequest("can't parse multipart/form-data: no boundary");
  for (;;) {
    at += delimiter.length;
    if (body[at] === 0x2d && body[at + 1] === 0x2d) return parts; // closing `--boundary--`
    at = skipLineBreak(body, at);
    const headerEnd = body.indexOf('\r\n\r\n', at);
    if (headerEnd < 0) throw badRequest("can't parse multipart/form-data: part headers do not end");
    const headers = parseHeaders(body.subarray(at, headerEnd).toString('utf8'));
    const dataStart = headerEnd + 4;
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), dataStart);
    if (next < 0) throw badRequest("can't parse multipart/form-data: part does not end");
    parts.push(partOf(headers, body.subarray(dataStart, next)));
    at = next + 2;
  }
}

function skipLineBreak(body: Buffer, at: number): number {
  let i = at;
  // Transport padding (spaces, tabs) may follow a boundary before its line break.
  while (body[i] === 0x20 || body[i] === 0x09) i += 1;
  if (body[i] === 0x0d) i += 1;
  if (body[i] === 0x0a) i += 1;
  return i;
}

function parseHeaders(text: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

function partOf(headers: Map<string, string>, data: Buffer): MultipartPart {
  const disposition = headers.get('content-disposition');
  if (disposition === undefined) throw badRequest("can't parse multipart/form-data: part has no Content-Disposition");
  const params = headerParams(disposition);
  const name = params.get('name');
  if (name === undefined) throw badRequest("can't parse multipart/form-data: part has no name");
  return { name, filename: params.get('filename'), contentType: headers.get('content-type'), data };
}

/**
 * Parameters of a header value (`form-data; name="a"; filename=b.txt`), quoted or not; RFC 5987
 * `filename*=UTF-8''…` wins over the plain form, as browsers send both.
 */
function headerParams(value: string): Map<string, string> {
  const params = new Map<string, string>();
  const pattern = /;\s*([^=;\s]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/g;
  const extended = new Map<string, string>();
  for (const match of value.matchAll(pattern)) {
    const key = (match[1] ?? '').toLowerCase();
    const raw = (match[2] ?? '').trim();
    const text = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
    if (key.endsWith('*')) extended.set(key.slice(0, -1), decodeExtended(text));
    else params.set(key, text);
  }
  for (const [key, text] of extended) params.set(key, text);
  return params;
}

function decodeExtended(text: string): string {
  const quote = text.indexOf("''");
  const encoded = quote >= 0 ? text.slice(quote + 2) : text;
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}
