import { afterEach, describe, expect, it } from 'vitest';
import { createMembersRepository, type MemberExportRow } from '../../src/db/repositories/members.js';
import type { ScrapeResult } from '../../src/engine/operations/index.js';
import { accessHash } from '../../src/sandbox/access-hash.js';
import type { WorldInput } from '../../src/sandbox/index.js';
import { createTelegramHarness, poolId, submitOk, worldAccounts, type TelegramHarness } from './telegram-harness.js';

let h: TelegramHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const DAY = 86_400_000;
const HOUR = 3_600_000;
const CLASSES = ['online', 'offline', 'recently', 'last_week', 'last_month', 'long_ago'] as const;

/**
 * What docs/sandbox.md (The user pool) says pool user n looks like, worked out here on its own
 * from the formulas rather than from the sandbox's code: the oracle the recorded rows are held to.
 */
function expectedUser(n: number, startedAt: number) {
  const status = CLASSES[n % 6] as (typeof CLASSES)[number];
  const startSeconds = Math.floor(startedAt / 1000) * 1000;
  return {
    user_id: poolId(n),
    username: n % 10 === 0 ? null : `user${n}`,
    first_name: `First${n}`,
    last_name: `Last${n}`,
    is_bot: n % 50 === 0,
    is_premium: n % 7 === 0,
    phone: n % 13 === 0 ? `999${String(n).padStart(8, '0')}` : null,
    status,
    ...(status === 'offline' ? { was_online_at: startSeconds - (n % 30) * DAY - (n % 24) * HOUR } : status === 'online' ? {} : { was_online_at: null }),
    startSeconds,
  };
}

function expectMatchesPool(row: MemberExportRow, n: number, startedAt: number): void {
  const { startSeconds, ...want } = expectedUser(n, startedAt);
  expect(row).toMatchObject(want);
  if (want.status === 'online') expect(row.was_online_at).toBeGreaterThanOrEqual(startSeconds);
}

const admins = [5, 13, 26];

describe('Member data (end to end through GramJS and the sandbox)', () => {
  it('records last seen, phones, roles, join dates, access hashes and the way found, as the world holds them', async () => {
    const world: WorldInput = {
      latencyMs: 0,
      participantsCap: 400,
      accounts: worldAccounts(1),
      chats: [
        { id: 1001, kind: 'supergroup', username: 'datachat', title: 'Data chat', members: { from: 1, count: 1_000 }, admins },
      ],
    };
    h = await createTelegramHarness(world);
    const startedAt = h.world.startedAt;
    const done = await h.engine.waitFor(submitOk(h.engine, { kind: 'scrape', params: { target: '@datachat' } }).id);
    const result = done.result as ScrapeResult;
    expect(result).toMatchObject({ found: 1_000, mode: 'deep' });
    // The first 400 come from the list; search finds the rest.
    expect(result.coverage).toEqual({ list: 400, search: 600, messages: 0 });

    const members = createMembersRepository(h.db);
    const rows = [...members.iterateMembers(1001)];
    expect(rows).toHaveLength(1_000);
    const viewer = 7_000_001;
    const accountId = h.engine.listAccounts()[0]!.id;
    for (const row of rows) {
      const n = row.user_id - poolId(0);
      expectMatchesPool(row, n, startedAt);
      const startSeconds = Math.floor(startedAt / 1000) * 1000;
      if (n === admins[0]) expect(row).toMatchObject({ role: 'creator', joined_at: null });
      else expect(row).toMatchObject({ role: admins.includes(n) ? 'admin' : 'member', joined_at: startSeconds - (n % 365) * DAY });
      expect(members.accessHashOf(accountId, row.user_id)).toBe(accessHash(viewer, 'user', row.user_id).toString());
    }
    const stats = members.memberStats(1001);
    expect(stats.byVia).toEqual({ list: 400, search: 600, messages: 0 });
    expect(stats.admins).toBe(3);
  }, 60_000);

  it('gives the authors of a hidden chat their status and phone', async () => {
    h = await createTelegramHarness({
      latencyMs: 0,
      accounts: worldAccounts(1),
      chats: [
        {
          id: 2001,
          kind: 'supergroup',
          username: 'hiddendata',
          title: 'Hidden',
          members: { from: 1, count: 500 },
          membersHidden: true,
          messages: { count: 300, days: 5, authors: { from: 20, count: 120 } },
        },
      ],
    });
    const done = await h.engine.waitFor(submitOk(h.engine, { kind: 'scrape', params: { target: '@hiddendata' } }).id);
    expect((done.result as ScrapeResult).coverage).toEqual({ list: 0, search: 0, messages: 120 });
    const rows = [...createMembersRepository(h.db).iterateMembers(2001)];
    expect(rows.map((r) => r.user_id - poolId(0))).toEqual(Array.from({ length: 120 }, (_, i) => 20 + i));
    for (const row of rows) {
      expectMatchesPool(row, row.user_id - poolId(0), h.world.startedAt);
      // Message authors come with no participant object: no role, no join date.
      expect(row).toMatchObject({ role: null, joined_at: null, source: 'messages' });
    }
  });
});
