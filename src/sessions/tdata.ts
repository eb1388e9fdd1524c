import { createHash } from 'node:crypto';
import { importedSession, type ImportedSession } from './imported-session.js';
import { SessionReadError } from './session-read-error.js';
import { decryptLocal, passcodeKey } from './tdata-crypto.js';

// Telegram Desktop's tdata folder, as tdesktop writes it and mtcute's convert package reads it
// (packages/convert/src/tdesktop/tdata.ts and docs.md):
// - every file is 'TDF$', a version (int32 LE), the data, and MD5(data, size int32 LE, version, 'TDF$');
//   a name is stored as NAME + 's' (older versions: NAME0/NAME1);
// - `key_datas` holds a salt, the local key encrypted with the passcode key, and the account list
//   (count, each account's index, the active one) encrypted with the local key;
// - account i's data name is 'data' (i = 0) or 'data#<i+1>'; its file name is the first 8 bytes of the
//   name's MD5 in hex with each byte's nibbles swapped ('data' → D877F783D5D3EF8C); the file `<that>s`
//   holds, encrypted with the local key, the MTP authorization block (0x4B): the user id, the main DC and
//   the auth key of each DC.

export const TDF_MAGIC = Buffer.from('TDF$', 'latin1');
/** dbiMtpAuthorization in tdesktop's storage_settings_scheme.h. */
export const MTP_AUTHORIZATION_BLOCK = 0x4b;
/** tdesktop supports at most this many accounts per tdata folder (Main::Domain::kMaxAccounts is 3; premium 6). */
const MAX_ACCOUNTS = 6;

export const isTdf = (bytes: Uint8Array): boolean => bytes.length >= 4 && Buffer.from(bytes.subarray(0, 4)).equals(TDF_MAGIC);

/** What one account of a tdata folder gave: its session, or why not. */
export type TdataAccount = { readonly ok: true; readonly index: number; readonly session: ImportedSession } | { readonly ok: false; readonly index: number; readonly reason: string };

/** The file name tdesktop derives from a data name. */
export function tdataFileName(dataName: string): string {
  const md5 = createHash('md5').update(dataName, 'utf8').digest().subarray(0, 8);
  return [...md5].map((b) => ((b & 0x0f).toString(16) + (b >> 4).toString(16)).toUpperCase()).join('');
}

export const dataName = (index: number): string => (index === 0 ? 'data' : `data#${index + 1}`);

/** A reader over big-endian Qt streams that throws SessionReadError at the end of its bytes. */
class QtReader {
  #at = 0;
  constructor(
    readonly bytes: Buffer,
    readonly what: string,
  ) {}

  #need(n: number): void {
    if (this.#at + n > this.bytes.length) throw new SessionReadError(`its ${this.what} is cut short`, 'tdata');
  }

