import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createAuditRepository } from '../../src/db/repositories/audit.js';
import type { BotApiServer, BotChatMessage } from '../../src/sandbox/bot-api/index.js';
import { createWorld, parseWorld, type SandboxWorld, type WorldInput } from '../../src/sandbox/index.js';
import { silentLogger } from '../engine/harness.js';
import { TOKEN, startServer } from '../sandbox/bot-api/helpers.js';
import { until } from '../until.js';
import { parseCsv } from '../csv.js';

const ADMIN = { id: 1, first_name: 'Admin' };
const DAY = 86_400_000;
const HOUR = 3_600_000;
const POOL_ID_BASE = 10_000_000;

/** Two chats that share pool users 400..600; the first has four admins (5 is its creator). */
const CHATS = {
  exportchat: { id: 1001, from: 1, count: 600, admins: [5, 12, 13, 100] },
  otherchat: { id: 1002, from: 400, count: 600, admins: [400] },
} as const;
type ChatName = keyof typeof CHATS;

const WORLD: WorldInput = {
  latencyMs: 0,
  accounts: [{ phone: '+15550000001', userId: 7_000_001, firstName: 'Ops', code: '11111', authorized: true }],
  chats: [
    { id: 1001, kind: 'supergroup', username: 'exportchat', title: 'Export chat', members: { from: 1, count: 600 }, admins: [5, 12, 13, 100] },
    { id: 1002, kind: 'supergroup', username: 'otherchat', title: 'Other chat', members: { from: 400, count: 600 } },
  ],
};

