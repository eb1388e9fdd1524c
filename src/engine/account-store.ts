import { eq, isNotNull } from 'drizzle-orm';
import type { DatabaseHandle } from '../db/client.js';
import { accounts, type AccountRow } from '../db/schema.js';
import { storedDeviceProfile, type DeviceProfile } from './clients/device-profile.js';
import type { AccountState } from './types.js';

export type AccountHealth = 'ok' | 'limited' | 'dead';

export interface NewAccount {
  phone: string;
  label?: string | null;
  sessionEnc?: string | null;
  /** The proxy URL's envelope (SessionCipher) and its `host:port` for show. */
  proxyEnc?: string | null;
  proxyHost?: string | null;
  apiId?: number | null;
  /** The API hash, already encrypted (SessionCipher). */
  apiHashEnc?: string | null;
  device?: DeviceProfile | null;
}

/** An account's app credential and device, as stored (the hash encrypted). */
export interface StoredIdentity {
  readonly apiId: number;
  readonly apiHashEnc: string;
}

/** Persistence of the account registry. */
export function createAccountStore(db: DatabaseHandle) {
  const { orm, sqlite } = db;
  const setState = sqlite.prepare<[string, number, number]>(`update accounts set state = ?, updated_at = ? where id = ?`);

  const patch = (id: number, values: Partial<typeof accounts.$inferInsert>, now: number) =>
    orm.update(accounts).set({ ...values, updatedAt: now }).where(eq(accounts.id, id)).run();

  return {
    insert(account: NewAccount, now: number): AccountRow {
      return orm
        .insert(accounts)
        .values({
          phone: account.phone,
          label: account.label ?? null,
          sessionEnc: account.sessionEnc ?? null,
          proxyEnc: account.proxyEnc ?? null,
          proxyHost: account.proxyHost ?? null,
          apiId: account.apiId ?? null,
          apiHashEnc: account.apiHashEnc ?? null,
          device: account.device ? { ...account.device } : null,
          createdAt: now,
          updatedAt: now,
        })
        .returning()
        .get();
    },
    get(id: number): AccountRow | undefined {
      return orm.select().from(accounts).where(eq(accounts.id, id)).get();
    },
    byPhone(phone: string): AccountRow | undefined {
      return orm.select().from(accounts).where(eq(accounts.phone, phone)).get();
    },
    list(): AccountRow[] {
      return orm.select().from(accounts).orderBy(accounts.id).all();
    },
    /** Each account's api id and device profile, as far as it has them. */
    identities(): { readonly id: number; readonly apiId: number | null; readonly device: DeviceProfile | null }[] {
      return orm
        .select({ id: accounts.id, apiId: accounts.apiId, device: accounts.device })
        .from(accounts)
        .orderBy(accounts.id)
        .all()
        .map((row) => ({ id: row.id, apiId: row.apiId, device: storedDeviceProfile(row.device) }));
    },
    setState(id: number, state: AccountState, now: number): void {
      setState.run(state, now, id);
    },
    setPaused(id: number, paused: boolean, now: number): void {
      patch(id, { paused }, now);
    },
    setHealth(id: number, health: AccountHealth, reason: string | null, now: number): void {
      patch(id, { health, stateReason: reason }, now);
    },
    setCooldown(id: number, until: number | null, now: number): void {
      patch(id, { cooldownUntil: until }, now);
    },
    setSession(id: number, sessionEnc: string | null, now: number): void {
      patch(id, { sessionEnc }, now);
    },
    /** Stores an account's proxy (its URL's envelope and `host:port`), or none; the legacy plaintext column is cleared with it. */
    setProxy(id: number, proxy: { readonly enc: string; readonly host: string } | null, now: number): void {
      patch(id, { proxyEnc: proxy?.enc ?? null, proxyHost: proxy?.host ?? null, proxy: null }, now);
    },
    /** Accounts whose proxy is still in the legacy plaintext column. */
    withLegacyProxy(): AccountRow[] {
      return orm.select().from(accounts).where(isNotNull(accounts.proxy)).orderBy(accounts.id).all();
    },
    setProfile(
      id: number,
      profile: { telegramUserId?: number | null; username?: string | null; firstName?: string | null; lastHealthAt?: number | null },
      now: number,
    ): void {
      patch(id, profile, now);
    },
    /** Stores the credential of an account that has none yet (assigned once: nothing else writes it). */
    setCredentials(id: number, credentials: StoredIdentity, now: number): void {
      patch(id, { apiId: credentials.apiId, apiHashEnc: credentials.apiHashEnc }, now);
    },
    /** Stores the device profile of an account that has none yet (assigned once: nothing else writes it). */
    setDevice(id: number, device: DeviceProfile, now: number): void {
      patch(id, { device: { ...device } }, now);
    },
    /** A check's verdict; `nextCheckAt` is when the daily round checks again. */
    setCheck(id: number, check: { verdict: 'free' | 'limited'; until: number | null; checkedAt: number }, nextCheckAt: number | null, now: number): void {
      patch(id, { spamVerdict: check.verdict, spamUntil: check.until, checkedAt: check.checkedAt, nextCheckAt }, now);
    },
    setNextCheck(id: number, nextCheckAt: number | null, now: number): void {
      patch(id, { nextCheckAt }, now);
    },
    setLastError(id: number, lastError: string | null, now: number): void {
      patch(id, { lastError }, now);
    },
    delete(id: number): void {
      orm.delete(accounts).where(eq(accounts.id, id)).run();
    },
  };
}

export type AccountStore = ReturnType<typeof createAccountStore>;
