import { MEMBER_EXPORT_COLUMNS } from '../../db/repositories/members.js';
import { MAX_PART_BYTES, type ExportPart, type ExportPartOptions, type MemberRows } from './export-part.js';
import { rowObject } from './member-columns.js';
import { textParts } from './text-parts.js';

/**
 * Members as JSON parts: each part one array of objects keyed by the column names, one object a line
 * (ids as numbers, flags as booleans, times as ISO 8601 UTC, unknown as null). Read each part's
 * chunks to the end before taking the next part.
 */
export function memberJsonParts(rows: MemberRows, options: ExportPartOptions = {}): Generator<ExportPart> {
  const columns = options.columns ?? MEMBER_EXPORT_COLUMNS;
  return textParts(
    rows,
    { header: '[\n', footer: '\n]\n', line: (row, first) => `${first ? '' : ',\n'}${JSON.stringify(rowObject(row, columns))}` },
    options.maxBytes ?? MAX_PART_BYTES,
  );
}
