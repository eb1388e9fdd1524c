import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { BudgetRow } from '../../../src/db/repositories/budgets.js';
import type { AccountRow } from '../../../src/db/schema.js';
import { MirrorAccounts } from '../../../src/engine/distributed/mirror-account-store.js';
import { WriteBehind } from '../../../src/engine/distributed/write-behind.js';

const t0 = 1_800_000_000_000;

function account(id: number, fields: Partial<AccountRow> = {}): AccountRow {
  return {
    id,
    phone: `+1555000${id}`,
    label: null,
    sessionEnc: 'enc:session',
    proxy: null,
    proxyEnc: null,
    proxyHost: null,
    apiId: 1,
    apiHashEnc: 'enc:hash',
    device: { deviceModel: 'Pixel', systemVersion: '14', appVersion: '1.0', langCode: 'en', systemLangCode: 'en' },
    spamVerdict: null,
    spamUntil: null,
    checkedAt: null,
    nextCheckAt: null,
    telegramUserId: 42,
    username: 'alice',
    firstName: 'Alice',
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
    createdAt: t0,
    updatedAt: t0,
    ...fields,
  };
}

const budget = (accountId: number): BudgetRow => ({ accountId, action: 'join', windowStart: t0, used: 1, halvedUntil: null });

/** A worker's account mirror over a write-behind the test holds shut (`open()`), its writes recorded as they run. */
function mirror() {
  const writes = new WriteBehind({ logger: pino({ level: 'silent' }) });
  let open!: () => void;
  const shut = new Promise<void>((resolve) => (open = resolve));
  void writes.push('held shut by the test', () => shut);
  const patches: Array<Partial<AccountRow>> = [];
  const budgets: BudgetRow[] = [];
  const deleted: number[] = [];
  /** Account ids whose removal the database refuses (a lost lease). */
  const refused = new Set<number>();
  const accounts = new MirrorAccounts(writes, {
    patchAccount: async (_id, fields) => void patches.push(structuredClone(fields)),
    saveBudget: async (row) => void budgets.push(structuredClone(row)),
    deleteAccount: async (id) => {
      if (refused.has(id)) throw new Error(`account #${id} is no longer held`);
      deleted.push(id);
    },
  });
  return { accounts, writes, patches, budgets, deleted, refused, open: () => open() };
}

describe('MirrorAccounts', () => {
  it('does remove an account behind its earlier writes, forget it at once, and tell whether the removal was written', async () => {
    const m = mirror();
    m.accounts.load(account(1), [budget(1)]);
    m.accounts.load(account(2), []);
    m.accounts.store.setLastError(1, 'last words', t0 + 1);
    m.accounts.store.delete(1);
    m.refused.add(2);
    m.accounts.store.delete(2);
    // Gone from the mirror before anything is written: the engine sees no such account any more.
    expect(m.accounts.store.get(1)).toBeUndefined();
    expect(m.accounts.store.list()).toEqual([]);
    expect(m.accounts.budgets.forAccount(1)).toEqual([]);
    const removed = m.accounts.removal(1);
    const refused = m.accounts.removal(2);
    m.open();
    expect(await removed).toBe(true);
    expect(await refused).toBe(false);
    // The account's own write first, then its removal; a removal is handed out once.
    expect(m.patches).toEqual([{ lastError: 'last words' }]);
    expect(m.deleted).toEqual([1]);
    expect(m.accounts.removal(1)).toBeUndefined();
    m.accounts.store.delete(3);
    expect(m.accounts.removal(3)).toBeUndefined();
  });

  it('keeps a stored value that a patch leaves undefined, and does not write it', async () => {
    const m = mirror();
    m.accounts.load(account(1), []);
    m.accounts.store.setProfile(1, { username: undefined, firstName: 'Alicia', telegramUserId: undefined }, t0 + 1);
    const row = m.accounts.store.get(1);
    expect(row).toMatchObject({ username: 'alice', firstName: 'Alicia', telegramUserId: 42, updatedAt: t0 + 1 });
    expect(Object.hasOwn(row ?? {}, 'username')).toBe(true);
    m.open();
    await m.writes.settled();
    expect(m.patches).toHaveLength(1);
    expect(Object.keys(m.patches[0] ?? {})).toEqual(['firstName']);
  });

  it('hands out copies: changing a returned row (or its device) changes nothing held', () => {
    const m = mirror();
    m.accounts.load(account(1), []);
    const got = m.accounts.store.get(1)!;
    got.username = 'mallory';
    got.device!.deviceModel = 'Changed';
    const listed = m.accounts.store.list()[0]!;
    listed.device!.langCode = 'xx';
    const byPhone = m.accounts.store.byPhone('+15550001')!;
    byPhone.device!.systemVersion = '0';
    expect(m.accounts.store.get(1)).toEqual(account(1));
  });

  it('holds copies: changing a loaded row, or a patch after it was made, changes neither the mirror nor the write', async () => {
    const m = mirror();
    const loaded = account(1);
    const counters = [budget(1)];
    m.accounts.load(loaded, counters);
    loaded.username = 'mallory';
    loaded.device!.deviceModel = 'Changed';
    counters[0]!.used = 99;
    expect(m.accounts.store.get(1)).toEqual(account(1));
    expect(m.accounts.budgets.forAccount(1)).toEqual([budget(1)]);

    const profile = { username: 'alicia', firstName: 'Alicia' };
    m.accounts.store.setProfile(1, profile, t0 + 1);
    profile.username = 'changed later';
    const device = { deviceModel: 'Nokia', systemVersion: '1', appVersion: '2', langCode: 'fi', systemLangCode: 'fi' };
    m.accounts.store.setDevice(2, device, t0 + 1);
    m.accounts.store.setDevice(1, device, t0 + 1);
    device.deviceModel = 'changed later';
    expect(m.accounts.store.get(1)).toMatchObject({ username: 'alicia', device: { deviceModel: 'Nokia' } });

    m.open();
    await m.writes.settled();
    expect(m.patches).toEqual([
      { username: 'alicia', firstName: 'Alicia' },
      { device: { deviceModel: 'Nokia', systemVersion: '1', appVersion: '2', langCode: 'fi', systemLangCode: 'fi' } },
    ]);
  });

  it('keeps budget counters as copies', async () => {
    const m = mirror();
    m.accounts.load(account(1), [budget(1)]);
    m.accounts.budgets.forAccount(1)[0]!.used = 50;
    const saved = { ...budget(1), used: 2 };
    m.accounts.budgets.save(saved);
    saved.used = 77;
    expect(m.accounts.budgets.forAccount(1)).toEqual([{ ...budget(1), used: 2 }]);
    m.open();
    await m.writes.settled();
    expect(m.budgets).toEqual([{ ...budget(1), used: 2 }]);
  });
});
