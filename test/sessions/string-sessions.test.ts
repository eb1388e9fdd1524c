import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SessionReadError, toStringSession } from '../../src/sessions/index.js';
import { readStringSession } from '../../src/sessions/string-sessions.js';
import { gramjsString, pyrogramString, telethonString, testKey } from './fixtures.js';

const KEY = testKey('strings');

describe('readStringSession', () => {
  it('reads a Telethon string: DC, IPv4 address, port and key', () => {
    const text = telethonString(2, '149.154.167.51', 443, KEY);
    expect(text).toHaveLength(353);
    const session = readStringSession(text);
    expect(session).toMatchObject({ format: 'telethon-string', dcId: 2, serverAddress: '149.154.167.51', port: 443 });
    expect(session.authKey.equals(KEY)).toBe(true);
  });

  it('reads a GramJS string, including the one the panel itself writes', async () => {
    const session = readStringSession(gramjsString(4, '149.154.167.91', 443, KEY));
    expect(session).toMatchObject({ format: 'gramjs-string', dcId: 4, serverAddress: '149.154.167.91', port: 443 });
    const again = readStringSession(await toStringSession(session));
    expect(again).toEqual(session);
  });

  it('reads a Pyrogram 2 string and completes the address from the DC table', () => {
    const text = pyrogramString(5, KEY, 7_000_005);
    expect(text).toHaveLength(362);
    const session = readStringSession(text);
    expect(session).toMatchObject({ format: 'pyrogram-string', dcId: 5, serverAddress: '91.108.56.130', port: 443, userId: 7_000_005 });
    expect(session.authKey.equals(KEY)).toBe(true);
  });

  it('refuses test-server and bot sessions of Pyrogram, in plain words', () => {
    expect(() => readStringSession(pyrogramString(2, KEY, 1, { testMode: true }))).toThrow(/test servers/);
    expect(() => readStringSession(pyrogramString(2, KEY, 1, { isBot: true }))).toThrow(/bot’s session/);
  });

  it('refuses an unknown DC, an all-zero key and a key of the wrong length', () => {
    expect(() => readStringSession(telethonString(9, '149.154.167.51', 443, KEY))).toThrow(/data center 9/);
    expect(() => readStringSession(telethonString(2, '149.154.167.51', 443, Buffer.alloc(256)))).toThrow(/never logged in/);
    expect(() => readStringSession(gramjsString(2, '149.154.167.51', 443, KEY.subarray(0, 200)))).toThrow(SessionReadError);
  });

  it('throws nothing but SessionReadError on random text, and never quotes it', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ minLength: 0, maxLength: 500 }), fc.base64String({ minLength: 90, maxLength: 420 }).map((s) => `1${s}`)), (text) => {
        try {
          readStringSession(text);
        } catch (error) {
          expect(error).toBeInstanceOf(SessionReadError);
          if (text.length > 20) expect((error as Error).message).not.toContain(text.slice(1, 20));
        }
      }),
      { numRuns: 500 },
    );
  });
});
