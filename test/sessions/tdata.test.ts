import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SessionReadError } from '../../src/sessions/index.js';
import { aesIge, decryptLocal, encryptLocal } from '../../src/sessions/tdata-crypto.js';
import { readTdata, tdataFileName } from '../../src/sessions/tdata.js';
import { tdataFiles, testKey } from './fixtures.js';
import { randomBytes } from 'node:crypto';

const ACCOUNT = { dcId: 2, key: testKey('tdata'), userId: 7_000_001 };

describe('readTdata', () => {
  it('names the first account’s files as Telegram Desktop does', () => {
    // mtcute's convert/src/tdesktop/docs.md: md5('data') → D877F783D5D3EF8C.
    expect(tdataFileName('data')).toBe('D877F783D5D3EF8C');
  });

  it('reads every account of a folder, with its main DC’s key and its user id', () => {
    const second = { dcId: 4, key: testKey('tdata-2'), userId: 7_000_002 };
    const accounts = readTdata(tdataFiles([ACCOUNT, second]));
    expect(accounts).toHaveLength(2);
    expect(accounts[0]).toMatchObject({ ok: true, index: 0, session: { format: 'tdata', dcId: 2, serverAddress: '149.154.167.51', userId: 7_000_001 } });
    expect(accounts[1]).toMatchObject({ ok: true, index: 1, session: { dcId: 4, userId: 7_000_002 } });
    expect(accounts[0]?.ok && accounts[0].session.authKey.equals(ACCOUNT.key)).toBe(true);
  });

  it('opens a folder with a local passcode only with that passcode', () => {
    const files = tdataFiles([ACCOUNT], 'hunter2');
    expect(() => readTdata(files)).toThrow(/has a local passcode: send it again with the caption \/import PASSCODE/);
    expect(() => readTdata(files, 'wrong')).toThrow(/local passcode is wrong/);
    expect(readTdata(files, 'hunter2')[0]).toMatchObject({ ok: true, session: { dcId: 2 } });
  });

  it('says which file is missing or damaged', () => {
    const files = tdataFiles([ACCOUNT]);
    const broken = new Map(files);
    broken.delete('key_datas');
    expect(() => readTdata(broken)).toThrow(/key_datas is missing/);
    const flipped = new Map(files);
    const key = Buffer.from(files.get('key_datas') as Buffer);
    key[30] = (key[30] ?? 0) ^ 0xff;
    flipped.set('key_datas', key);
    expect(() => readTdata(flipped)).toThrow(/checksum/);
    const noAccount = new Map(files);
    noAccount.delete('D877F783D5D3EF8Cs');
    expect(readTdata(noAccount)[0]).toEqual({ ok: false, index: 0, reason: 'the file D877F783D5D3EF8Cs is missing' });
  });

  it('encrypts and decrypts local blobs both ways (AES-IGE round trip)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), (data) => {
        const key = randomBytes(256);
        const sealed = encryptLocal(Buffer.from(data), key, randomBytes);
        expect(decryptLocal(sealed, key)?.equals(Buffer.from(data))).toBe(true);
        expect(decryptLocal(sealed, randomBytes(256))).toBeNull();
      }),
      { numRuns: 100 },
    );
    const block = randomBytes(64);
    const k = randomBytes(32);
    const iv = randomBytes(32);
    expect(aesIge(aesIge(block, k, iv, true), k, iv, false).equals(block)).toBe(true);
  });

  it('throws nothing but SessionReadError on random files', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('key_datas', 'D877F783D5D3EF8Cs', 'key_data1', 'other'), fc.uint8Array({ maxLength: 2048 })), (entries) => {
        const files = new Map(Object.entries(entries).map(([k, v]) => [k, Buffer.concat([Buffer.from('TDF$'), Buffer.from(v)])]));
        try {
          readTdata(files);
        } catch (error) {
          expect(error).toBeInstanceOf(SessionReadError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
