import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memberCsvParts } from '../../../src/bot/export/csv.js';
import { memberJsonParts } from '../../../src/bot/export/json.js';
import { MEMBER_EXPORT_COLUMNS } from '../../../src/db/repositories/members.js';
import { memberRows, parseCsv, readParts } from './fixtures.js';

describe('Text export parts', () => {
  it('are each a complete file under the limit and together hold every row once, in order, for any size and limit', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 700, max: 40_000 }), fc.constantFrom('csv', 'json'), async (count, maxBytes, format) => {
        const rows = memberRows(count);
        const parts = await readParts(format === 'csv' ? memberCsvParts(rows, { maxBytes }) : memberJsonParts(rows, { maxBytes }));
        const ids: number[] = [];
        for (const part of parts) {
          expect(part.bytes.length).toBeLessThanOrEqual(maxBytes);
          expect(part.bytes.length).toBe(part.counted);
          const text = part.bytes.toString('utf8');
          if (format === 'json') {
            const objects = JSON.parse(text) as Array<{ user_id: number }>;
            ids.push(...objects.map((o) => o.user_id));
          } else {
            const [header, ...lines] = parseCsv(text);
            expect(header).toEqual([...MEMBER_EXPORT_COLUMNS]);
            ids.push(...lines.map((l) => Number(l[0])));
          }
        }
        // No empty part, except the single file of an export of nobody.
        expect(parts.every((p) => p.rows > 0) || (count === 0 && parts.length === 1)).toBe(true);
        expect(ids).toEqual(Array.from({ length: count }, (_, i) => 10_000_001 + i));
      }),
      { numRuns: 60 },
    );
  });
});
