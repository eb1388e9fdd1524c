import { describe, expect, it } from 'vitest';
import { memberJsonParts } from '../../../src/bot/export/json.js';
import { exportColumns } from '../../../src/bot/export/member-columns.js';
import { MEMBER_EXPORT_COLUMNS, type MemberExportRow } from '../../../src/db/repositories/members.js';
import { memberRow, memberRows, readChunks, readParts } from './fixtures.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The object the contract gives for a row, written out field by field. */
const expectedObject = (r: MemberExportRow) => ({
  user_id: r.user_id,
  username: r.username,
  first_name: r.first_name,
  last_name: r.last_name,
  is_bot: r.is_bot,
  is_premium: r.is_premium,
  source: r.source,
  first_seen_at: iso(r.first_seen_at),
  last_seen_at: iso(r.last_seen_at),
  phone: r.phone,
  status: r.status,
  was_online_at: iso(r.was_online_at),
  role: r.role,
  joined_at: iso(r.joined_at),
});

describe('JSON export writer', () => {
  it('writes one array of objects keyed by the column names, with JSON types', async () => {
    const [part, more] = await readParts(memberJsonParts(memberRows(200)));
    expect(more).toBeUndefined();
    const parsed = JSON.parse(part!.bytes.toString('utf8')) as Array<Record<string, unknown>>;
    expect(parsed).toEqual([...memberRows(200)].map(expectedObject));
    expect(Object.keys(parsed[0]!)).toEqual([...MEMBER_EXPORT_COLUMNS]);
    const sample = parsed[12]!;
    expect(typeof sample.user_id).toBe('number');
    expect(typeof sample.is_bot).toBe('boolean');
    expect(sample).toMatchObject({ user_id: 10_000_013, phone: '99900000013' });
    expect(parsed.find((o) => o.username === null)).toBeDefined();
    expect(parsed.find((o) => o.joined_at === null)).toBeDefined();
  });

  it('keeps phone numbers as text and adds the extra fields with --extra', async () => {
    const [part] = await readParts(memberJsonParts([memberRow(13)][Symbol.iterator](), { columns: exportColumns(true) }));
    const [object] = JSON.parse(part!.bytes.toString('utf8')) as Array<Record<string, unknown>>;
    expect(object).toMatchObject({ phone: '99900000013', is_verified: false, is_scam: false, is_fake: false, is_deleted: false, lang_code: 'en' });
  });

  it('splits into parts under the size limit, each a valid JSON array on its own, nothing lost or repeated', async () => {
    const ids: number[] = [];
    let parts = 0;
    for (const part of memberJsonParts(memberRows(700), { maxBytes: 20_000 })) {
      parts += 1;
      const bytes = await readChunks(part.chunks);
      expect(bytes.length).toBeLessThanOrEqual(20_000);
      expect(bytes.length).toBe(part.written.bytes);
      const parsed = JSON.parse(bytes.toString('utf8')) as Array<{ user_id: number }>;
      expect(parsed).toHaveLength(part.written.rows);
      ids.push(...parsed.map((o) => o.user_id));
    }
    expect(parts).toBeGreaterThan(10);
    expect(ids).toEqual(Array.from({ length: 700 }, (_, i) => 10_000_001 + i));
  });

  it('writes an empty array when no row comes', async () => {
    const [part] = await readParts(memberJsonParts([][Symbol.iterator]()));
    expect(JSON.parse(part!.bytes.toString('utf8'))).toEqual([]);
  });
});
