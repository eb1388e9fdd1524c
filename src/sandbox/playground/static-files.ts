import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A file of the page, held in memory. */
export interface StaticFile {
  readonly body: Buffer;
  readonly contentType: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** The folder of the page's plain HTML, CSS and JavaScript: no build step. */
export const PUBLIC_FOLDER = fileURLToPath(new URL('./public/', import.meta.url));

/**
 * Reads the page's files once, by name: only these are served (`/` is index.html), so no request path
 * ever reaches the file system.
 */
export function loadStaticFiles(folder: string = PUBLIC_FOLDER): ReadonlyMap<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const name of readdirSync(folder)) {
    const contentType = CONTENT_TYPES[extname(name)];
    if (contentType !== undefined) files.set(`/${name}`, { body: readFileSync(join(folder, name)), contentType });
  }
  const index = files.get('/index.html');
  if (index !== undefined) files.set('/', index);
  return files;
}
