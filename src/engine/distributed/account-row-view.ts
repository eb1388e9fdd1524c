import type { AccountRow } from '../../db/schema.js';
import type { SessionCipher } from '../../db/session-crypto.js';
import { storedDeviceProfile } from '../clients/device-profile.js';
import { parseProxyUrl } from '../proxy-url.js';
import type { Account, AccountProxy, AccountState } from '../types.js';

/**
 * An account as the panel of a fleet shows it from its row alone, when no worker has told of it since the panel
 * started (docs/several-processes.md): what the row stores, with no operation running or waiting on it. The worker
 * that holds an account sends its live view with each change of state, and that view wins while it is fresh.
 */
export function accountFromRow(row: AccountRow, now: number, cipher: SessionCipher | undefined): Account {
  const cooling = row.cooldownUntil !== null && row.cooldownUntil > now;
  return {
    id: row.id,
    phone: row.phone,
    label: row.label,
    state: row.state as AccountState,
    paused: row.paused,
    cooldownUntil: cooling ? row.cooldownUntil : null,
    stateReason: row.stateReason,
    lastError: row.lastError,
    telegramUserId: row.telegramUserId,
    username: row.username,
    firstName: row.firstName,
    load: 0,
    running: null,
    queued: 0,
    monitors: 0,
    opsTotal: row.opsTotal,
    opsFailed: row.opsFailed,
    floodWaits: row.floodWaits,
    apiId: row.apiId,
    device: storedDeviceProfile(row.device),
    proxy: proxyOf(row, cipher),
    check:
      row.checkedAt !== null && (row.spamVerdict === 'free' || row.spamVerdict === 'limited')
        ? { verdict: row.spamVerdict, until: row.spamUntil, checkedAt: row.checkedAt }
        : null,
    nextCheckAt: row.nextCheckAt,
    budgets: [],
  };
}

/** The proxy's kind and address: its URL is stored encrypted, and only `host:port` is stored in the clear. */
function proxyOf(row: AccountRow, cipher: SessionCipher | undefined): AccountProxy | null {
  if (row.proxyEnc === null || row.proxyHost === null) return null;
  if (cipher === undefined) return null;
  try {
    const parsed = parseProxyUrl(cipher.decrypt(row.proxyEnc));
    return parsed.ok ? { scheme: parsed.proxy.scheme, address: row.proxyHost } : null;
  } catch {
    // A proxy sealed with another SESSION_SECRET: the worker that connects the account reports the failure.
    return null;
  }
}