  int32(): number {
    this.#need(4);
    const value = this.bytes.readInt32BE(this.#at);
    this.#at += 4;
    return value;
  }

  uint32(): number {
    this.#need(4);
    const value = this.bytes.readUInt32BE(this.#at);
    this.#at += 4;
    return value;
  }

  int64(): bigint {
    this.#need(8);
    const value = this.bytes.readBigInt64BE(this.#at);
    this.#at += 8;
    return value;
  }

  bytesOf(n: number): Buffer {
    this.#need(n);
    const value = this.bytes.subarray(this.#at, this.#at + n);
    this.#at += n;
    return value;
  }

  /** A QByteArray: uint32 length (0xFFFFFFFF for null), then the bytes. */
  byteArray(): Buffer {
    const length = this.uint32();
    return length === 0xffffffff ? Buffer.alloc(0) : this.bytesOf(length);
  }
}

/** The data of a TDF file stored under `name` (NAMEs, else NAME1 or NAME0), checked against its MD5. */
function readTdf(files: ReadonlyMap<string, Buffer>, name: string): Buffer {
  const candidates = [`${name}s`, `${name}1`, `${name}0`].flatMap((n) => {
    const file = files.get(n);
    return file ? [file] : [];
  });
  if (candidates.length === 0) throw new SessionReadError(`the file ${name}s is missing`, 'tdata');
  for (const file of candidates) {
    if (file.length < 24 || !isTdf(file)) continue;
    const version = file.subarray(4, 8);
    const data = file.subarray(8, file.length - 16);
    const size = Buffer.alloc(4);
    size.writeInt32LE(data.length, 0);
    const md5 = createHash('md5').update(Buffer.concat([data, size, version, TDF_MAGIC])).digest();
    if (md5.equals(file.subarray(file.length - 16))) return data;
  }
  throw new SessionReadError(`the file ${name}s is damaged (its checksum does not match)`, 'tdata');
}

/** The local key and the accounts' indexes, from key_datas; a wrong passcode is told apart from damage. */
function readKeyData(files: ReadonlyMap<string, Buffer>, passcode: string): { localKey: Buffer; indexes: number[] } {
  const reader = new QtReader(readTdf(files, 'key_data'), 'key_datas');
  const salt = reader.byteArray();
  const keyEncrypted = reader.byteArray();
  const infoEncrypted = reader.byteArray();
  const localKey = decryptLocal(keyEncrypted, passcodeKey(salt, passcode));
  if (!localKey) {
    throw new SessionReadError(
      passcode === ''
        ? 'it has a local passcode: send it again with the caption /import PASSCODE'
        : 'the local passcode is wrong',
      'tdata',
    );
  }
  const info = decryptLocal(infoEncrypted, localKey);
  if (!info) throw new SessionReadError('its account list cannot be decrypted (key_datas is damaged)', 'tdata');
  const list = new QtReader(info, 'account list');
  const count = list.int32();
  if (count < 1 || count > MAX_ACCOUNTS) throw new SessionReadError(`its account list names ${count} accounts`, 'tdata');
  const indexes: number[] = [];
  for (let i = 0; i < count; i++) {
    const index = list.int32();
    if (index < 0 || index >= 100) throw new SessionReadError('its account list is damaged', 'tdata');
    indexes.push(index);
  }
  return { localKey, indexes };
}

function readAccount(files: ReadonlyMap<string, Buffer>, localKey: Buffer, index: number): ImportedSession {
  const outer = new QtReader(readTdf(files, tdataFileName(dataName(index))), 'account file');
  const settings = decryptLocal(outer.byteArray(), localKey);
  if (!settings) throw new SessionReadError('its account file cannot be decrypted (damaged)', 'tdata');
  const block = new QtReader(settings, 'account file');
  const id = block.int32();
  if (id !== MTP_AUTHORIZATION_BLOCK) throw new SessionReadError('its account file holds no authorization (this tdata is logged out)', 'tdata');
  const auth = new QtReader(block.byteArray(), 'authorization');
  const legacyUser = auth.int32();
  const legacyDc = auth.int32();
  let userId: number;
  let mainDc: number;
  if (legacyUser === -1 && legacyDc === -1) {
    userId = Number(auth.int64());
    mainDc = auth.int32();
  } else {
    userId = legacyUser;
    mainDc = legacyDc;
  }
  const count = auth.uint32();
  if (count > 16) throw new SessionReadError('its authorization is damaged', 'tdata');
  for (let i = 0; i < count; i++) {
    const dc = auth.int32();
    const key = auth.bytesOf(256);
    if (dc === mainDc) return importedSession('tdata', { dcId: dc, authKey: key, ...(userId > 0 ? { userId } : {}) });
  }
  throw new SessionReadError(`it holds no auth key for its main data center ${mainDc}`, 'tdata');
}

/**
 * Reads every account of a tdata folder (files by their name inside the folder). Throws SessionReadError
 * when the folder as a whole cannot be read (no key_datas, wrong passcode); an account that cannot be read
 * is reported in its place.
 */
export function readTdata(files: ReadonlyMap<string, Buffer>, passcode = ''): TdataAccount[] {
  const { localKey, indexes } = readKeyData(files, passcode);
  return indexes.map((index): TdataAccount => {
    try {
      return { ok: true, index, session: readAccount(files, localKey, index) };
    } catch (error) {
      if (error instanceof SessionReadError) return { ok: false, index, reason: error.message };
      throw error;
    }
  });
}
