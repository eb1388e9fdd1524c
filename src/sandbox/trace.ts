import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

/** One line of the SANDBOX_TRACE file (SPEC §5). */
export type TraceEntry =
  | { readonly t0: number; readonly t1: number; readonly account: string; readonly method: string; readonly ok: true }
  | { readonly t0: number; readonly t1: number; readonly account: string; readonly method: string; readonly error: string };

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

export function createTraceWriter(options: TraceOptions = {}): TraceWriter {
  let stream: WriteStream | undefined = options.path === undefined ? undefined : createWriteStream(options.path, { flags: 'a' });
  stream?.on('error', (error) => {
    stream = undefined;
    options.onError?.(error);
  });
  return {
    write(entry) {
      options.entries?.push(entry);
      stream?.write(`${JSON.stringify(entry)}\n`);
    },
    async close() {
      const s = stream;
      stream = undefined;
      if (s === undefined) return;
      if (s.closed) return;
      const closed = once(s, 'close').catch(() => undefined);
      s.end();
      await closed;
    },
  };
}
