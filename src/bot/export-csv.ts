import { stringify } from 'csv-stringify/sync';
import { MEMBER_EXPORT_COLUMNS, type MemberExportRow, type MembersRepository } from '../db/repositories/members.js';

/** Telegram bots may upload documents up to 50 MB; parts stay under it with room for the multipart envelope. */
export const MAX_PART_BYTES = 49 * 1024 * 1024;

const CHUNK_BYTES = 64 * 1024;
const HEADER = stringify([[...MEMBER_EXPORT_COLUMNS]]);

/** One CSV file of an export: its bytes are produced while they are read (uploaded). */
export interface CsvPart {
  /** 1 for the first file. */
  readonly index: number;
  readonly chunks: Iterable<Uint8Array>;
  /** Rows and bytes produced so far; final once `chunks` has been read to the end. */
  readonly written: { rows: number; bytes: number };
}

/** One member as a CSV line: booleans as true/false, times as ISO 8601 UTC. */
export function memberCsvLine(row: MemberExportRow): string {
  return stringify([
    [
      row.user_id,
      row.username ?? '',
      row.first_name ?? '',
      row.last_name ?? '',
      row.is_bot ? 'true' : 'false',
      row.is_premium ? 'true' : 'false',
      row.source,
      new Date(row.first_seen_at).toISOString(),
      new Date(row.last_seen_at).toISOString(),
    ],
  ]);
}

export interface MemberCsvOptions {
  /**
   * Largest file, in bytes; more members continue in the next part, which repeats the header.
   * @default MAX_PART_BYTES
   */
  readonly maxBytes?: number;
  /**
   * Rows read from SQLite per query.
   * @default 1000
   */
  readonly pageSize?: number;
}

/**
 * The chat's stored members as CSV parts, streamed from `iterateMembers` (nothing is held in memory
 * beyond one chunk). Read each part's chunks to the end before taking the next part.
 */
export function* memberCsvParts(members: Pick<MembersRepository, 'iterateMembers'>, chatId: number, options: MemberCsvOptions = {}): Generator<CsvPart> {
  const maxBytes = options.maxBytes ?? MAX_PART_BYTES;
  const rows = members.iterateMembers(chatId, { pageSize: options.pageSize ?? 1000 });
  const encoder = new TextEncoder();
  let carry: Uint8Array | undefined;
  let exhausted = false;
  const nextLine = (): Uint8Array | undefined => {
    if (carry) {
      const line = carry;
      carry = undefined;
      return line;
    }
    const next = rows.next();
    if (next.done) {
      exhausted = true;
      return undefined;
    }
    return encoder.encode(memberCsvLine(next.value));
  };
  const header = encoder.encode(HEADER);
  if (header.length >= maxBytes) throw new RangeError(`maxBytes ${maxBytes} cannot hold the CSV header`);

  for (let index = 1; ; index += 1) {
    const written = { rows: 0, bytes: 0 };
    function* chunks(): Generator<Uint8Array> {
      let buffer: Uint8Array[] = [header];
      let buffered = header.length;
      written.bytes = header.length;
      for (;;) {
        const line = nextLine();
        if (!line) break;
        if (written.bytes + line.length > maxBytes && written.rows > 0) {
          carry = line;
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
      if (buffered > 0) yield concat(buffer, buffered);
    }
    yield { index, chunks: chunks(), written };
    if (exhausted && !carry) return;
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
