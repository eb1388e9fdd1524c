import type { AccountsRepository } from '../../db/repositories/accounts.js';
import type { SessionCipher } from '../../db/session-crypto.js';
import { assignIdentity, type AccountIdentity, type AssignedSoFar, type IdentityRequest } from '../account-identity.js';
import { storedDeviceProfile } from '../clients/device-profile.js';
import type { AppCredentials } from '../clients/telegram-client.js';
import { parsePhone } from '../phone.js';

/** Logins under way whose identity is held for them (as in one process: identity-registry.ts). */
const MAX_PROPOSED = 64;

export interface PanelIdentitiesOptions {
  readonly accounts: Pick<AccountsRepository, 'byPhone' | 'identities'>;
  /** The configured app credentials new accounts take in turn. */
  readonly credentials: readonly AppCredentials[];
  /** Opens the stored API hashes (SESSION_SECRET). */
  readonly cipher: SessionCipher;
  readonly random: () => number;
}

/**
 * Which device and app credential a login or an import on a panel presents, as the IdentityRegistry of one process
 * decides it but over the shared database: a registered account's own, else the turn of a new account, held for a
 * login of that phone until the account is added (logins under way take turns like accounts). Telegram ties an auth
 * key to the api_id that created it, so the account keeps what its login presented (README, Accounts).
 */
export class PanelIdentities {
  readonly #o: PanelIdentitiesOptions;
  readonly #proposed = new Map<string, AccountIdentity>();

  constructor(options: PanelIdentitiesOptions) {
    this.#o = options;
  }

  /** What the registry holds, and the logins under way here: a new account takes its turn after all of them. */
  async assignedSoFar(): Promise<AssignedSoFar[]> {
    const proposed = [...this.#proposed.values()].map((p) => ({ apiId: p.credentials.apiId, device: p.device }));
    return [...(await this.#o.accounts.identities()), ...proposed];
  }

  /** The account of `phone` is registered now: a login's held identity is its own. */
  registered(phone: string): void {
    this.#proposed.delete(phone);
  }

  /** A registered account's own identity, else one held for the login of `phone`; undefined without a credential. */
  async forLogin(phone: string): Promise<AccountIdentity | undefined> {
    const parsed = parsePhone(phone);
    if (!parsed.ok) return undefined;
    const row = await this.#o.accounts.byPhone(parsed.phone);
    if (row) {
      const device = storedDeviceProfile(row.device);
      if (row.apiId === null || !row.apiHashEnc || !device) return undefined;
      return { device, credentials: { apiId: row.apiId, apiHash: this.#o.cipher.decrypt(row.apiHashEnc) } };
    }
    const held = this.#proposed.get(parsed.phone);
    if (held) return held;
    const proposed = await this.propose();
    if (!proposed) return undefined;
    // Logins that never finish leave their proposal behind: keep only the latest few.
    if (this.#proposed.size >= MAX_PROPOSED) this.#proposed.delete(this.#proposed.keys().next().value as string);
    this.#proposed.set(parsed.phone, proposed);
    return proposed;
  }

  /** The identity a new account is given: the request's parts where it has them, the rest assigned now. */
  async forNewAccount(request: IdentityRequest): Promise<ReturnType<typeof assignIdentity>> {
    return assignIdentity(request, this.#o.credentials, await this.assignedSoFar(), this.#o.random);
  }

  /** `forNewAccount` as a whole identity; undefined when no credential is configured and the request has none. */
  async propose(request: IdentityRequest = {}): Promise<AccountIdentity | undefined> {
    const { device, credentials } = await this.forNewAccount(request);
    return credentials ? { device, credentials } : undefined;
  }
}
