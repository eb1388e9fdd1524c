import { createHash } from 'node:crypto';
import { phoneDigits, type WorldAccount } from './world-file.js';

/** Telegram's production data centers are numbered 1 to 5. */
export const DATA_CENTERS = [1, 2, 3, 4, 5] as const;

/** Bytes in an MTProto auth key (2048 bits: https://core.telegram.org/mtproto/auth_key). */
export const AUTH_KEY_BYTES = 256;

/**
 * The auth key a logged-in session of `account` holds on data center `dc`: the world file's `authKey` on
 * the account's home DC, else one derived from the phone and the DC. Derived keys are what a login in the
 * sandbox hands out, so session strings saved after a login stay valid when the sandbox restarts.
 */
export function authKeyOf(account: Pick<WorldAccount, 'phone' | 'authKey' | 'dc'>, dc: number): Buffer {
  if (account.authKey !== undefined && dc === account.dc) return Buffer.from(account.authKey, 'hex');
  // DC 4 keeps the derivation of earlier versions (they logged every account in on DC 4), so their saved
  // sessions stay valid.
  const label = dc === 4 ? phoneDigits(account.phone) : `${phoneDigits(account.phone)}|dc${dc}`;
  const parts: Buffer[] = [];
  for (let i = 0; i < AUTH_KEY_BYTES / 32; i++) parts.push(createHash('sha256').update(`switchboard-sandbox-auth|${label}|${i}`).digest());
  return Buffer.concat(parts);
}
