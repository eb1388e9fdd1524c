import { posix } from 'node:path';
import { DEFAULT_DEVICE_PROFILE } from '../engine/clients/device-profile.js';
import type { ImportedSession, Sidecar } from './imported-session.js';
import { isZip, readZip, type ZipEntry, type ZipLimits } from './safe-zip.js';
import { SessionReadError } from './session-read-error.js';
import { looksLikeJson, readSidecar } from './sidecar.js';
import { isSqlite, readSqliteSession } from './sqlite-sessions.js';
import { readStringSession, sessionWords } from './string-sessions.js';
import { isTdf, readTdata } from './tdata.js';

/** One thing found in what the admin sent: a session to check, or why a part of it could not be read. */
export type SessionItem =
  | { readonly kind: 'session'; readonly source: string; readonly session: ImportedSession }
  | { readonly kind: 'unreadable'; readonly source: string; readonly reason: string };

export interface ReadOptions {
  /**
   * The local passcode of a Telegram Desktop tdata folder (`/import PASSCODE`).
   * @default '' (none)
   */
  readonly passcode?: string;
  /** @default ZIP_LIMITS */
  readonly zip?: ZipLimits;
}

const unreadable = (source: string, reason: string): SessionItem => ({ kind: 'unreadable', source, reason });

/** Runs a reader; its SessionReadError becomes an unreadable item, anything else is a bug and is thrown. */
function attempt(source: string, read: () => SessionItem[]): SessionItem[] {
  try {
    return read();
  } catch (error) {
    if (error instanceof SessionReadError) return [unreadable(source, error.message)];
    throw error;
  }
}

const isUtf8Text = (bytes: Uint8Array): string | undefined => {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    // Control characters other than whitespace mean binary data.
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) return undefined;
    }
    return text;
  } catch {
    return undefined;
  }
};

/** Session strings pasted in a message or held in a text file, one item per long word. */
export function readText(text: string, source = 'string'): SessionItem[] {
  const words = sessionWords(text);
  if (words.length === 0) return [unreadable(source, 'there is no session string in it')];
  return words.map((word, i) => {
    const label = words.length === 1 ? source : `${source} ${i + 1}`;
    return attempt(label, () => [{ kind: 'session', source: label, session: readStringSession(word) }])[0] as SessionItem;
  });
}

const sidecarDefaults = DEFAULT_DEVICE_PROFILE;

function withSidecar(session: ImportedSession, sidecar: Sidecar | undefined): ImportedSession {
  return sidecar ? { ...session, sidecar } : session;
}

/** One file that is not an archive, by its content (never its name). */
function readFile(name: string, bytes: Buffer, sidecar?: Buffer): SessionItem[] {
  return attempt(name, () => {
    if (isSqlite(bytes)) {
      const side = sidecar ? readSidecar(sidecar, sidecarDefaults) : undefined;
      return [{ kind: 'session', source: name, session: withSidecar(readSqliteSession(bytes), side) }];
    }
    if (isZip(bytes)) return [unreadable(name, 'it is a zip inside a zip; send it on its own')];
    if (isTdf(bytes)) return [unreadable(name, 'it is one file of a Telegram Desktop tdata folder: zip the whole tdata folder and send the .zip')];
    if (looksLikeJson(bytes)) return [unreadable(name, 'it is a .json sidecar with no .session file beside it; send them zipped together')];
    const text = isUtf8Text(bytes);
    if (text !== undefined && sessionWords(text).length > 0) return readText(text, name);
    return [unreadable(name, 'it is not a session in any format I know (GramJS, Telethon, Pyrogram, Telegram Desktop)')];
  });
}

/** A tdata folder's accounts; `root` is its path inside the archive ('' at the top). */
function readTdataFolder(label: string, files: ReadonlyMap<string, Buffer>, passcode: string): SessionItem[] {
  return attempt(label, () =>
    readTdata(files, passcode).map((account) => {
      const source = `${label} account ${account.index + 1}`;
      return account.ok ? { kind: 'session', source, session: account.session } : unreadable(source, account.reason);
    }),
  );
}

const stem = (name: string): string => name.replace(/\.(session|json)$/i, '');

/** Everything in an archive: tdata folders, session files paired with their sidecars, text files of strings. */
function readArchive(archive: string, entries: readonly ZipEntry[], tooBig: readonly string[], options: ReadOptions): SessionItem[] {
  const items: SessionItem[] = tooBig.map((name) => unreadable(`${archive}: ${name}`, 'it is too big to be a session file; it was not read'));
  // A folder holding key_datas is a tdata folder: its files are read together, by their names there.
  const roots = entries.filter((e) => /^key_data[^/]*$/.test(posix.basename(e.name)) && isTdf(e.bytes)).map((e) => posix.dirname(e.name));
  const inRoot = (name: string) => roots.some((root) => root === '.' || name.startsWith(`${root}/`));
  for (const root of new Set(roots)) {
    const files = new Map<string, Buffer>();
    for (const entry of entries) if (posix.dirname(entry.name) === root) files.set(posix.basename(entry.name), entry.bytes);
    items.push(...readTdataFolder(root === '.' ? archive : `${archive}: ${root}`, files, options.passcode ?? ''));
  }
  const rest = entries.filter((e) => !inRoot(e.name));
  const sidecars = new Map(rest.filter((e) => !isSqlite(e.bytes) && looksLikeJson(e.bytes)).map((e) => [stem(e.name), e]));
  const paired = new Set<string>();
  for (const entry of rest) {
    if (sidecars.get(stem(entry.name)) === entry) continue;
    const source = `${archive}: ${entry.name}`;
    let sidecar: Buffer | undefined;
    if (isSqlite(entry.bytes)) {
      const found = sidecars.get(stem(entry.name));
      if (found) {
        sidecar = found.bytes;
        paired.add(found.name);
      }
    }
    items.push(...readFile(source, entry.bytes, sidecar));
  }
  for (const entry of sidecars.values()) {
    if (!paired.has(entry.name)) items.push(unreadable(`${archive}: ${entry.name}`, 'it is a .json sidecar with no .session file of the same name beside it'));
  }
  return items;
}

/** What a document the admin sent holds: one session file, strings, a zipped tdata folder, or an archive of them. */
export function readDocument(name: string, bytes: Buffer, options: ReadOptions = {}): SessionItem[] {
  if (!isZip(bytes)) return readFile(name, bytes);
  return attempt(name, () => {
    const { entries, tooBig } = readZip(bytes, options.zip);
    if (entries.length === 0 && tooBig.length === 0) return [unreadable(name, 'the archive is empty')];
    return readArchive(name, entries, tooBig, options);
  });
}
