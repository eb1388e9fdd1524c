import { badRequest } from './errors.js';
import type { RequestParams, UploadedFile } from './request-body.js';

/**
 * Typed access to a call's parameters. Telegram accepts every scalar as a string too (forms and
 * multipart bodies carry nothing else) and objects as JSON text, so each reader takes both forms.
 */
export interface Params {
  has(name: string): boolean;
  string(name: string): string | undefined;
  integer(name: string): number | undefined;
  boolean(name: string): boolean | undefined;
  /** An object parameter, given as an object (JSON bodies) or as JSON text; `parseError` is the 400 text when it does not parse. */
  json(name: string, parseError: string): unknown;
  /**
   * An InputFile parameter: an uploaded part (sent under the parameter's name or referenced as
   * `attach://<part>`), or a string (a file_id or an HTTP URL).
   */
  file(name: string): UploadedFile | string | undefined;
}

export function createParams(request: RequestParams): Params {
  const raw = (name: string): unknown => {
    const value = request.values.get(name);
    return value === null ? undefined : value;
  };

  const string = (name: string): string | undefined => {
    const value = raw(name);
    if (value === undefined) return undefined;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw badRequest(`wrong type of the parameter ${name}`);
  };

  return {
    has: (name) => raw(name) !== undefined || request.files.has(name),
    string,
    integer(name) {
      const value = raw(name);
      if (value === undefined || value === '') return undefined;
      const number = typeof value === 'number' ? value : typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : Number.NaN;
      if (!Number.isSafeInteger(number)) throw badRequest(`wrong type of the parameter ${name}`);
      return number;
    },
    boolean(name) {
      const value = raw(name);
      if (value === undefined) return undefined;
      if (typeof value === 'boolean') return value;
      if (typeof value === 'number') return value !== 0;
      if (typeof value === 'string') return value === 'true' || value === '1' || value === 'True';
      throw badRequest(`wrong type of the parameter ${name}`);
    },
    json(name, parseError) {
      const value = raw(name);
      if (typeof value !== 'string') return value;
      try {
        return JSON.parse(value) as unknown;
      } catch {
        throw badRequest(parseError);
      }
    },
    file(name) {
      const uploaded = request.files.get(name);
      if (uploaded !== undefined) return uploaded;
      const value = string(name);
      if (value?.startsWith('attach://')) {
        const attached = request.files.get(value.slice('attach://'.length));
        if (attached === undefined) throw badRequest(`${name} file not found in the request`);
        return attached;
      }
      return value;
    },
  };
}
