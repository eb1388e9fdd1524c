import { isIP } from 'node:net';
import { AUTH_KEY_BYTES, importedSession, type ImportedSession } from './imported-session.js';
import { SessionReadError } from './session-read-error.js';

// The three string formats, as their libraries write them:
// - GramJS (telegram/sessions/StringSession.js, save()): '1' + base64(dc_id: 1 byte, address length: 2 bytes
//   big-endian, the address as text, port: 2 bytes big-endian, auth key: 256 bytes).
// - Telethon (telethon/sessions/string.py, StringSession.save()): '1' + urlsafe-base64(struct '>B{4|16}sH256s':
//   dc_id, the IPv4 or IPv6 address packed, port, auth key); 353 characters for IPv4.
// - Pyrogram (pyrogram/storage/storage.py, export_session_string()): urlsafe-base64 without padding of
//   struct '>BI?256sQ?' (dc_id, api_id, test_mode, auth_key, user_id, is_bot), 362 characters. Pyrogram
//   before 2.0 wrote '>B?256sI?' (351 characters) and '>B?256sQ?' (356); both are read too.

/** The version character GramJS and Telethon put before their base64. */
const VERSION = '1';
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
/** Shorter than any session string: a word this short is not one. */
export const MIN_SESSION_STRING = 100;

const PYROGRAM_LAYOUTS = [
  { chars: 362, bytes: 271, layout: '>BI?256sQ?', testAt: 5, keyAt: 6, userAt: 262, userBytes: 8, botAt: 270 },
  { chars: 351, bytes: 263, layout: '>B?256sI?', testAt: 1, keyAt: 2, userAt: 258, userBytes: 4, botAt: 262 },
  { chars: 356, bytes: 267, layout: '>B?256sQ?', testAt: 1, keyAt: 2, userAt: 258, userBytes: 8, botAt: 266 },
] as const;

function decodeBase64(text: string, format: string): Buffer {
  if (!BASE64.test(text)) throw new SessionReadError('it has characters no session string has', format);
  // Node's base64 decoder reads the standard and the URL-safe alphabets alike, with or without padding.
  return Buffer.from(text, 'base64');
}

function readGramJs(bytes: Buffer): ImportedSession | undefined {
  if (bytes.length < 3) return undefined;
  const length = bytes.readUInt16BE(1);
  if (bytes.length !== 1 + 2 + length + 2 + AUTH_KEY_BYTES) return undefined;
  const address = bytes.subarray(3, 3 + length).toString('latin1');
  if (!/^[A-Za-z0-9.:-]+$/.test(address)) return undefined;
  return importedSession('gramjs-string', {
    dcId: bytes[0] ?? 0,
    serverAddress: address,
    port: bytes.readUInt16BE(3 + length),
    authKey: bytes.subarray(5 + length),
  });
}

function formatIp(packed: Buffer): string {
  if (packed.length === 4) return [...packed].join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(packed.readUInt16BE(i).toString(16));
  return groups.join(':');
}

function readTelethon(bytes: Buffer): ImportedSession | undefined {
  const ipBytes = bytes.length === 1 + 4 + 2 + AUTH_KEY_BYTES ? 4 : bytes.length === 1 + 16 + 2 + AUTH_KEY_BYTES ? 16 : 0;
  if (ipBytes === 0) return undefined;
  const address = formatIp(bytes.subarray(1, 1 + ipBytes));
  if (isIP(address) === 0) return undefined;
  return importedSession('telethon-string', {
    dcId: bytes[0] ?? 0,
    serverAddress: address,
    port: bytes.readUInt16BE(1 + ipBytes),
    authKey: bytes.subarray(3 + ipBytes),
  });
}

function readPyrogram(text: string): ImportedSession | undefined {
  const layout = PYROGRAM_LAYOUTS.find((l) => l.chars === text.replace(/=+$/, '').length);
  if (!layout) return undefined;
  const bytes = decodeBase64(text, 'pyrogram-string');
  if (bytes.length !== layout.bytes) return undefined;
  if (bytes[layout.testAt] !== 0) throw new SessionReadError('it is a session of Telegram’s test servers, not of Telegram', 'pyrogram-string');
  if (bytes[layout.botAt] !== 0) throw new SessionReadError('it is a bot’s session; only user accounts can be added', 'pyrogram-string');
  const userId = layout.userBytes === 8 ? Number(bytes.readBigUInt64BE(layout.userAt)) : bytes.readUInt32BE(layout.userAt);
  return importedSession('pyrogram-string', {
    dcId: bytes[0] ?? 0,
    authKey: bytes.subarray(layout.keyAt, layout.keyAt + AUTH_KEY_BYTES),
    ...(userId > 0 ? { userId } : {}),
  });
}

/** Reads one session string in any of the three formats, told apart by their shape. */
export function readStringSession(input: string): ImportedSession {
  const text = input.trim();
  if (text.length < MIN_SESSION_STRING) throw new SessionReadError('it is too short to be a session string');
  if (text.length > 2048) throw new SessionReadError('it is too long to be a session string');
  if (text.startsWith(VERSION)) {
    const bytes = decodeBase64(text.slice(1), 'string');
    const session = readGramJs(bytes) ?? readTelethon(bytes);
    if (session) return session;
  }
  const pyrogram = readPyrogram(text);
  if (pyrogram) return pyrogram;
  throw new SessionReadError('it is not a GramJS, Telethon or Pyrogram session string (its length and layout fit none of them)');
}

/** The words of a message or text file that may be session strings (long ones; short words are chatter). */
export function sessionWords(text: string): string[] {
  return text.split(/\s+/).filter((word) => word.length >= MIN_SESSION_STRING);
}
