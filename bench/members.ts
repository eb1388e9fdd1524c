import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createDatabase, type DatabaseHandle } from '../src/db/client.js';
import { createMembersRepository, type MemberInput } from '../src/db/repositories/members.js';
import { poolMember } from './pool-members.js';
import type { BenchResult } from './types.js';

const MEMBERS = 100_000;
const PAGE = 200;
const RUNS = 3;
const CHAT_ID = 1001;
const TARGET_RATIO = 0.8;
const NOW = 1_700_000_000_000;

/** The sandbox pool's users, so the rows look like a real scrape. */
function makePages(): MemberInput[][] {
  const pages: MemberInput[][] = [];
  for (let start = 1; start <= MEMBERS; start += PAGE) {
    const page: MemberInput[] = [];
    for (let n = start; n < start + PAGE && n <= MEMBERS; n += 1) {
      page.push(poolMember(n, NOW));
    }
    pages.push(page);
  }
  return pages;
}

type Store = (db: DatabaseHandle) => (page: readonly MemberInput[], now: number) => void;

const viaRepository: Store = (db) => {
  const members = createMembersRepository(db);
  return (page, now) => {
    members.storeMembers(CHAT_ID, page, { source: 'participants', now });
  };
};

/** The floor: the two inserts a scrape needs (every member-data column), prepared once, one transaction per page. */
const viaBareInsert: Store = (db) => {
  const user = db.sqlite.prepare(
    `INSERT OR IGNORE INTO users (id, username, first_name, last_name, is_bot, is_premium, is_verified, is_scam, is_fake,
                                  is_deleted, phone, lang_code, status, was_online_at, status_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, 0, 0, 0, 0, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const member = db.sqlite.prepare(
    `INSERT OR IGNORE INTO chat_members (chat_id, user_id, source, via, role, joined_at, first_seen_at, last_seen_at)
     VALUES (?, ?, ?, 'list', ?, ?, ?, ?)`,
  );
  return db.sqlite.transaction((page: readonly MemberInput[], now: number) => {
    for (const u of page) {
      user.run(
        u.id, u.username ?? null, u.firstName ?? null, u.lastName ?? null, u.isBot ? 1 : 0, u.isPremium ? 1 : 0,
        u.phone ?? null, u.langCode ?? null, u.lastSeen?.status ?? null, u.lastSeen?.wasOnlineAt ?? null, now, now, now,
      );
      member.run(CHAT_ID, u.id, 'participants', u.role ?? null, u.joinedAt ?? null, now, now);
    }
  });
};

/** Rows per second of storing every page into a fresh WAL database file. */
function measure(store: Store, pages: readonly MemberInput[][]): number {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
  const db = createDatabase(join(dir, 'bench.db'));
  try {
    db.sqlite.prepare("INSERT INTO chats (id, kind) VALUES (?, 'supergroup')").run(CHAT_ID);
    const write = store(db);
    const now = Date.now();
    const started = performance.now();
    for (const page of pages) write(page, now);
    const seconds = (performance.now() - started) / 1000;
    const stored = db.sqlite.prepare('SELECT count(*) FROM chat_members').pluck().get();
    if (stored !== MEMBERS) throw new Error(`bench stored ${String(stored)} members instead of ${MEMBERS}`);
    return MEMBERS / seconds;
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/** storeMembers against bare prepared inserts: 100,000 members in pages of 200, median of 3 runs each. */
export async function benchMembers(): Promise<BenchResult[]> {
  const pages = makePages();
  const repository: number[] = [];
  const bare: number[] = [];
  // Interleaved so that a noisy moment of the machine hurts both sides alike.
  for (let run = 0; run < RUNS; run += 1) {
    bare.push(measure(viaBareInsert, pages));
    repository.push(measure(viaRepository, pages));
    await new Promise((resolve) => setImmediate(resolve));
  }
  const value = median(repository);
  const baseline = median(bare);
  return [
    { name: 'members.bare-insert', value: Math.round(baseline), unit: 'rows/s' },
    {
      name: 'members.storeMembers',
      value: Math.round(value),
      unit: 'rows/s',
      baseline: Math.round(baseline),
      ratio: Math.round((value / baseline) * 100) / 100,
      target: `ratio >= ${TARGET_RATIO}`,
    },
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const result of await benchMembers()) {
    const extra = result.ratio === undefined ? '' : `  (${result.ratio}x of bare, target ${result.target ?? '-'})`;
    console.log(`${result.name.padEnd(24)} ${result.value.toLocaleString('en-US').padStart(10)} ${result.unit}${extra}`);
  }
}
