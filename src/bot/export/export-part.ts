import type { MemberColumn, MemberExportRow } from '../../db/repositories/members.js';

/**
 * Telegram bots may upload documents up to 50 MB (https://core.telegram.org/bots/api#senddocument);
 * parts stay under it with room for the multipart envelope.
 */
export const MAX_PART_BYTES = 49 * 1024 * 1024;

/**
 * The member rows an export writes: the reader's async generator (db/repositories/member-reader.ts), or any iterator.
 * Each row is asked for only when the file being written has room for it, so a slow upload slows the reads.
 */
export type MemberRows = AsyncIterator<MemberExportRow> | Iterator<MemberExportRow>;

/** One file of an export: its bytes are produced while they are read (uploaded). */
export interface ExportPart {
  /** 1 for the first file. */
  readonly index: number;
  readonly chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>;
  /** Rows and bytes produced so far; final once `chunks` has been read to the end. */
  readonly written: { rows: number; bytes: number };
}

/** What every format's writer takes. */
export interface ExportPartOptions {
  /**
   * Largest file, in bytes; more members continue in the next part, a complete file of its own.
   * @default MAX_PART_BYTES
   */
  readonly maxBytes?: number;
  /**
   * The columns, in order.
   * @default MEMBER_EXPORT_COLUMNS (the contract's fourteen)
   */
  readonly columns?: readonly MemberColumn[];
}

/** Thrown when the next part of an export is taken before the previous part's bytes were read to the end. */
export class PartNotReadError extends Error {
  override readonly name = 'PartNotReadError';
  constructor(readonly index: number) {
    super(`part ${index} of the export was not read to the end before the next part was taken`);
  }
}

/** `chunks`, calling `onEnd` once they have all been read. */
export function track<T extends Iterable<Uint8Array> | AsyncIterable<Uint8Array>>(chunks: T, onEnd: () => void): T {
  if (Symbol.asyncIterator in chunks) {
    const source = chunks as AsyncIterable<Uint8Array>;
    return (async function* () {
      yield* source;
      onEnd();
    })() as unknown as T;
  }
  const source = chunks as Iterable<Uint8Array>;
  return (function* () {
    yield* source;
    onEnd();
  })() as unknown as T;
}

/**
 * The rows of an export as the part writers take them: a row that does not fit the current part is put
 * back, and opens the next one.
 */
export class PartRows {
  #carry: MemberExportRow | undefined;
  #exhausted = false;
  constructor(private readonly rows: MemberRows) {}

  /** The next row, or undefined after the last. */
  async next(): Promise<MemberExportRow | undefined> {
    if (this.#carry) {
      const row = this.#carry;
      this.#carry = undefined;
      return row;
    }
    const next = await this.rows.next();
    if (next.done) {
      this.#exhausted = true;
      return undefined;
    }
    return next.value;
  }

  /** Gives the row back: the next part starts with it. */
  putBack(row: MemberExportRow): void {
    this.#carry = row;
  }

  /** Whether every row has been taken (none is put back). */
  get done(): boolean {
    return this.#exhausted && !this.#carry;
  }
}
