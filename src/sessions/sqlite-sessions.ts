import Database from 'better-sqlite3';
import { importedSession, type ImportedSession } from './imported-session.js';
import { SessionReadError } from './session-read-error.js';

/** Every SQLite database file starts with this header (https://www.sqlite.org/fileformat.html#the_database_header). */
export const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

export const isSqlite = (bytes: Uint8Array): boolean => bytes.length >= 16 && Buffer.from(bytes.subarray(0, 16)).equals(SQLITE_MAGIC);

interface TelethonRow {
  dc_id: unknown;
  server_address: unknown;
  port: unknown;
  auth_key: unknown;
}

interface PyrogramRow {
  dc_id: unknown;
  test_mode: unknown;
  auth_key: unknown;
  user_id: unknown;
  is_bot: unknown;
}

const asNumber = (value: unknown): number => (typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : Number.NaN);
const asKey = (value: unknown): Buffer => (Buffer.isBuffer(value) ? value : Buffer.alloc(0));

/**
 * Reads a Telethon or a Pyrogram `.session` file (both SQLite), told apart by the columns of their
 * `sessions` table: Telethon's (telethon/sessions/sqlite.py) has `server_address` and `port`; Pyrogram's
 * (pyrogram/storage/file_storage.py, sqlite_storage.py SCHEMA) has `test_mode`, `user_id` and `is_bot`
 * and no address, so the DC's address comes from the table of data centers.
 */
export function readSqliteSession(bytes: Uint8Array): ImportedSession {
  if (!isSqlite(bytes)) throw new SessionReadError('it is not an SQLite file');
  const copy = Buffer.from(bytes);
  // A file saved in WAL mode (header bytes 18–19 = 2) cannot be opened from memory; its content is the
  // same in the legacy journal mode (1), which is what the header then says.
  if (copy.length > 19 && copy[18] === 2 && copy[19] === 2) {
    copy[18] = 1;
    copy[19] = 1;
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(copy, { readonly: true });
    const columns = new Set((db.prepare(`select name from pragma_table_info('sessions')`).all() as Array<{ name: string }>).map((c) => c.name));
    if (columns.size === 0) throw new SessionReadError('it is an SQLite file without a sessions table, so not a Telethon or Pyrogram session');
    if (columns.has('server_address')) {
      const rows = db.prepare('select dc_id, server_address, port, auth_key from sessions').all() as TelethonRow[];
      const row = rows.find((r) => asKey(r.auth_key).length > 0);
      if (!row) throw new SessionReadError('its sessions table holds no auth key: it was never logged in', 'telethon-file');
      return importedSession('telethon-file', {
        dcId: asNumber(row.dc_id),
        serverAddress: typeof row.server_address === 'string' ? row.server_address : undefined,
        port: asNumber(row.port),
        authKey: asKey(row.auth_key),
      });
    }
    if (columns.has('test_mode') && columns.has('auth_key')) {
      const row = db.prepare('select dc_id, test_mode, auth_key, user_id, is_bot from sessions limit 1').get() as PyrogramRow | undefined;
      if (!row) throw new SessionReadError('its sessions table is empty: it was never logged in', 'pyrogram-file');
      if (asNumber(row.test_mode) === 1) throw new SessionReadError('it is a session of Telegram’s test servers, not of Telegram', 'pyrogram-file');
      if (asNumber(row.is_bot) === 1) throw new SessionReadError('it is a bot’s session; only user accounts can be added', 'pyrogram-file');
      const userId = asNumber(row.user_id);
      return importedSession('pyrogram-file', { dcId: asNumber(row.dc_id), authKey: asKey(row.auth_key), ...(userId > 0 ? { userId } : {}) });
    }
    throw new SessionReadError('its sessions table is neither Telethon’s nor Pyrogram’s');
  } catch (error) {
    if (error instanceof SessionReadError) throw error;
    throw new SessionReadError('it is a damaged or cut-off SQLite file', 'sqlite', { cause: error });
  } finally {
    db?.close();
  }
}
