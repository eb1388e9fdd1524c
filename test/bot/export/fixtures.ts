import type { MemberExportRow } from '../../../src/db/repositories/members.js';

export { parseCsv } from '../../csv.js';

const STATUSES = ['online', 'offline', 'recently', 'last_week', 'last_month', 'long_ago', 'unknown'] as const;
const ROLES = ['creator', 'admin', 'member', null] as const;

/** Member i, every column varied by i (awkward text included), as the repository yields it. */
export function memberRow(i: number): MemberExportRow {
  const status = STATUSES[i % STATUSES.length] as MemberExportRow['status'];
  return {
    user_id: 10_000_000 + i,
    username: i % 10 === 0 ? null : `user${i}`,
    first_name: i % 17 === 3 ? `Comma, "Quote" ${i}` : `First${i}`,
    last_name: i % 19 === 4 ? `Line\nBreak ${i}` : i % 23 === 5 ? null : `Last${i} ✓`,
    is_bot: i % 50 === 0,
    is_premium: i % 7 === 0,
    source: i % 3 === 0 ? 'messages' : 'participants',
    first_seen_at: 1_700_000_000_000 + i,
    last_seen_at: 1_700_000_500_000 + i,
    phone: i % 13 === 0 ? `999${String(i).padStart(8, '0')}` : null,
    status,
    was_online_at: status === 'offline' || status === 'online' ? 1_699_000_000_000 + i * 1000 : null,
    role: ROLES[i % ROLES.length] ?? null,
    joined_at: i % 4 === 0 ? null : 1_600_000_000_000 + i * 86_400_000,
    is_verified: i % 11 === 0,
    is_scam: i % 29 === 0,
    is_fake: i % 31 === 0,
    is_deleted: i % 37 === 0,
    lang_code: i % 5 === 0 ? null : 'en',
  };
}

export function* memberRows(count: number, from = 1): Generator<MemberExportRow> {
  for (let i = from; i < from + count; i += 1) yield memberRow(i);
}

/** A row's cells as the contract writes them in text: ISO 8601 UTC times, true/false, unknown empty. */
export function expectedCells(row: MemberExportRow, columns: readonly string[]): string[] {
  const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString());
  const cell: Record<string, string> = {
    user_id: String(row.user_id),
    username: row.username ?? '',
    first_name: row.first_name ?? '',
    last_name: row.last_name ?? '',
    is_bot: String(row.is_bot),
    is_premium: String(row.is_premium),
    source: row.source,
    first_seen_at: iso(row.first_seen_at),
    last_seen_at: iso(row.last_seen_at),
    phone: row.phone ?? '',
    status: row.status,
    was_online_at: iso(row.was_online_at),
    role: row.role ?? '',
    joined_at: iso(row.joined_at),
    is_verified: String(row.is_verified),
    is_scam: String(row.is_scam),
    is_fake: String(row.is_fake),
    is_deleted: String(row.is_deleted),
    lang_code: row.lang_code ?? '',
  };
  return columns.map((c) => cell[c] ?? `<no column ${c}>`);
}

/** Reads a part's chunks, sync or async, into one buffer. */
export async function readChunks(chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const chunk of chunks) out.push(Buffer.from(chunk));
  return Buffer.concat(out);
}

/** Reads every part of an export in turn (as an upload does), with what each part says it wrote. */
export async function readParts(
  parts: Iterable<{ readonly index: number; readonly chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>; readonly written: { rows: number; bytes: number } }>,
): Promise<Array<{ index: number; bytes: Buffer; rows: number; counted: number }>> {
  const out: Array<{ index: number; bytes: Buffer; rows: number; counted: number }> = [];
  for (const part of parts) {
    const bytes = await readChunks(part.chunks);
    out.push({ index: part.index, bytes, rows: part.written.rows, counted: part.written.bytes });
  }
  return out;
}
