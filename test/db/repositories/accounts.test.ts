import { eq, sql } from 'drizzle-orm';
import { afterEach, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../../../src/db/client.js';
import type { AnyDatabaseHandle } from '../../../src/db/open-database.js';
import { createAccountsRepository, type AccountsRepository } from '../../../src/db/repositories/accounts.js';
import { createPortBudgetsRepository } from '../../../src/db/repositories/budgets-port.js';
import { accounts } from '../../../src/db/schema.js';
import { createAccountStore, type AccountStore, type NewAccount } from '../../../src/engine/account-store.js';
import type { DeviceProfile } from '../../../src/engine/clients/device-profile.js';
import { describeEachDialect, type OpenDialectDatabase } from '../dialects.js';

const device: DeviceProfile = {
  deviceModel: 'Samsung Galaxy S23',
  systemVersion: 'SDK 34',
  appVersion: '10.14.5 (5107)',
  langCode: 'en',
  systemLangCode: 'en-US',
};

const full: NewAccount = {
  phone: '+15550001',
  label: 'main',
  sessionEnc: 'session-envelope',
  proxyEnc: 'proxy-envelope',
  proxyHost: 'proxy.example:1080',
  apiId: 2040,
  apiHashEnc: 'hash-envelope',
  device,
};
const bare: NewAccount = { phone: '+15550002' };
const legacyProxy = { type: 'socks5', host: 'old.example', port: 1080, password: 'secret' };

/** Ids the comparisons look up: both accounts, one never made, one past PostgreSQL's 32-bit accounts.id. */
const probeIds = [1, 2, 3, 7_000_000_001];

const references: DatabaseHandle[] = [];
afterEach(() => {
  for (const reference of references.splice(0)) reference.close();
});

interface Pair {
  readonly db: AnyDatabaseHandle;
  /** The repository under test, on the dialect of the block. */
  readonly port: AccountsRepository;
  /** engine/account-store.ts on an in-memory SQLite: what the port must match. */
  readonly sync: AccountStore;
  readonly reference: DatabaseHandle;
}

async function pair(open: OpenDialectDatabase): Promise<Pair> {
  const db = await open();
  const reference = createDatabase(':memory:');
  references.push(reference);
  return { db, port: createAccountsRepository(db), sync: createAccountStore(reference), reference };
}

/** Both stores given the same two accounts, the second with a proxy still in the legacy plaintext column. */
async function seeded(open: OpenDialectDatabase): Promise<Pair> {
  const p = await pair(open);
  p.sync.insert(full, 1_000);
  p.sync.insert(bare, 2_000);
  await p.port.insert(full, 1_000);
  await p.port.insert(bare, 2_000);
  p.reference.orm.update(accounts).set({ proxy: legacyProxy, updatedAt: 3_000 }).where(eq(accounts.id, 2)).run();
  await p.port.patch(2, { proxy: legacyProxy }, 3_000);
  return p;
}

/** Every read of the port gives what the same read of account-store gives. */
async function expectSameReads({ port, sync }: Pair): Promise<void> {
  expect(await port.list()).toStrictEqual(sync.list());
  expect(await port.identities()).toStrictEqual(sync.identities());
  expect(await port.withLegacyProxy()).toStrictEqual(sync.withLegacyProxy());
  for (const id of probeIds) expect(await port.get(id)).toStrictEqual(sync.get(id));
  for (const phone of [full.phone, bare.phone, '+0']) expect(await port.byPhone(phone)).toStrictEqual(sync.byPhone(phone));
  const expected = probeIds.map((id) => sync.get(id)).filter((row) => row !== undefined);
  expect(await port.listByIds([...probeIds].reverse().concat(probeIds))).toStrictEqual(expected);
}

/** The calls both stores share, as a step writes them (the port's extra `tx` left out). */
type Writes = {
  [K in Exclude<keyof AccountStore, 'insert' | 'get' | 'byPhone' | 'list' | 'identities' | 'withLegacyProxy'>]: (
    ...args: Parameters<AccountStore[K]>
  ) => unknown;
};

const writes: [string, (store: Writes) => Promise<void>][] = [
  ['setState', async (s) => void (await s.setState(1, 'busy', 10))],
  ['setPaused on then off', async (s) => {
    await s.setPaused(1, true, 10);
    await s.setPaused(2, true, 11);
    await s.setPaused(2, false, 12);
  }],
  ['setHealth with and without a reason', async (s) => {
    await s.setHealth(1, 'limited', 'PEER_FLOOD', 10);
    await s.setHealth(2, 'dead', 'AUTH_KEY_UNREGISTERED', 11);
    await s.setHealth(2, 'ok', null, 12);
  }],
  ['setCooldown', async (s) => {
    await s.setCooldown(1, 1_790_000_000_000, 10);
    await s.setCooldown(2, 1_790_000_000_000, 11);
    await s.setCooldown(2, null, 12);
  }],
  ['setSession', async (s) => {
    await s.setSession(2, 'another-envelope', 10);
    await s.setSession(1, null, 11);
  }],
  ['setProxy, clearing the legacy column', async (s) => {
    await s.setProxy(2, { enc: 'moved-envelope', host: 'old.example:1080' }, 10);
    await s.setProxy(1, null, 11);
  }],
  ['setProfile, whole and in part', async (s) => {
    await s.setProfile(1, { telegramUserId: 7_000_000_001, username: 'main', firstName: 'Ann', lastHealthAt: 1_790_000_000_000 }, 10);
    await s.setProfile(1, { username: null }, 11);
    await s.setProfile(2, {}, 12);
  }],
  ['setCredentials', async (s) => void (await s.setCredentials(2, { apiId: 611335, apiHashEnc: 'other-hash' }, 10))],
  ['setDevice', async (s) => void (await s.setDevice(2, { ...device, deviceModel: 'iPhone 15 Pro' }, 10))],
  ['setCheck, limited then free', async (s) => {
    await s.setCheck(1, { verdict: 'limited', until: 1_790_000_000_000, checkedAt: 1_780_000_000_000 }, 1_780_086_400_000, 10);
    await s.setCheck(2, { verdict: 'limited', until: null, checkedAt: 5 }, 6, 11);
    await s.setCheck(2, { verdict: 'free', until: null, checkedAt: 7 }, null, 12);
  }],
  ['setNextCheck', async (s) => {
    await s.setNextCheck(1, 1_790_000_000_000, 10);
    await s.setNextCheck(1, null, 11);
  }],
  ['setLastError', async (s) => {
    await s.setLastError(1, 'FLOOD_WAIT_420', 10);
    await s.setLastError(2, null, 11);
  }],
  ['delete', async (s) => void (await s.delete(1))],
  ['every write on ids that do not exist, 32-bit or not', async (s) => {
    for (const id of [3, 7_000_000_001]) {
      await s.setState(id, 'idle', 10);
      await s.setProfile(id, { username: 'nobody' }, 10);
      await s.setDevice(id, device, 10);
      await s.delete(id);
    }
  }],
];

describeEachDialect('AccountsRepository', (open) => {
  it('inserts what account-store inserts, defaults and all', async () => {
    const { port, sync } = await pair(open);
    expect(await port.insert(full, 1_000)).toStrictEqual(sync.insert(full, 1_000));
    expect(await port.insert(bare, 2_000)).toStrictEqual(sync.insert(bare, 2_000));
    expect(await port.insert({ ...bare, phone: '+15550003', device: null, label: null }, 3_000)).toStrictEqual(
      sync.insert({ ...bare, phone: '+15550003', device: null, label: null }, 3_000),
    );
  });

  it('reads what account-store reads', async () => {
    await expectSameReads(await seeded(open));
  });

  it.each(writes)('%s: writes what account-store writes', async (_name, step) => {
    const p = await seeded(open);
    await step(p.sync);
    await step(p.port);
    await expectSameReads(p);
  });

  it('round-trips every column: nulls, the JSON device and proxy, the flag, 64-bit values', async () => {
    const { port } = await pair(open);
    const bareRow = await port.insert(bare, 1_790_000_000_000);
    expect(bareRow).toStrictEqual({
      id: 1,
      phone: bare.phone,
      label: null,
      sessionEnc: null,
      proxy: null,
      proxyEnc: null,
      proxyHost: null,
      apiId: null,
      apiHashEnc: null,
      device: null,
      spamVerdict: null,
      spamUntil: null,
      checkedAt: null,
      nextCheckAt: null,
      telegramUserId: null,
      username: null,
      firstName: null,
      state: 'disconnected',
      paused: false,
      health: 'ok',
      cooldownUntil: null,
      stateReason: null,
      lastError: null,
      opsTotal: 0,
      opsFailed: 0,
      floodWaits: 0,
      lastHealthAt: null,
      createdAt: 1_790_000_000_000,
      updatedAt: 1_790_000_000_000,
    });
    await port.setDevice(1, device, 1_790_000_000_001);
    await port.setPaused(1, true, 1_790_000_000_002);
    await port.setProfile(1, { telegramUserId: 7_000_000_001 }, 1_790_000_000_003);
    await port.patch(1, { proxy: legacyProxy, opsTotal: 3 }, 1_790_000_000_004);
    expect(await port.get(1)).toMatchObject({
      device,
      paused: true,
      telegramUserId: 7_000_000_001,
      proxy: legacyProxy,
      opsTotal: 3,
      updatedAt: 1_790_000_000_004,
    });
    expect(await port.identities()).toStrictEqual([{ id: 1, apiId: null, device }]);
  });

  it('patches only the fields given, never the id, always updatedAt', async () => {
    const { port } = await pair(open);
    await port.insert(full, 1_000);
    expect(await port.patch(1, { id: 5, label: undefined, lastError: 'x', updatedAt: 1 }, 2_000)).toBe(true);
    expect(await port.get(1)).toMatchObject({ id: 1, label: 'main', lastError: 'x', updatedAt: 2_000 });
    expect(await port.get(5)).toBeUndefined();
    expect(await port.patch(2, { lastError: 'x' }, 2_000)).toBe(false);
  });

  it('refuses a second account with the same phone, as account-store does', async () => {
    const { port, sync } = await pair(open);
    sync.insert(full, 1);
    expect(() => sync.insert(full, 2)).toThrow();
    await port.insert(full, 1);
    await expect(port.insert(full, 2)).rejects.toThrow();
  });

  it('lists by ids past what one statement binds, each once and by id', async () => {
    const { port } = await pair(open);
    for (let n = 0; n < 3; n += 1) await port.insert({ phone: `+1555000${n}` }, n);
    const ids = Array.from({ length: 1_200 }, (_, i) => 1_200 - i).concat([2, 2, 7_000_000_001]);
    expect((await port.listByIds(ids)).map((row) => row.id)).toEqual([1, 2, 3]);
    expect(await port.listByIds([])).toEqual([]);
  });

  it('writes and reads inside a transaction, which rolls back as one', async () => {
    const { db, port } = await pair(open);
    const seen = await db.sql.transaction(async (tx) => {
      const row = await port.insert(full, 1_000, tx);
      await port.setState(row.id, 'idle', 1_001, tx);
      return port.get(row.id, tx);
    });
    expect(seen).toMatchObject({ id: 1, state: 'idle' });
    const failed = db.sql.transaction(async (tx) => {
      await port.setPaused(1, true, 2_000, tx);
      await port.delete(1, tx);
      await port.insert(bare, 2_000, tx);
      throw new Error('rolled back');
    });
    await expect(failed).rejects.toThrow('rolled back');
    expect(await port.list()).toMatchObject([{ id: 1, phone: full.phone, paused: false, updatedAt: 1_001 }]);
  });

  it('deletes an account with its budgets, and keeps its flood events without it', async () => {
    const { db, port } = await pair(open);
    const budgets = createPortBudgetsRepository(db);
    await port.insert(full, 1_000);
    await port.insert(bare, 1_000);
    for (const accountId of [1, 2]) {
      await budgets.save({ accountId, action: 'join', windowStart: 1_790_000_000_000, used: 3, halvedUntil: null });
    }
    await db.sql.run(sql`INSERT INTO flood_events (account_id, seconds, action, at) VALUES (1, 30, 'slept', 5)`);
    await port.delete(1);
    expect(await port.get(1)).toBeUndefined();
    expect(await budgets.forAccount(1)).toEqual([]);
    expect(await budgets.forAccount(2)).toHaveLength(1);
    expect(await db.sql.all(sql`SELECT account_id, seconds FROM flood_events`)).toEqual([{ account_id: null, seconds: 30 }]);
  });
});
