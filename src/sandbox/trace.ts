import { closeSync, openSync, writeSync } from 'node:fs';

/** What the line of a connection's `InitConnection` adds: how the client presented itself (docs/sandbox.md, Trace). */
export interface ConnectionTraceFields {
  readonly apiId: number;
  readonly deviceModel: string;
  readonly systemVersion: string;
  readonly appVersion: string;
  readonly langCode: string;
  /** `socks5://host:port` (never with a password), or null without a proxy. */
  readonly proxy: string | null;
}

interface TraceBase {
  readonly t0: number;
  readonly t1: number;
  /** Phone of the account; before a login, the phone being logged in, or `''`. */
  readonly account: string;
  readonly method: string;
}

/** One line of the SANDBOX_TRACE file (docs/sandbox.md, Trace). */
export type TraceEntry = TraceBase & ({ readonly ok: true } | { readonly error: string }) & Partial<ConnectionTraceFields>;

export interface TraceOptions {
  /**
   * JSON-lines file the entries are appended to.
   * @default undefined (no file)
   */
  readonly path?: string | undefined;
  /**
   * Array the entries are pushed to, for tests.
   * @default undefined
   */
  readonly entries?: TraceEntry[] | undefined;
  /**
   * Called when the file cannot be written; tracing to the file stops.
   * @default undefined (errors are ignored)
   */
  readonly onError?: ((error: Error) => void) | undefined;
}

export interface TraceWriter {
  write(entry: TraceEntry): void;
  /** Flushes and closes the file, if any. */
  close(): Promise<void>;
}

/**
 * Appends each entry to the file before the request it records is answered (one synchronous write a line),
 * so whoever got the answer can read the line. The world runs off the panel's thread, so the write costs
 * the panel nothing.
 */
export function createTraceWriter(options: TraceOptions = {}): TraceWriter {
  let fd: number | undefined;
  const fail = (error: unknown) => {
    if (fd !== undefined) closeQuietly(fd);
    fd = undefined;
    options.onError?.(error instanceof Error ? error : new Error(String(error)));
  };
  if (options.path !== undefined) {
    try {
      fd = openSync(options.path, 'a');
    } catch (error) {
      fail(error);
    }
  }
  return {
    write(entry) {
      options.entries?.push(entry);
      if (fd === undefined) return;
      try {
        writeSync(fd, `${JSON.stringify(entry)}\n`);
      } catch (error) {
        fail(error);
      }
    },
    close() {
      if (fd !== undefined) closeQuietly(fd);
      fd = undefined;
      return Promise.resolve();
    },
  };
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed: nothing left to flush.
  }
}
