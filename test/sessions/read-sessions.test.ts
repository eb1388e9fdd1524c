import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readDocument, readText } from '../../src/sessions/index.js';
import { gramjsString, pyrogramFile, pyrogramString, tdataFiles, tdataZip, telethonFile, telethonString, testKey, zipOf } from './fixtures.js';

const KEY = testKey('detect');
const sidecar = (fields: Record<string, unknown>) => Buffer.from(JSON.stringify(fields));

describe('readDocument', () => {
  it('tells the formats apart by content, whatever the file is called', () => {
    expect(readDocument('notes.txt', telethonFile(2, '149.154.167.51', 443, KEY))).toMatchObject([{ kind: 'session', source: 'notes.txt', session: { format: 'telethon-file' } }]);
    expect(readDocument('a.session', pyrogramFile(2, KEY, 5))).toMatchObject([{ kind: 'session', session: { format: 'pyrogram-file' } }]);
    expect(readDocument('s.bin', Buffer.from(`${pyrogramString(2, KEY, 5)}\n${telethonString(2, '149.154.167.51', 443, KEY)}\n`))).toMatchObject([
      { kind: 'session', source: 's.bin 1', session: { format: 'pyrogram-string' } },
      { kind: 'session', source: 's.bin 2', session: { format: 'telethon-string' } },
    ]);
    expect(readDocument('tdata.zip', tdataZip([{ dcId: 2, key: KEY, userId: 1 }]))).toMatchObject([{ kind: 'session', source: 'tdata.zip: tdata account 1', session: { format: 'tdata' } }]);
  });

  it('pairs each .session with its .json sidecar by name inside a zip', () => {
    const zip = zipOf([
      ['acc/15550000001.session', telethonFile(2, '149.154.167.51', 443, KEY)],
      ['acc/15550000001.json', sidecar({ app_id: 2040, app_hash: 'b18441a1ff607e10a989891a5462e627', device: 'Galaxy S23', sdk: 'SDK 34', app_version: '10.14.5', lang_code: 'de', system_lang_code: 'de-DE', twoFA: 'secret', phone: '15550000001' })],
      ['acc/other.session', telethonFile(4, '149.154.167.91', 443, testKey('other'))],
      ['lonely.json', sidecar({ device: 'x' })],
    ]);
    const items = readDocument('batch.zip', zip);
    expect(items).toHaveLength(3);
    expect(items[0]).toMatchObject({
      kind: 'session',
      source: 'batch.zip: acc/15550000001.session',
      session: {
        sidecar: {
          device: { deviceModel: 'Galaxy S23', systemVersion: 'SDK 34', appVersion: '10.14.5', langCode: 'de', systemLangCode: 'de-DE' },
          credentials: { apiId: 2040, apiHash: 'b18441a1ff607e10a989891a5462e627' },
          phone: '+15550000001',
        },
      },
    });
    expect(JSON.stringify(items[0])).not.toContain('secret');
    expect(items[1]).toMatchObject({ kind: 'session', source: 'batch.zip: acc/other.session' });
    expect(items[1]?.kind === 'session' && items[1].session.sidecar).toBeFalsy();
    expect(items[2]).toEqual({ kind: 'unreadable', source: 'batch.zip: lonely.json', reason: 'it is a .json sidecar with no .session file of the same name beside it' });
  });

  it('answers a broken sidecar in place of its session', () => {
    const zip = zipOf([
      ['a.session', telethonFile(2, '149.154.167.51', 443, KEY)],
      ['a.json', sidecar({ app_id: 5, app_hash: 'nothex' })],
    ]);
    expect(readDocument('z.zip', zip)).toEqual([{ kind: 'unreadable', source: 'z.zip: a.session', reason: 'its .json sidecar is wrong: app_hash: app_hash is 32 hexadecimal digits' }]);
  });

  it('reads a zip of a tdata folder with a passcode only with the passcode', () => {
    const zip = zipOf([...tdataFiles([{ dcId: 2, key: KEY, userId: 1 }], 'pw')]);
    expect(readDocument('t.zip', zip)).toEqual([{ kind: 'unreadable', source: 't.zip', reason: 'it has a local passcode: send it again with the caption /import PASSCODE' }]);
    expect(readDocument('t.zip', zip, { passcode: 'nope' })).toEqual([{ kind: 'unreadable', source: 't.zip', reason: 'the local passcode is wrong' }]);
    expect(readDocument('t.zip', zip, { passcode: 'pw' })).toMatchObject([{ kind: 'session', source: 't.zip account 1' }]);
  });

  it('answers random bytes, a lone tdata file and a lone sidecar in plain words', () => {
    expect(readDocument('x', Buffer.from([1, 2, 3, 0, 255]))).toEqual([{ kind: 'unreadable', source: 'x', reason: 'it is not a session in any format I know (GramJS, Telethon, Pyrogram, Telegram Desktop)' }]);
    expect(readDocument('key_datas', tdataFiles([{ dcId: 2, key: KEY, userId: 1 }]).get('key_datas') as Buffer)[0]).toMatchObject({ reason: /zip the whole tdata folder/ });
    expect(readDocument('a.json', sidecar({}))[0]).toMatchObject({ reason: /sidecar with no .session/ });
  });

  it('never throws on random bytes, with or without a zip header', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.constantFrom('', 'PK\x03\x04', 'SQLite format 3\0', 'TDF$', '{'), (bytes, prefix) => {
        const items = readDocument('f', Buffer.concat([Buffer.from(prefix, 'latin1'), Buffer.from(bytes)]));
        expect(items.length).toBeGreaterThan(0);
        for (const item of items) expect(item.kind).toBe('unreadable');
      }),
      { numRuns: 300 },
    );
  });
});

describe('readText', () => {
  it('reads every session string of a message, and answers the words that are not one', () => {
    const items = readText(`${gramjsString(2, '149.154.167.51', 443, KEY)}\n${'A'.repeat(150)}`);
    expect(items).toMatchObject([
      { kind: 'session', source: 'string 1', session: { format: 'gramjs-string' } },
      { kind: 'unreadable', source: 'string 2' },
    ]);
    expect(readText('hello there')).toEqual([{ kind: 'unreadable', source: 'string', reason: 'there is no session string in it' }]);
  });
});
