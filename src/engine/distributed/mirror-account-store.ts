import type { BudgetRow, BudgetsRepository } from '../../db/repositories/budgets.js';
import type { AccountRow } from '../../db/schema.js';
import type { AccountHealth, AccountStore, NewAccount, StoredIdentity } from '../account-store.js';
import { storedDeviceProfile, type DeviceProfile } from '../clients/device-profile.js';
import type { AccountState } from '../types.js';
import type { WriteBehind } from './write-behind.js';

/** Where a worker's account and budget changes go (PostgreSQL through the SQL port, fenced by the account's lease). */
export interface AccountWrites {
  patchAccount(id: number, fields: Partial<AccountRow>, now: number): Promise<void>;
  saveBudget(row: BudgetRow): Promise<void>;
  /** Deletes the account (an admin removed it at the panel, which asked this worker, its holder). */
  deleteAccount(id: number): Promise<void>;
}

/** An account change a worker may not make: accounts are added by the panel. */
export class PanelOnlyError extends Error {
  override readonly name = 'PanelOnlyError';
  constructor(readonly action: string) {
    super(`${action} is done by the panel, not by a worker (docs/several-processes.md)`);
  }
}

/** The write-behind lane of an account's writes (its row and its budget counters): in order among themselves. */
const accountLane = (id: number): string => `account:${id}`;

/**
 * The accounts a worker holds, in memory, with every change written behind to the shared database in order, each
 * account's writes in a lane of their own (docs/several-processes.md). The lease holder is the only writer of an account's run-time fields (state, health,
 * cooldown, last error), so its memory is the truth for them while it holds the lease; the panel's changes (pause,
 * proxy, session) reach it as a fresh row (`load`).
 */
export class MirrorAccounts {
  readonly #rows = new Map<number, AccountRow>();
  readonly #budgets = new Map<number, BudgetRow[]>();
  /** The removals written behind, by account, until they are asked for ({@link removal}). */
  readonly #removals = new Map<number, Promise<boolean>>();
  readonly #writes: WriteBehind;
  readonly #sink: AccountWrites;

  constructor(writes: WriteBehind, sink: AccountWrites) {
    this.#writes = writes;
    this.#sink = sink;
  }

  /** Holds the account's row and budget counters as the database has them (on taking its lease, or a panel change). */
  load(row: AccountRow, budgets: readonly BudgetRow[]): void {
    this.#rows.set(row.id, structuredClone(row));
    this.#budgets.set(row.id, budgets.map((b) => ({ ...b })));
  }

  /** Lets go of an account this worker no longer holds. */
  forget(id: number): void {
    this.#rows.delete(id);
    this.#budgets.delete(id);
  }

  /** The engine's AccountStore over the held rows. */
  readonly store: AccountStore = {
    insert: (_account: NewAccount): AccountRow => {
      throw new PanelOnlyError('adding an account');
    },
    get: (id) => this.#copy(this.#rows.get(id)),
    byPhone: (phone) => this.#copy([...this.#rows.values()].find((row) => row.phone === phone)),
    list: () => [...this.#rows.values()].sort((a, b) => a.id - b.id).map((row) => structuredClone(row)),
    identities: () =>
      [...this.#rows.values()].sort((a, b) => a.id - b.id).map((row) => ({ id: row.id, apiId: row.apiId, device: storedDeviceProfile(row.device) })),
    setState: (id: number, state: AccountState, now: number) => this.#patch(id, { state }, now),
    setPaused: (id: number, paused: boolean, now: number) => this.#patch(id, { paused }, now),
    setHealth: (id: number, health: AccountHealth, reason: string | null, now: number) => this.#patch(id, { health, stateReason: reason }, now),
    setCooldown: (id: number, until: number | null, now: number) => this.#patch(id, { cooldownUntil: until }, now),
    setSession: (id: number, sessionEnc: string | null, now: number) => this.#patch(id, { sessionEnc }, now),
    setProxy: (id: number, proxy: { readonly enc: string; readonly host: string } | null, now: number) =>
      this.#patch(id, { proxyEnc: proxy?.enc ?? null, proxyHost: proxy?.host ?? null, proxy: null }, now),
    // Legacy plaintext proxies are moved by the panel at its start; a worker never sees one to move.
    withLegacyProxy: () => [],
    setProfile: (id, profile, now) => this.#patch(id, profile, now),
    setCredentials: (id: number, credentials: StoredIdentity, now: number) => this.#patch(id, { apiId: credentials.apiId, apiHashEnc: credentials.apiHashEnc }, now),
    setDevice: (id: number, device: DeviceProfile, now: number) => this.#patch(id, { device: { ...device } }, now),
    setCheck: (id, check, nextCheckAt, now) => this.#patch(id, { spamVerdict: check.verdict, spamUntil: check.until, checkedAt: check.checkedAt, nextCheckAt }, now),
    setNextCheck: (id: number, nextCheckAt: number | null, now: number) => this.#patch(id, { nextCheckAt }, now),
    setLastError: (id: number, lastError: string | null, now: number) => this.#patch(id, { lastError }, now),
    // Behind every earlier write, of any lane: the ends of its operations (each in its operation's lane) and its own
    // row's writes land before its row goes.
    delete: (id: number): void => {
      if (!this.#rows.has(id)) return;
      this.forget(id);
      this.#removals.set(id, this.#writes.pushAfterAll(`removal of account #${id}`, () => this.#sink.deleteAccount(id), accountLane(id)));
    },
  };

  /**
   * Resolves once the removal of the account's row was written (true) or refused (false: the lease was lost first,
   * or the database refused it); undefined when no removal was made.
   */
  removal(id: number): Promise<boolean> | undefined {
    const removal = this.#removals.get(id);
    this.#removals.delete(id);
    return removal;
  }

  /** The engine's budget counters of the held accounts. */
  readonly budgets: BudgetsRepository = {
    forAccount: (accountId) => (this.#budgets.get(accountId) ?? []).map((row) => ({ ...row })),
    save: (row) => {
      const rows = this.#budgets.get(row.accountId);
      if (rows === undefined) return;
      const at = rows.findIndex((r) => r.action === row.action);
      if (at >= 0) rows[at] = { ...row };
      else rows.push({ ...row });
      const saved = { ...row };
      void this.#writes.push(`budget of account #${row.accountId}`, () => this.#sink.saveBudget(saved), accountLane(row.accountId));
    },
  };

  /** A deep copy: rows hold JSON objects (the device profile, a legacy proxy) that a shallow one would share. */
  #copy(row: AccountRow | undefined): AccountRow | undefined {
    return row === undefined ? undefined : structuredClone(row);
  }

  #patch(id: number, fields: Partial<AccountRow>, now: number): void {
    const row = this.#rows.get(id);
    if (row === undefined) return;
    // A field left undefined is not given (as the accounts repository reads a patch): the stored value stays. The
    // change is copied, once for the row and once for the write, so the caller may reuse what it passed.
    const given = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<AccountRow>;
    Object.assign(row, structuredClone(given), { updatedAt: now });
    const written = structuredClone(given);
    void this.#writes.push(`account #${id}`, () => this.#sink.patchAccount(id, written, now), accountLane(id));
  }
}
