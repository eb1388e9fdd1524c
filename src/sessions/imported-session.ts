import { AuthKey } from 'telegram/crypto/AuthKey.js';
import { StringSession } from 'telegram/sessions/index.js';
import { DATA_CENTER_ADDRESSES, DATA_CENTER_PORT } from '../engine/clients/data-centers.js';
import type { DeviceProfile } from '../engine/clients/device-profile.js';
import type { AppCredentials } from '../engine/clients/telegram-client.js';
import { SessionReadError } from './session-read-error.js';

/** The formats /import reads (README, "Importing sessions"). */
export type SessionFormat = 'gramjs-string' | 'telethon-string' | 'pyrogram-string' | 'telethon-file' | 'pyrogram-file' | 'tdata';

/** Bytes in an MTProto auth key (2048 bits: https://core.telegram.org/mtproto/auth_key). */
export const AUTH_KEY_BYTES = 256;

/** What a Telethon `.json` sidecar adds to its session: how the account presented itself, and with which app. */
export interface Sidecar {
  readonly device?: DeviceProfile | undefined;
  readonly credentials?: AppCredentials | undefined;
  /** The phone the sidecar names, digits with a leading `+`. */
  readonly phone?: string | undefined;
}

/** One session, whatever format it came in. */
export interface ImportedSession {
  readonly format: SessionFormat;
  readonly dcId: number;
  readonly serverAddress: string;
  readonly port: number;
  readonly authKey: Buffer;
  /** The Telegram user id the session says it belongs to, when its format stores one. */
  readonly userId?: number | undefined;
  readonly sidecar?: Sidecar | undefined;
}

/**
 * A checked session: the key is 256 bytes and the DC is one of Telegram's. A format that stores no address
 * (Pyrogram, tdata) gets the DC's from the table.
 */
export function importedSession(
  format: SessionFormat,
  fields: { dcId: number; authKey: Buffer; serverAddress?: string | undefined; port?: number | undefined; userId?: number | undefined },
): ImportedSession {
  const { dcId, authKey } = fields;
  const known = DATA_CENTER_ADDRESSES[dcId];
  if (known === undefined) throw new SessionReadError(`it names data center ${dcId}, which Telegram does not have (it has 1 to 5)`, format);
  if (authKey.length !== AUTH_KEY_BYTES) throw new SessionReadError(`its auth key is ${authKey.length} bytes long, not ${AUTH_KEY_BYTES}`, format);
  if (authKey.every((b) => b === 0)) throw new SessionReadError('it holds no auth key (all zeros): it was never logged in', format);
  const port = fields.port ?? DATA_CENTER_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new SessionReadError(`its port ${port} is not a port`, format);
  return {
    format,
    dcId,
    serverAddress: fields.serverAddress ?? known,
    port,
    authKey: Buffer.from(authKey),
    ...(fields.userId === undefined ? {} : { userId: fields.userId }),
  };
}

/** The GramJS StringSession string of an imported session: what the panel stores and its clients load. */
export async function toStringSession(session: ImportedSession): Promise<string> {
  const string = new StringSession('');
  string.setDC(session.dcId, session.serverAddress, session.port);
  const key = new AuthKey();
  await key.setKey(session.authKey);
  string.setAuthKey(key);
  return string.save();
}

/** What a human-readable label calls the format. */
export const FORMAT_NAMES: Readonly<Record<SessionFormat, string>> = {
  'gramjs-string': 'GramJS string',
  'telethon-string': 'Telethon string',
  'pyrogram-string': 'Pyrogram string',
  'telethon-file': 'Telethon .session',
  'pyrogram-file': 'Pyrogram .session',
  tdata: 'Telegram Desktop tdata',
};
