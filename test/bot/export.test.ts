import ExcelJS from 'exceljs';
import { afterEach, describe, expect, it } from 'vitest';
import { parseExportRequest } from '../../src/bot/export/export-request.js';
import { sendExport } from '../../src/bot/export/send-export.js';
import { planExport, sendPlan } from '../../src/bot/features/export.js';
import { createPortMemberReader } from '../../src/db/repositories/member-reader-port.js';
import { createMembersRepository, MEMBER_EXPORT_COLUMNS, MEMBER_EXTRA_COLUMNS, type MemberExportRow, type MemberInput, type MembersRepository } from '../../src/db/repositories/members.js';
import { expectedCells, parseCsv } from './export/fixtures.js';
import { createBotHarness, type BotHarness } from './harness.js';

let h: BotHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const DAY = 86_400_000;
const NOW = Date.now();

/** User i of the seeded chats: statuses, roles and flags vary with i. */
function user(i: number): MemberInput {
  const kinds = ['online', 'offline', 'recently', 'last_week', 'last_month', 'long_ago'] as const;
  const status = kinds[i % 6]!;
  return {
    id: 10_000_000 + i,
    username: i % 10 === 9 ? null : `user${i}`,
    firstName: i === 3 ? 'Comma, "Quote"' : `First${i}`,
    lastName: i === 4 ? 'Line\nBreak' : `Last${i}`,
    isBot: i % 50 === 49,
    isPremium: i % 7 === 6,
    isVerified: false,
    isScam: i % 40 === 1,
    isFake: false,
    isDeleted: false,
    phone: i % 13 === 0 ? `999${String(i).padStart(8, '0')}` : null,
    langCode: 'en',
    lastSeen: { status, wasOnlineAt: status === 'offline' ? NOW - (i % 40) * DAY - 3_600_000 : status === 'online' ? NOW : null },
    role: i === 1 ? 'creator' : i % 25 === 2 ? 'admin' : 'member',
    joinedAt: i === 1 ? null : NOW - (i % 365) * DAY,
  };
}

function seed(members: MembersRepository, count: number) {
  members.upsertChat({ id: 1001, kind: 'supergroup', username: 'bigchat', title: 'Big chat' }, 1_700_000_000_000);
  members.upsertChat({ id: 1002, kind: 'supergroup', username: 'otherchat', title: 'Other chat' }, 1_700_000_000_000);
  const users = Array.from({ length: count }, (_, i) => user(i + 1));
  members.storeMembers(1001, users.slice(0, Math.floor(count / 2)), { source: 'participants', now: 1_700_000_100_000 });
  members.storeMembers(1001, users.slice(Math.floor(count / 2)), { source: 'messages', now: 1_700_000_200_000 });
  // The other chat holds every third user of the first and some of its own.
  members.storeMembers(1002, [...users.filter((_, i) => i % 3 === 0), ...Array.from({ length: 20 }, (_, i) => user(20_000 + i))], {
    source: 'participants',
    now: 1_700_000_300_000,
  });
}

const csvOf = (call: { files: Record<string, { bytes: Buffer } | undefined> } | undefined) => parseCsv(call?.files.document?.bytes.toString('utf8') ?? '');
const idsOf = (rows: string[][]) => rows.slice(1).map((r) => Number(r[0]));
const stored = (members: MembersRepository, chatId: number): MemberExportRow[] => [...members.iterateMembers(chatId)];