let dir: string | undefined;
const running: App[] = [];
const worlds: SandboxWorld[] = [];
afterEach(async () => {
  for (const app of running.splice(0)) await app.stop();
  for (const world of worlds.splice(0)) await world.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** The panel against a Bot API server and a world the test holds, so the world's start time is known. */
async function setUp() {
  const { server } = await startServer({ longPollSecondMs: 20, users: [ADMIN] });
  const world = createWorld(parseWorld(WORLD), { startTimeline: false });
  worlds.push(world);
  dir = mkdtempSync(join(tmpdir(), 'switchboard-export-'));
  const config = loadConfig({ DATABASE_PATH: join(dir, 'panel.db'), BOT_API_ROOT: server.url ?? '', BOT_TOKEN: TOKEN, ADMIN_IDS: String(ADMIN.id) });
  const app = await createApp({ config, logger: silentLogger(), world, botOptions: { progressIntervalMs: 50 } });
  running.push(app);
  await app.start();
  return { server, world, app };
}

/** When each chat was scraped: first and last seen times fall inside. */
type Windows = Record<ChatName, { from: number; to: number }>;

async function scrapeBoth(server: BotApiServer): Promise<Windows> {
  const windows = {} as Windows;
  for (const name of Object.keys(CHATS) as ChatName[]) {
    const from = Date.now();
    const done = server.waitFor((m) => m.text?.startsWith(`✅ Scrape @${name}`) ?? false, 30_000);
    server.userSends(ADMIN, `/scrape @${name}`);
    await done;
    windows[name] = { from, to: Date.now() };
  }
  return windows;
}

/** Sends a command and resolves, once the panel has handled it, to every message it answered with. */
async function run(app: App, server: BotApiServer, command: string): Promise<BotChatMessage[]> {
  const audit = createAuditRepository(app.db);
  const before = (await audit.recent(10_000)).length;
  const lastId = server.history(ADMIN.id).at(-1)?.messageId ?? 0;
  server.userSends(ADMIN, command);
  await until(async () => (await audit.recent(10_000)).length > before, `${command} to be handled`, { tries: 6000 });
  return server.history(ADMIN.id).filter((m) => m.sender === 'bot' && m.messageId > lastId);
}

const fileOf = (server: BotApiServer, message: BotChatMessage | undefined): Buffer => {
  const file = message?.document ? server.files.get(message.document.file_id) : undefined;
  if (!file) throw new Error(`no document in ${JSON.stringify(message?.text ?? message?.caption)}`);
  return file.bytes;
};

type Cell = string | number | boolean | null;
type Row = Record<string, Cell>;


const BOOLEAN_COLUMNS = new Set(['is_bot', 'is_premium', 'is_verified', 'is_scam', 'is_fake', 'is_deleted']);

/** Every format's rows as one shape: JSON's (ids numbers, flags booleans, unknown null). */
function rowsOf(format: 'csv' | 'json' | 'xlsx', bytes: Buffer): Promise<{ header: string[]; rows: Row[] }> | { header: string[]; rows: Row[] } {
  if (format === 'json') {
    const rows = JSON.parse(bytes.toString('utf8')) as Row[];
    return { header: Object.keys(rows[0] ?? {}), rows };
  }
  if (format === 'csv') {
    const [header = [], ...lines] = parseCsv(bytes.toString('utf8'));
    const rows = lines.map((line) =>
      Object.fromEntries(
        header.map((name, i) => {
          const v = line[i] ?? '';
          if (v === '') return [name, null];
          if (name === 'user_id') return [name, Number(v)];
          if (BOOLEAN_COLUMNS.has(name)) return [name, v === 'true'];
          return [name, v];
        }),
      ),
    );
    return { header, rows };
  }
  return (async () => {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
    expect(workbook.worksheets).toHaveLength(1);
    const sheet = workbook.worksheets[0]!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1).map(String);
    const rows: Row[] = [];
    for (let r = 2; r <= sheet.rowCount; r += 1) {
      const row = sheet.getRow(r);
      rows.push(Object.fromEntries(header.map((name, i) => [name, (row.getCell(i + 1).value as Cell | undefined) ?? null])));
    }
    expect(sheet.rowCount).toBe(rows.length + 1);
    return { header, rows };
  })();
}

const iso = (ms: number) => new Date(ms).toISOString();
/** The actual time when it is within `tolerance` ms of `want`, else `want` (so the diff shows it). */
const near = (actual: Cell, want: number, tolerance: number): string =>
  typeof actual === 'string' && Math.abs(Date.parse(actual) - want) <= tolerance ? actual : iso(want);
const inside = (actual: Cell, window: { from: number; to: number }): string => {
  const t = typeof actual === 'string' ? Date.parse(actual) : Number.NaN;
  return t >= window.from - 1000 && t <= window.to + 1000 ? (actual as string) : `a time from ${iso(window.from)} to ${iso(window.to)}`;
};

const STATUS_BY_N = ['online', 'offline', 'recently', 'last_week', 'last_month', 'long_ago'] as const;

/**
 * What the world holds of pool user n as a member of `chat` (docs/sandbox.md, The user pool), as the export must say
 * it. Times the scrape decides (first and last seen, "online" seen at) must fall within its window;
 * the world's times are exact to the second Telegram counts in.
 */
function expectedRow(n: number, chat: ChatName, actual: Row, started: number, window: { from: number; to: number }): Row {
  const status = STATUS_BY_N[n % 6]!;
  const admins: readonly number[] = CHATS[chat].admins;
  const role = n === admins[0] ? 'creator' : admins.includes(n) ? 'admin' : 'member';
  return {
    user_id: POOL_ID_BASE + n,
    username: n % 10 === 0 ? null : `user${n}`,
    first_name: `First${n}`,
    last_name: `Last${n}`,
    is_bot: n % 50 === 0,
    is_premium: n % 7 === 0,
    source: 'participants',
    first_seen_at: inside(actual.first_seen_at ?? null, window),
    last_seen_at: inside(actual.last_seen_at ?? null, window),
    phone: n % 13 === 0 ? `999${String(n).padStart(8, '0')}` : null,
    status,
    was_online_at:
      status === 'online'
        ? inside(actual.was_online_at ?? null, window)
        : status === 'offline'
          ? near(actual.was_online_at ?? null, started - (n % 30) * DAY - (n % 24) * HOUR, 1000)
          : null,
    role,
    joined_at: role === 'creator' ? null : near(actual.joined_at ?? null, started - (n % 365) * DAY, 1000),
  };
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
const poolNumbers = (chat: ChatName) => range(CHATS[chat].from, CHATS[chat].count);
const numbersOf = (rows: readonly Row[]) => rows.map((r) => (r.user_id as number) - POOL_ID_BASE);

/** README's `--active Nd` (Member data and export) for pool user n, seen within the hour the test runs. */
function activeWithin(n: number, days: number): boolean {
  switch (STATUS_BY_N[n % 6]) {
    case 'online':
      return true;
    case 'offline':
      // Last online (n mod 30) days and (n mod 24) hours before the start: within N days when fewer days.
      return n % 30 < days;
    case 'recently':
      return days >= 3;
    case 'last_week':
      return days >= 7;
    case 'last_month':
      return days >= 30;
    default:
      return false;
  }
}

describe('/export, end to end through GramJS, the sandbox and the Bot API server', () => {
  it('exports a scraped chat in CSV, JSON and Excel, each equal to what the world holds in every column', async () => {
    const { server, world, app } = await setUp();
    const windows = await scrapeBoth(server);
    for (const format of ['csv', 'json', 'xlsx'] as const) {
      const answers = await run(app, server, `/export @exportchat --format ${format}`);
      expect(answers).toHaveLength(1);
      expect(answers[0]?.document?.file_name).toBe(`members-exportchat.${format}`);
      expect(answers[0]?.caption).toBe('Export chat (@exportchat): 600 members');
      const { header, rows } = await rowsOf(format, fileOf(server, answers[0]));
      expect(header).toEqual(['user_id', 'username', 'first_name', 'last_name', 'is_bot', 'is_premium', 'source', 'first_seen_at', 'last_seen_at', 'phone', 'status', 'was_online_at', 'role', 'joined_at']);
      expect(numbersOf(rows)).toEqual(poolNumbers('exportchat'));
      expect(rows).toEqual(rows.map((row) => expectedRow((row.user_id as number) - POOL_ID_BASE, 'exportchat', row, world.startedAt, windows.exportchat)));
    }
    const [extra] = await run(app, server, '/export @otherchat --format json --extra');
    const { header, rows } = await rowsOf('json', fileOf(server, extra));
    expect(header.slice(14)).toEqual(['is_verified', 'is_scam', 'is_fake', 'is_deleted', 'lang_code']);
    expect(rows).toHaveLength(600);
    // The pool's own additions (docs/sandbox.md, The user pool): verified, scam and fake by n; none deleted, no lang_code.
    expect(rows.map((r) => r.user_id)).toEqual(poolNumbers('otherchat').map((n) => POOL_ID_BASE + n));
    expect(rows.map((r) => [r.is_verified, r.is_scam, r.is_fake, r.is_deleted, r.lang_code])).toEqual(
      poolNumbers('otherchat').map((n) => [n % 1000 === 0, n % 997 === 0, n % 991 === 0, false, null]),
    );
  }, 120_000);

  it('keeps exactly the members each filter and --common keep, computed from the world', async () => {
    const { server, app } = await setUp();
    await scrapeBoth(server);
    const ids = async (command: string): Promise<number[]> => {
      const answers = await run(app, server, command);
      expect(answers.map((m) => m.document?.file_name ?? m.text)).toHaveLength(1);
      return numbersOf((await rowsOf('json', fileOf(server, answers[0]))).rows);
    };
    const inExport = poolNumbers('exportchat');
    for (const days of [1, 2, 3, 6, 7, 29, 30, 365]) {
      expect(await ids(`/export @exportchat --format json --active ${days}d`), `--active ${days}d`).toEqual(inExport.filter((n) => activeWithin(n, days)));
    }
    expect(await ids('/export @exportchat --format json --no-bots')).toEqual(inExport.filter((n) => n % 50 !== 0));
    expect(await ids('/export @exportchat --format json --username')).toEqual(inExport.filter((n) => n % 10 !== 0));
    expect(await ids('/export @exportchat --format json --premium')).toEqual(inExport.filter((n) => n % 7 === 0));
    expect(await ids('/export @exportchat --format json --admins')).toEqual([5, 12, 13, 100]);
    expect(await ids('/export @otherchat --format json --admins')).toEqual([400]);
    expect(await ids('/export @exportchat --format json --active 7 --no-bots --username --premium')).toEqual(
      inExport.filter((n) => activeWithin(n, 7) && n % 50 !== 0 && n % 10 !== 0 && n % 7 === 0),
    );

    const both = inExport.filter((n) => n >= 400 && n < 1000);
    const common = await run(app, server, '/export @otherchat @exportchat --common --format json');
    expect(common).toHaveLength(1);
    expect(common[0]?.caption).toBe(`In all of Other chat (@otherchat), Export chat (@exportchat): ${both.length} members`);
    const commonRows = (await rowsOf('json', fileOf(server, common[0]))).rows;
    expect(numbersOf(commonRows)).toEqual(both);
    // Member columns come from the first chat named: 400 created the other chat and is a plain member of the export chat.
    expect(commonRows.find((r) => r.user_id === POOL_ID_BASE + 400)?.role).toBe('creator');
    expect(await ids('/export @exportchat @otherchat --common --format json --premium --no-bots')).toEqual(both.filter((n) => n % 7 === 0 && n % 50 !== 0));
    expect((await ids('/export @exportchat @otherchat --common --format json'))).toEqual(both);

    const perChat = await run(app, server, '/export @exportchat @otherchat --format csv --admins');
    expect(perChat.map((m) => [m.document?.file_name, m.caption])).toEqual([
      ['members-exportchat.csv', 'Export chat (@exportchat): 4 members · admins'],
      ['members-otherchat.csv', 'Other chat (@otherchat): 1 member · admins'],
    ]);
    const unknown = await run(app, server, '/export @exportchat @neverscraped --format xlsx');
    expect(unknown.map((m) => m.text)).toEqual(['Nothing is stored for @neverscraped yet: scrape it first with /scrape @neverscraped.']);
    const none = await run(app, server, '/export @otherchat --admins --active 1');
    expect(none.map((m) => m.text)).toEqual(['No stored member of Other chat (@otherchat) passes the filters (active within 1 day, admins). Nothing was sent.']);
  }, 120_000);

  it('sends the CSV from the Export button of a finished scrape', async () => {
    const { server } = await setUp();
    const done = server.waitFor((m) => m.text?.startsWith('✅ Scrape @otherchat') ?? false, 30_000);
    server.userSends(ADMIN, '/scrape @otherchat');
    const message = await done;
    const button = message.replyMarkup?.inline_keyboard.flat().find((b) => b.text.includes('Export'));
    const data = (button as { callback_data?: string } | undefined)?.callback_data ?? '';
    expect(data).toMatch(/^ex:-?\d+$/);
    const csv = server.waitFor((m) => m.document?.file_name === 'members-otherchat.csv', 20_000);
    await server.userPresses(ADMIN, message.messageId, data);
    const { header, rows } = await rowsOf('csv', fileOf(server, await csv));
    expect(header).toHaveLength(14);
    expect(numbersOf(rows)).toEqual(poolNumbers('otherchat'));
  }, 60_000);
});
