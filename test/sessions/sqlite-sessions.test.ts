import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SessionReadError } from '../../src/sessions/index.js';
import { readSqliteSession } from '../../src/sessions/sqlite-sessions.js';
import { pyrogramFile, telethonFile, testKey } from './fixtures.js';

const KEY = testKey('sqlite');

describe('readSqliteSession', () => {
  it('reads a Telethon .session file', () => {
    const session = readSqliteSession(telethonFile(2, '149.154.167.51', 443, KEY));
    expect(session).toMatchObject({ format: 'telethon-file', dcId: 2, serverAddress: '149.154.167.51', port: 443 });
    expect(session.authKey.equals(KEY)).toBe(true);
  });

  it('reads a Pyrogram .session file, which stores no address', () => {
    const session = readSqliteSession(pyrogramFile(1, KEY, 7_000_001));
    expect(session).toMatchObject({ format: 'pyrogram-file', dcId: 1, serverAddress: '149.154.175.53', port: 443, userId: 7_000_001 });
  });

  it('reads a file whose header says WAL mode', () => {
    const file = telethonFile(2, '149.154.167.51', 443, KEY);
    file[18] = 2;
    file[19] = 2;
    expect(readSqliteSession(file).dcId).toBe(2);
  });

  it('answers a truncated file, a key of the wrong length and an unknown DC in plain words', () => {
    const file = telethonFile(2, '149.154.167.51', 443, KEY);
    expect(() => readSqliteSession(file.subarray(0, 2000))).toThrow(/damaged or cut-off/);
    expect(() => readSqliteSession(telethonFile(2, '149.154.167.51', 443, KEY.subarray(0, 255)))).toThrow(/255 bytes long, not 256/);
    expect(() => readSqliteSession(telethonFile(7, '149.154.167.51', 443, KEY))).toThrow(/data center 7/);
    expect(() => readSqliteSession(pyrogramFile(2, KEY, 1, { isBot: true }))).toThrow(/bot’s session/);
  });

  it('throws nothing but SessionReadError on random bytes behind an SQLite header', () => {
    const header = telethonFile(2, '149.154.167.51', 443, KEY).subarray(0, 100);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 8192 }), fc.boolean(), (bytes, withHeader) => {
        const input = withHeader ? Buffer.concat([header, bytes]) : Buffer.from(bytes);
        expect(() => readSqliteSession(input)).toThrow(SessionReadError);
      }),
      { numRuns: 200 },
    );
  });
});
