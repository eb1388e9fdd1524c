import { afterEach, describe, expect, it } from 'vitest';
import { memberCsvParts } from '../../src/bot/export-csv.js';
import { createMembersRepository, MEMBER_EXPORT_COLUMNS, type MemberExportRow, type MembersRepository } from '../../src/db/repositories/members.js';
import { createBotHarness, type BotHarness } from './harness.js';

let h: BotHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A small RFC 4180 reader, enough to check what the export wrote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (c !== '\r') field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

const expected = (m: MemberExportRow) => [
  String(m.user_id),
  m.username ?? '',
  m.first_name ?? '',
  m.last_name ?? '',
  String(m.is_bot),
  String(m.is_premium),
  m.source,
  new Date(m.first_seen_at).toISOString(),
  new Date(m.last_seen_at).toISOString(),
];

function seed(members: MembersRepository, count: number) {
  members.upsertChat({ id: 1001, kind: 'supergroup', username: 'bigchat', title: 'Big chat' }, 1_700_000_000_000);
  const users = Array.from({ length: count }, (_, i) => ({
    id: 10_000_001 + i,
    username: i % 10 === 9 ? null : `user${i + 1}`,
    firstName: i === 3 ? 'Comma, "Quote"' : `First${i + 1}`,
    lastName: i === 4 ? 'Line\nBreak' : `Last${i + 1}`,
    isBot: i % 50 === 49,
    isPremium: i % 7 === 6,
  }));
  members.storeMembers(1001, users.slice(0, Math.floor(count / 2)), { source: 'participants', now: 1_700_000_100_000 });
  members.storeMembers(1001, users.slice(Math.floor(count / 2)), { source: 'messages', now: 1_700_000_200_000 });
}

describe('CSV export', () => {
  it('/export sends a CSV whose rows equal the stored members', async () => {
    h = await createBotHarness();
    const members = createMembersRepository(h.db);
    seed(members, 250);
    await h.send('/export @bigchat');
    const docs = h.of('sendDocument');
    expect(docs).toHaveLength(1);
    const file = docs[0]?.files.document;
    expect(file?.filename).toBe('members-bigchat.csv');
    expect(docs[0]?.payload.caption).toBe('Big chat (@bigchat): 250 stored members');
    const rows = parseCsv(file?.bytes.toString('utf8') ?? '');
    expect(rows[0]).toEqual([...MEMBER_EXPORT_COLUMNS]);
    const stored = [...members.iterateMembers(1001)];
    expect(rows.slice(1)).toEqual(stored.map(expected));
    expect(new Set(rows.slice(1).map((r) => r[0])).size).toBe(250);
    expect(rows.slice(1).map((r) => r[6])).toEqual(expect.arrayContaining(['participants', 'messages']));
  });

  it('the Export CSV button of a finished scrape sends the same file', async () => {
    h = await createBotHarness();
    seed(createMembersRepository(h.db), 30);
    await h.send('/export https://t.me/bigchat');
    await h.press('ex:1001');
    const [a, b] = h.of('sendDocument');
    expect(b?.files.document?.bytes.equals(a?.files.document?.bytes ?? Buffer.alloc(0))).toBe(true);
    expect(h.of('answerCallbackQuery')[0]?.payload.text).toBe('Preparing the CSV…');
  });

  it('splits a large export into parts under the size limit, each with the header, nothing lost or repeated', () => {
    h = undefined;
    const members = {
      *iterateMembers(): Generator<MemberExportRow> {
        for (let i = 1; i <= 1000; i += 1) {
          yield { user_id: i, username: `u${i}`, first_name: 'F', last_name: 'L', is_bot: false, is_premium: true, source: 'participants', first_seen_at: 0, last_seen_at: 1,
            phone: null, status: 'recently', was_online_at: null, role: 'member', joined_at: null,
            is_verified: false, is_scam: false, is_fake: false, is_deleted: false, lang_code: null };
        }
      },
    } as unknown as MembersRepository;
    const seen: string[] = [];
    let parts = 0;
    for (const part of memberCsvParts(members, 1, { maxBytes: 8_000, pageSize: 64 })) {
      const bytes = Buffer.concat([...part.chunks]);
      parts += 1;
      expect(part.index).toBe(parts);
      expect(bytes.length).toBeLessThanOrEqual(8_000);
      expect(bytes.length).toBe(part.written.bytes);
      const rows = parseCsv(bytes.toString('utf8'));
      expect(rows[0]).toEqual([...MEMBER_EXPORT_COLUMNS]);
      expect(rows.length - 1).toBe(part.written.rows);
      seen.push(...rows.slice(1).map((r) => r[0] as string));
    }
    expect(parts).toBeGreaterThan(5);
    expect(seen).toEqual(Array.from({ length: 1000 }, (_, i) => String(i + 1)));
  });

  it('names the later parts of a split export', async () => {
    h = await createBotHarness();
    seed(createMembersRepository(h.db), 100);
    const { sendMemberExport } = await import('../../src/bot/features/export.js');
    const chat = createMembersRepository(h.db).findChat('bigchat');
    if (!chat) throw new Error('no chat');
    const files = await sendMemberExport(h.bot.api, createMembersRepository(h.db), 4242, chat, { maxBytes: 4_000 });
    expect(files).toBeGreaterThan(1);
    expect(h.of('sendDocument').map((d) => d.files.document?.filename)).toEqual([
      'members-bigchat.csv',
      ...Array.from({ length: files - 1 }, (_, i) => `members-bigchat-part${i + 2}.csv`),
    ]);
    const all = h.of('sendDocument').flatMap((d) => parseCsv(d.files.document?.bytes.toString('utf8') ?? '').slice(1));
    expect(all).toHaveLength(100);
  });
});
