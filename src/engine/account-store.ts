import { eq } from 'drizzle-orm';
import type { DatabaseHandle } from '../db/client.js';
import { accounts, type AccountRow } from '../db/schema.js';
import type { AccountState } from './types.js';

export type AccountHealth = 'ok' | 'limited' | 'dead';

export interface NewAccount {
  phone: string;
  label?: string | null;
  sessionEnc?: string | null;
  proxy?: Record<string, unknown> | null;
  /** The device profile (clients/device-profile.ts) as stored JSON. */
  device?: Record<string, string> | null;
  apiId?: number | null;
  /** The API hash, encrypted with the session cipher. */
  apiHashEnc?: string | null;
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
          proxy: account.proxy ?? null,
          device: account.device ?? null,
          apiId: account.apiId ?? null,
          apiHashEnc: account.apiHashEnc ?? null,
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
    setProfile(
      id: number,
      profile: { telegramUserId?: number | null; username?: string | null; firstName?: string | null; lastHealthAt?: number | null },
      now: number,
    ): void {
      patch(id, profile, now);
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
