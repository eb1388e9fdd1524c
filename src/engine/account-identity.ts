import { pickDeviceProfile } from './clients/device-catalogue.js';
import type { DeviceProfile } from './clients/device-profile.js';
import type { AppCredentials } from './clients/telegram-client.js';

/**
 * How an account presents itself to Telegram, for good: its device profile and its app credential.
 * Telegram ties an auth key to the api_id that created it, and a device that changes looks like a new
 * session, so both are chosen once (README, Accounts: device and app credential) and never changed.
 */
export interface AccountIdentity {
  readonly device: DeviceProfile;
  readonly credentials: AppCredentials;
}

/** What a request may bring of its own (an imported session's sidecar); it wins over anything assigned. */
export interface IdentityRequest {
  readonly device?: DeviceProfile | undefined;
  readonly credentials?: AppCredentials | undefined;
}

/**
 * The credential a new account takes: the configured one used by the fewest accounts, the first in the
 * list among equals, so that accounts take the credentials in turn. `inUse` lists the api ids of the
 * accounts already registered. Undefined when none is configured.
 */
export function nextCredentials(pool: readonly AppCredentials[], inUse: readonly number[]): AppCredentials | undefined {
  const counts = new Map<number, number>();
  for (const apiId of inUse) counts.set(apiId, (counts.get(apiId) ?? 0) + 1);
  let best: AppCredentials | undefined;
  let bestCount = Infinity;
  for (const credentials of pool) {
    const count = counts.get(credentials.apiId) ?? 0;
    if (count < bestCount) {
      best = credentials;
      bestCount = count;
    }
  }
  return best;
}

/** What the registry already holds: each account's api id and device, where it has them. */
export interface AssignedSoFar {
  readonly apiId: number | null;
  readonly device: DeviceProfile | null;
}

/** How many draws a new profile gets to differ from every profile in use (the catalogue has hundreds). */
const DRAWS = 8;

const sameProfile = (a: DeviceProfile, b: DeviceProfile) =>
  a.deviceModel === b.deviceModel && a.systemVersion === b.systemVersion && a.appVersion === b.appVersion && a.langCode === b.langCode && a.systemLangCode === b.systemLangCode;

/** A catalogue profile that no account in `inUse` has (a fleet that says the same thing twice looks like one). */
export function freshDeviceProfile(inUse: readonly DeviceProfile[], random: () => number): DeviceProfile {
  let profile = pickDeviceProfile(random);
  for (let draw = 1; draw < DRAWS && inUse.some((used) => sameProfile(used, profile)); draw += 1) profile = pickDeviceProfile(random);
  return profile;
}

/**
 * The identity of a new account: the request's device and credential where it has them, else a fresh
 * catalogue profile and the next credential of `pool`. `credentials` is undefined only when the request has
 * none and the pool is empty.
 */
export function assignIdentity(
  request: IdentityRequest,
  pool: readonly AppCredentials[],
  accounts: readonly AssignedSoFar[],
  random: () => number,
): { readonly device: DeviceProfile; readonly credentials: AppCredentials | undefined } {
  const device = request.device ?? freshDeviceProfile(accounts.flatMap((a) => (a.device ? [a.device] : [])), random);
  const credentials = request.credentials ?? nextCredentials(pool, accounts.flatMap((a) => (a.apiId === null ? [] : [a.apiId])));
  return { device, credentials };
}
