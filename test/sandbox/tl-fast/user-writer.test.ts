import fc from 'fast-check';
import { Api, extensions } from 'telegram';
import { describe, expect, it } from 'vitest';
import { TlWriter } from '../../../src/sandbox/tl-fast/tl-writer.js';
import { writeUser, writeUserStatus } from '../../../src/sandbox/tl-fast/user-writer.js';
import { anyStatus, anyUser, gramJsStatus, gramJsUser, plain } from './gramjs.js';

const userBytes = (write: (w: TlWriter) => void): Buffer => {
  const w = new TlWriter(64);
  write(w);
  return w.finish();
};

describe('writeUser', () => {
  it('writes the bytes GramJS writes for the same user', () => {
    fc.assert(
      fc.property(anyUser(), (u) => {
        expect(userBytes((w) => writeUser(w, u)).toString('hex')).toBe(gramJsUser(u).getBytes().toString('hex'));
      }),
      { numRuns: 300 },
    );
  });

  it('writes users that GramJS reads back as the same user', () => {
    fc.assert(
      fc.property(anyUser({ decodable: true, wellFormed: true }), (u) => {
        const decoded: unknown = new extensions.BinaryReader(userBytes((w) => writeUser(w, u))).tgReadObject();
        expect(decoded).toBeInstanceOf(Api.User);
        expect(plain(decoded)).toEqual(plain(gramJsUser(u)));
      }),
      { numRuns: 300 },
    );
  });

  it('writes every user status as GramJS does', () => {
    fc.assert(
      fc.property(anyStatus, (s) => {
        expect(userBytes((w) => writeUserStatus(w, s)).toString('hex')).toBe(gramJsStatus(s).getBytes().toString('hex'));
      }),
    );
  });
});
