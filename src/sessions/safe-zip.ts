import { unzipSync } from 'fflate';
import { SessionReadError } from './session-read-error.js';

/** Local file header signature (APPNOTE.TXT 4.3.7): every zip archive starts with it. */
export const isZip = (bytes: Uint8Array): boolean => bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;

export interface ZipLimits {
  /**
   * Most entries an archive may list (directories included); above it the whole archive is refused.
   * @default 2000
   */
  readonly maxEntries?: number;
  /**
   * Most bytes all the entries read may unpack to together; above it the whole archive is refused.
   * @default 64 MiB
   */
  readonly maxTotalBytes?: number;
  /**
   * Most bytes one entry may unpack to; a bigger one is not read and is reported in its place.
   * @default 8 MiB
   */
  readonly maxEntryBytes?: number;
}

export const ZIP_LIMITS = { maxEntries: 2000, maxTotalBytes: 64 * 1024 * 1024, maxEntryBytes: 8 * 1024 * 1024 } as const;

export interface ZipEntry {
  /** The entry's path inside the archive, `/`-separated, checked to stay inside it. */
  readonly name: string;
  readonly bytes: Buffer;
}

export interface ZipContents {
  readonly entries: readonly ZipEntry[];
  /** Entries left unread because they are too big to be a session file, by name. */
  readonly tooBig: readonly string[];
}

/**
 * Folders that hold no session, skipped unread: Telegram Desktop's caches inside tdata (`user_data`,
 * `emoji`, `dumps`) and the resource forks macOS's Archive Utility adds (`__MACOSX`).
 */
const SKIPPED_FOLDERS = /(^|\/)(user_data[^/]*|emoji|dumps|__MACOSX)\//i;

function checkedName(raw: string): string {
  const name = raw.replace(/\\/g, '/');
  const parts = name.split('/');
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || parts.includes('..') || name.includes('\0')) {
    throw new SessionReadError('it holds a file whose path leaves the archive (../ or an absolute path); nothing in it was read', 'zip');
  }
  return name;
}

/**
 * Unpacks a zip archive with limits: every entry's path is checked first (a `../` or absolute path
 * refuses the archive), then the entry count and the sizes the central directory declares. Only then is
 * anything inflated, each entry into a buffer of its declared size, so a bomb that lies about its sizes
 * cannot unpack past them.
 */
export function readZip(bytes: Uint8Array, limits: ZipLimits = {}): ZipContents {
  const maxEntries = limits.maxEntries ?? ZIP_LIMITS.maxEntries;
  const maxTotal = limits.maxTotalBytes ?? ZIP_LIMITS.maxTotalBytes;
  const maxEntry = limits.maxEntryBytes ?? ZIP_LIMITS.maxEntryBytes;
  const wanted = new Set<string>();
  const tooBig: string[] = [];
  let count = 0;
  let total = 0;
  try {
    // First pass: the central directory alone, nothing inflated.
    unzipSync(bytes, {
      filter(file) {
        count += 1;
        if (count > maxEntries) throw new SessionReadError(`it holds more than ${maxEntries} files; send at most ${maxEntries} in one archive`, 'zip');
        const name = checkedName(file.name);
        if (name.endsWith('/') || SKIPPED_FOLDERS.test(name)) return false;
        if (file.originalSize > maxEntry) {
          tooBig.push(name);
          return false;
        }
        total += file.originalSize;
        if (total > maxTotal) {
          throw new SessionReadError(`it unpacks to more than ${Math.round(maxTotal / 1024 / 1024)} MB; send the sessions in smaller archives`, 'zip');
        }
        wanted.add(file.name);
        return false;
      },
    });
    const files = unzipSync(bytes, { filter: (file) => wanted.has(file.name) });
    const entries = Object.entries(files).map(([name, data]) => ({ name: checkedName(name), bytes: Buffer.from(data.buffer, data.byteOffset, data.byteLength) }));
    return { entries, tooBig };
  } catch (error) {
    if (error instanceof SessionReadError) throw error;
    throw new SessionReadError('it is a damaged zip archive', 'zip', { cause: error });
  }
}
