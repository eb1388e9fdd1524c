import type { Logger } from 'pino';
import { assignIdentity, type AccountIdentity, type IdentityRequest } from './account-identity.js';
import type { AccountStore } from './account-store.js';
import { storedDeviceProfile, type DeviceProfile } from './clients/device-profile.js';
import type { AppCredentials } from './clients/telegram-client.js';
import type { SessionCipher } from './options.js';
import { parsePhone } from './phone.js';

/** Logins under way whose identity is held for them (see `forLogin`). */
const MAX_PROPOSED = 64;

export interface IdentityRegistryOptions {
  readonly accounts: AccountStore;
  /** The configured app credentials new accounts take in turn. */
  readonly credentials: readonly AppCredentials[];
  /** Encrypts the API hashes; without one no credential is stored. */
  readonly cipher: SessionCipher | undefined;
  readonly random: () => number;
  readonly now: () => number;
  readonly logger: Logger;
}

/**
 * Which device profile and app credential each account presents (README, Accounts: device and app
 * credential): the stored ones of registered accounts, and the ones held for logins under way, so that new
 * accounts take turns after all of them.
 */
export class IdentityRegistry {
  readonly #options: IdentityRegistryOptions;
  readonly #proposed = new Map<string, AccountIdentity>();

  constructor(options: IdentityRegistryOptions) {
    this.#options = options;
  }

  /** The identity a new account is given: the request's parts where it has them, the rest assigned now. */
  forNewAccount(request: IdentityRequest): { readonly device: DeviceProfile; readonly credentials: AppCredentials | undefined } {
    const { credentials, random } = this.#options;
    return assignIdentity(request, credentials, this.#assignedSoFar(), random);
  }

  /** The account of `phone` is registered now: a login's held identity is its own. */
  registered(phone: string): void {
    this.#proposed.delete(phone);
  }

  /**
   * The credential and device a login of `phone` must use: the account's own when it is registered, else
   * the ones `forNewAccount` will give it, held for it until it is added (logins under way take turns like
   * accounts). Undefined when no credential is configured or stored.
   */
  forLogin(phone: string): AccountIdentity | undefined {
    const { accounts, cipher } = this.#options;
    const parsed = parsePhone(phone);
    if (!parsed.ok) return undefined;
    const row = accounts.byPhone(parsed.phone);
    if (row) {
      const device = storedDeviceProfile(row.device);
      if (row.apiId === null || !row.apiHashEnc || !device || !cipher) return undefined;
      return { device, credentials: { apiId: row.apiId, apiHash: cipher.decrypt(row.apiHashEnc) } };
    }
    const held = this.#proposed.get(parsed.phone);
    if (held) return held;
    const proposed = this.propose();
    if (!proposed) return undefined;
    // Logins that never finish leave their proposal behind: keep only the latest few.
    if (this.#proposed.size >= MAX_PROPOSED) this.#proposed.delete(this.#proposed.keys().next().value as string);
    this.#proposed.set(parsed.phone, proposed);
    return proposed;
  }

  /** `forNewAccount` as a whole identity; undefined when no credential is configured and the request has none. */
  propose(request: IdentityRequest = {}): AccountIdentity | undefined {
    const { device, credentials } = this.forNewAccount(request);
    return credentials ? { device, credentials } : undefined;
  }

  /**
   * Gives the accounts stored before devices and credentials were (or without them) theirs, once: a
   * catalogue profile, and the next configured credential when the hash can be encrypted.
   */
  completeStored(): void {
    const { accounts, credentials, cipher, random, now, logger } = this.#options;
    const assigned = accounts.identities();
    assigned.forEach((mine, i) => {
      const missingCredentials = mine.apiId === null && credentials.length > 0 && cipher !== undefined;
      if (mine.device && !missingCredentials) return;
      const fresh = assignIdentity({ device: mine.device ?? undefined }, missingCredentials ? credentials : [], assigned, random);
      if (!mine.device) accounts.setDevice(mine.id, fresh.device, now());
      if (missingCredentials && fresh.credentials && cipher) {
        accounts.setCredentials(mine.id, { apiId: fresh.credentials.apiId, apiHashEnc: cipher.encrypt(fresh.credentials.apiHash) }, now());
      }
      assigned[i] = { id: mine.id, apiId: fresh.credentials?.apiId ?? mine.apiId, device: fresh.device };
      logger.info({ accountId: mine.id, apiId: assigned[i]!.apiId, deviceModel: fresh.device.deviceModel }, 'account given its device and app credential');
    });
  }

  /** The identities of the registry and of the logins under way, which new ones take turns after. */
  #assignedSoFar(): { apiId: number | null; device: DeviceProfile | null }[] {
    const held = [...this.#proposed.values()].map((p) => ({ apiId: p.credentials.apiId, device: p.device }));
    return [...this.#options.accounts.identities(), ...held];
  }
}
