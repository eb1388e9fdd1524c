// Session files and strings as the other tools write them, built here from their published layouts (the
// readers in src/sessions cite them), so the tests need no files made elsewhere.
import { createHash, randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { zipSync, type Zippable } from 'fflate';
import { encryptLocal, passcodeKey } from '../../src/sessions/tdata-crypto.js';
import { dataName, MTP_AUTHORIZATION_BLOCK, TDF_MAGIC, tdataFileName } from '../../src/sessions/tdata.js';

/** A recognisable 256-byte key: `seed` repeated through SHA-256. */
export function testKey(seed: string): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < 8; i++) parts.push(createHash('sha256').update(`${seed}|${i}`).digest());
  return Buffer.concat(parts);
}

/** Telethon's StringSession.save(): '1' + urlsafe-base64('>B4sH256s'). */
export function telethonString(dcId: number, ip: string, port: number, key: Buffer): string {
  const packed = Buffer.alloc(1 + 4 + 2 + key.length);
  packed[0] = dcId;
  ip.split('.').forEach((part, i) => (packed[1 + i] = Number(part)));
  packed.writeUInt16BE(port, 5);
  key.copy(packed, 7);
  return `1${packed.toString('base64url')}${'='.repeat((4 - (packed.toString('base64url').length % 4)) % 4)}`;
}

/** Pyrogram 2's export_session_string(): urlsafe-base64 of '>BI?256sQ?' without padding. */
export function pyrogramString(dcId: number, key: Buffer, userId: number, options: { apiId?: number; testMode?: boolean; isBot?: boolean } = {}): string {
  const packed = Buffer.alloc(271);
  packed[0] = dcId;
  packed.writeUInt32BE(options.apiId ?? 12345, 1);
  packed[5] = options.testMode ? 1 : 0;
  key.copy(packed, 6);
  packed.writeBigUInt64BE(BigInt(userId), 262);
  packed[270] = options.isBot ? 1 : 0;
  return packed.toString('base64url');
}

/** GramJS's StringSession.save(): '1' + base64(dc, address length, address, port, key). */
export function gramjsString(dcId: number, address: string, port: number, key: Buffer): string {
  const addr = Buffer.from(address, 'latin1');
  const packed = Buffer.alloc(1 + 2 + addr.length + 2 + key.length);
  packed[0] = dcId;
  packed.writeUInt16BE(addr.length, 1);
  addr.copy(packed, 3);
  packed.writeUInt16BE(port, 3 + addr.length);
  key.copy(packed, 5 + addr.length);
  return `1${packed.toString('base64')}`;
}

/** A Telethon .session file (telethon/sessions/sqlite.py's tables, version 7). */
export function telethonFile(dcId: number, address: string, port: number, key: Buffer): Buffer {
  const db = new Database(':memory:');
  db.exec(`
    create table version (version integer primary key);
    create table sessions (dc_id integer primary key, server_address text, port integer, auth_key blob, takeout_id integer);
    create table entities (id integer primary key, hash integer not null, username text, phone integer, name text, date integer);
    create table sent_files (md5_digest blob, file_size integer, type integer, id integer, hash integer, primary key(md5_digest, file_size, type));
    create table update_state (id integer primary key, pts integer, qts integer, date integer, seq integer);
    insert into version values (7);
  `);
  db.prepare('insert into sessions values (?, ?, ?, ?, null)').run(dcId, address, port, key);
  const bytes = db.serialize();
  db.close();
  return bytes;
}

/** A Pyrogram .session file (pyrogram/storage/sqlite_storage.py SCHEMA, version 3). */
export function pyrogramFile(dcId: number, key: Buffer, userId: number, options: { testMode?: boolean; isBot?: boolean } = {}): Buffer {
  const db = new Database(':memory:');
  db.exec(`
    create table sessions (dc_id integer primary key, api_id integer, test_mode integer, auth_key blob, date integer not null, user_id integer, is_bot integer);
    create table peers (id integer primary key, access_hash integer, type integer not null, username text, phone_number text, last_update_on integer not null default (cast(strftime('%s', 'now') as integer)));
    create table version (number integer primary key);
    insert into version values (3);
  `);
  db.prepare('insert into sessions values (?, ?, ?, ?, 0, ?, ?)').run(dcId, 12345, options.testMode ? 1 : 0, key, userId, options.isBot ? 1 : 0);
  const bytes = db.serialize();
  db.close();
  return bytes;
}

function tdf(data: Buffer): Buffer {
  const version = Buffer.alloc(4);
  version.writeInt32LE(5008003, 0);
  const size = Buffer.alloc(4);
  size.writeInt32LE(data.length, 0);
  const md5 = createHash('md5').update(Buffer.concat([data, size, version, TDF_MAGIC])).digest();
  return Buffer.concat([TDF_MAGIC, version, data, md5]);
}

const qByteArray = (bytes: Buffer) => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length, 0);
  return Buffer.concat([length, bytes]);
};

const int32 = (value: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(value, 0);
  return b;
};

export interface TdataAccountFixture {
  readonly dcId: number;
  readonly key: Buffer;
  readonly userId: number;
}

/**
 * A tdata folder's files, as Telegram Desktop writes them (mtcute's convert package writes the same:
 * Tdata.writeKeyData, writeMtpAuthorization, writeEmptyMapFile): key_datas, and per account its
 * `<name>s` authorization file and its `<name>/maps` file.
 */
export function tdataFiles(accounts: readonly TdataAccountFixture[], passcode = ''): Map<string, Buffer> {
  const localKey = randomBytes(256);
  const files = new Map<string, Buffer>();
  const info = Buffer.concat([int32(accounts.length), ...accounts.map((_, i) => int32(i)), int32(0)]);
  const salt = randomBytes(32);
  const keyData = Buffer.concat([
    qByteArray(salt),
    qByteArray(encryptLocal(localKey, passcodeKey(salt, passcode), randomBytes)),
    qByteArray(encryptLocal(info, localKey, randomBytes)),
  ]);
  files.set('key_datas', tdf(keyData));
  accounts.forEach((account, i) => {
    const userId = Buffer.alloc(8);
    userId.writeBigInt64BE(BigInt(account.userId), 0);
    const auth = Buffer.concat([int32(-1), int32(-1), userId, int32(account.dcId), int32(1), int32(account.dcId), account.key, int32(0)]);
    const settings = Buffer.concat([int32(MTP_AUTHORIZATION_BLOCK), qByteArray(auth)]);
    const name = tdataFileName(dataName(i));
    files.set(`${name}s`, tdf(qByteArray(encryptLocal(settings, localKey, randomBytes))));
    files.set(`${name}/maps`, tdf(Buffer.concat([qByteArray(Buffer.alloc(0)), qByteArray(Buffer.alloc(0)), qByteArray(encryptLocal(Buffer.alloc(0), localKey, randomBytes))])));
  });
  return files;
}

/** A zip archive of `entries` (path → bytes). */
export function zipOf(entries: Iterable<readonly [string, Uint8Array]>, options: { level?: 0 | 1 | 6 } = {}): Buffer {
  const tree: Zippable = {};
  for (const [name, bytes] of entries) tree[name] = [bytes, { level: options.level ?? 6 }];
  return Buffer.from(zipSync(tree));
}

/** A zipped tdata folder, under `tdata/` as people zip it. */
export function tdataZip(accounts: readonly TdataAccountFixture[], passcode = ''): Buffer {
  return zipOf([...tdataFiles(accounts, passcode)].map(([name, bytes]) => [`tdata/${name}`, bytes] as const));
}