describe('/export', () => {
  it('sends a CSV whose rows equal the stored members, every column', async () => {
    h = await createBotHarness();
    const members = createMembersRepository(h.db);
    seed(members, 250);
    await h.send('/export @bigchat');
    const docs = h.of('sendDocument');
    expect(docs).toHaveLength(1);
    expect(docs[0]?.files.document?.filename).toBe('members-bigchat.csv');
    expect(docs[0]?.payload.caption).toBe('Big chat (@bigchat): 250 members');
    const rows = csvOf(docs[0]);
    expect(rows[0]).toEqual([...MEMBER_EXPORT_COLUMNS]);
    expect(rows.slice(1)).toEqual(stored(members, 1001).map((m) => expectedCells(m, MEMBER_EXPORT_COLUMNS)));
    expect(new Set(idsOf(rows)).size).toBe(250);
    expect(rows.slice(1).map((r) => r[6])).toEqual(expect.arrayContaining(['participants', 'messages']));
    expect(rows.find((r) => r[0] === '10000001')?.slice(9)).toEqual(['', 'offline', expect.any(String), 'creator', '']);
  });

  it('keeps the members every filter asks for, and says the filters in the caption', async () => {
    h = await createBotHarness();
    const members = createMembersRepository(h.db);
    seed(members, 300);
    await h.send('/export @bigchat --active 7d --no-bots --username');
    const [doc] = h.of('sendDocument');
    const all = stored(members, 1001);
    const want = all.filter((m) => {
      const active =
        m.status === 'online' ||
        (m.status === 'offline' && m.was_online_at !== null && m.was_online_at >= NOW - 7 * DAY) ||
        m.status === 'recently' ||
        m.status === 'last_week';
      return active && !m.is_bot && m.username !== null;
    });
    expect(idsOf(csvOf(doc))).toEqual(want.map((m) => m.user_id));
    expect(doc?.payload.caption).toBe(`Big chat (@bigchat): ${want.length} members · active within 7 days, no bots, with a username`);
    h.clear();
    await h.send('/export bigchat --admins --premium');
    expect(h.texts()).toEqual([]);
    expect(idsOf(csvOf(h.of('sendDocument')[0]))).toEqual(all.filter((m) => (m.role === 'admin' || m.role === 'creator') && m.is_premium).map((m) => m.user_id));
  });

  it('sends one file per chat named, and one of the members in all of them with --common', async () => {
    h = await createBotHarness();
    const members = createMembersRepository(h.db);
    seed(members, 90);
    await h.send('/export @bigchat @otherchat --format json');
    const docs = h.of('sendDocument');
    expect(docs.map((d) => d.files.document?.filename)).toEqual(['members-bigchat.json', 'members-otherchat.json']);
    expect(docs.map((d) => d.payload.caption)).toEqual(['Big chat (@bigchat): 90 members', 'Other chat (@otherchat): 50 members']);
    const second = JSON.parse(docs[1]?.files.document?.bytes.toString('utf8') ?? '') as Array<{ user_id: number; source: string }>;
    expect(second.map((m) => m.user_id)).toEqual(stored(members, 1002).map((m) => m.user_id));
    h.clear();
    await h.send('/export @otherchat @bigchat --common');
    const [common] = h.of('sendDocument');
    const inBig = new Set(stored(members, 1001).map((m) => m.user_id));
    const want = stored(members, 1002).filter((m) => inBig.has(m.user_id));
    expect(want).toHaveLength(30);
    expect(common?.files.document?.filename).toBe('members-common-otherchat-bigchat.csv');
    expect(common?.payload.caption).toBe('In all of Other chat (@otherchat), Big chat (@bigchat): 30 members');
    // Member columns come from the first chat named.
    expect(csvOf(common).slice(1)).toEqual(want.map((m) => expectedCells(m, MEMBER_EXPORT_COLUMNS)));
  });

  it('sends an Excel workbook with the extra columns', async () => {
    h = await createBotHarness();
    const members = createMembersRepository(h.db);
    seed(members, 120);
    await h.send('/export @bigchat --format xlsx --extra');
    const [doc] = h.of('sendDocument');
    expect(doc?.files.document?.filename).toBe('members-bigchat.xlsx');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(doc?.files.document?.bytes as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0]!;
    expect(sheet.rowCount).toBe(121);
    expect(sheet.getRow(1).values).toEqual([undefined, ...MEMBER_EXPORT_COLUMNS, ...MEMBER_EXTRA_COLUMNS]);
    expect(sheet.getRow(2).getCell(1).value).toBe(10_000_001);
    expect(sheet.getRow(2).getCell(16).value).toBe(true);
  });

  it.each([
    ['/export', /^Name the chat to export, like \/export @somechat\./],
    ['/export @bigchat --format pdf', '--format must be csv, json or xlsx (got "pdf").'],
    ['/export @bigchat --format', '--format needs a format: csv, json or xlsx, like --format xlsx.'],
    ['/export @bigchat --active soon', '--active needs a number of days, like --active 30d (got "soon").'],
    ['/export @bigchat --active 0', '--active must be from 1 to 3,650 days (got 0).'],
    ['/export @bigchat --bogus', 'Unknown option --bogus. /export takes --format, --active, --no-bots, --username, --premium, --admins, --common and --extra.'],
    ['/export @bigchat --common', /^--common keeps the members present in every chat named, so it needs at least two chats/],
    ['/export @bigchat @nosuch @gone', 'Nothing is stored for @nosuch and @gone yet: scrape them first with /scrape @nosuch.'],
    ['/export @bigchat t.me/bigchat', 't.me/bigchat is the same chat as @bigchat: name each chat once.'],
    ['/export @bigchat --admins --active 1', 'No stored member of Big chat (@bigchat) passes the filters (active within 1 day, admins). Nothing was sent.'],
    ['/export @otherchat @bigchat --common --premium --no-bots --admins', /^No stored member is in all of Other chat \(@otherchat\) and Big chat \(@bigchat\) \(no bots, premium, admins\)\. Nothing was sent\.$/],
  ])('answers %j in plain words and sends nothing', async (input, answer) => {
    h = await createBotHarness();
    seed(createMembersRepository(h.db), 60);
    await h.send(input);
    expect(h.of('sendDocument')).toEqual([]);
    expect(h.texts()).toHaveLength(1);
    expect(h.texts()[0]).toMatch(typeof answer === 'string' ? new RegExp(`^${answer.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : answer);
  });

  it('sends the chats a filter leaves someone in and names the ones it leaves empty', async () => {
    h = await createBotHarness();
    const members = createMembersRepository(h.db);
    seed(members, 60);
    // User 27 is the one premium admin, and only in the first chat.
    await h.send('/export @bigchat @otherchat --admins --premium');
    expect(h.of('sendDocument').map((d) => d.files.document?.filename)).toEqual(['members-bigchat.csv']);
    expect(h.texts()).toEqual(['No stored member of Other chat (@otherchat) passes the filters (premium, admins): no file for it.']);
    expect(idsOf(csvOf(h.of('sendDocument')[0]))).toEqual([10_000_027]);
  });

  it('the Export buttons of a finished scrape send the same members in each format', async () => {
    h = await createBotHarness();
    seed(createMembersRepository(h.db), 30);
    await h.send('/export https://t.me/bigchat');
    await h.press('ex:1001');
    await h.press('ex:1001:j');
    await h.press('ex:1001:x');
    const [a, b, json, xlsx] = h.of('sendDocument');
    expect(b?.files.document?.bytes.equals(a?.files.document?.bytes ?? Buffer.alloc(0))).toBe(true);
    expect(JSON.parse(json?.files.document?.bytes.toString('utf8') ?? '')).toHaveLength(30);
    expect(xlsx?.files.document?.filename).toBe('members-bigchat.xlsx');
    expect(h.of('answerCallbackQuery').map((c) => c.payload.text)).toEqual(['Preparing the CSV…', 'Preparing the JSON…', 'Preparing the Excel workbook…']);
  });

  it('names the later parts of a split export and says how many files there were', async () => {
    h = await createBotHarness();
    const members = createMembersRepository(h.db);
    seed(members, 100);
    const reader = createPortMemberReader(h.db);
    const chat = await reader.findChat('bigchat');
    if (!chat) throw new Error('no chat');
    const job = { chats: [chat], format: 'csv' as const, filter: {}, extra: false, count: 100, now: NOW };
    const sent = await sendExport(h.bot.api, reader, 4242, job, { maxBytes: 4_000 });
    expect(sent.files.length).toBeGreaterThan(1);
    expect(h.of('sendDocument').map((d) => d.files.document?.filename)).toEqual([
      'members-bigchat.csv',
      ...Array.from({ length: sent.files.length - 1 }, (_, i) => `members-bigchat-part${i + 2}.csv`),
    ]);
    expect(h.of('sendDocument').map((d) => d.payload.caption)).toEqual([
      'Big chat (@bigchat): 100 members',
      ...Array.from({ length: sent.files.length - 1 }, (_, i) => `Big chat (@bigchat): 100 members · part ${i + 2}`),
    ]);
    const all = h.of('sendDocument').flatMap((d) => idsOf(csvOf(d)));
    expect(all).toEqual(stored(members, 1001).map((m) => m.user_id));
    expect(sent.rows).toBe(100);
  });

  it('follows a split export with a line listing its files, per chat', async () => {
    h = await createBotHarness();
    const members = createMembersRepository(h.db);
    seed(members, 100);
    const request = parseExportRequest('@bigchat @otherchat --format json');
    if (!request.ok) throw new Error(request.message);
    const reader = createPortMemberReader(h.db);
    const plan = await planExport(reader, request.value, NOW);
    if (plan.kind !== 'send') throw new Error(plan.message);
    const files = await sendPlan(h.bot.api, reader, 4242, plan, { maxBytes: 8_000 });
    const docs = h.of('sendDocument');
    expect(docs).toHaveLength(files);
    const big = docs.filter((d) => d.files.document?.filename?.startsWith('members-bigchat')).map((d) => d.files.document?.filename);
    expect(big.length).toBeGreaterThan(1);
    expect(h.texts()[0]).toBe(`Big chat (@bigchat): 100 members in ${big.length} files (${big.join(', ')}), each under Telegram's 50 MB limit.`);
    expect(h.texts()).toHaveLength(2);
    expect(h.texts()[1]).toMatch(/^Other chat \(@otherchat\): 54 members in \d+ files/);
    const ids = docs.slice(0, big.length).flatMap((d) => (JSON.parse(d.files.document?.bytes.toString('utf8') ?? '') as Array<{ user_id: number }>).map((m) => m.user_id));
    expect(ids).toEqual(stored(members, 1001).map((m) => m.user_id));
  });
});
