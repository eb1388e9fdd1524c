import type { MemberExportRow } from '../../db/repositories/members.js';
import { PartNotReadError, PartRows, track, type ExportPart, type MemberRows } from './export-part.js';

/** A text format written row by row: every part is the header, its rows and the footer. */
export interface TextFormat {
  readonly header: string;
  readonly footer: string;
  /** What one row adds to a part; `first` when it opens the part (JSON puts no comma before it). */
  line(row: MemberExportRow, first: boolean): string;
}

const CHUNK_BYTES = 64 * 1024;

/**
 * Splits `rows` into complete files of `format` of at most `maxBytes` each (a part always takes at
 * least one row). Nothing is held beyond one chunk; read each part's chunks to the end before taking
 * the next part.
 */
export function* textParts(rows: MemberRows, format: TextFormat, maxBytes: number): Generator<ExportPart> {
  const encoder = new TextEncoder();
  const header = encoder.encode(format.header);
  const footer = encoder.encode(format.footer);
  if (header.length + footer.length >= maxBytes) throw new RangeError(`maxBytes ${maxBytes} cannot hold an empty file`);
  // A row that did not fit its part opens the next one; it is encoded again there (JSON's comma differs).
  const source = new PartRows(rows);

  for (let index = 1; ; index += 1) {
    const written = { rows: 0, bytes: 0 };
    async function* chunks(): AsyncGenerator<Uint8Array> {
      let buffer: Uint8Array[] = [header];
      let buffered = header.length;
      written.bytes = header.length;
      for (;;) {
        const row = await source.next();
        if (!row) break;
        const line = encoder.encode(format.line(row, written.rows === 0));
        if (written.bytes + line.length + footer.length > maxBytes && written.rows > 0) {
          source.putBack(row);
          break;
        }
        buffer.push(line);
        buffered += line.length;
        written.bytes += line.length;
        written.rows += 1;
        if (buffered >= CHUNK_BYTES) {
          yield concat(buffer, buffered);
          buffer = [];
          buffered = 0;
        }
      }
      buffer.push(footer);
      buffered += footer.length;
      written.bytes += footer.length;
      if (buffered > 0) yield concat(buffer, buffered);
    }
    let finished = false;
    yield { index, chunks: track(chunks(), () => (finished = true)), written };
    // Taking the next part before this one was read would start it at the wrong row, or never end.
    if (!finished) throw new PartNotReadError(index);
    if (source.done) return;
  }
}

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
