import fc from 'fast-check';
import { Api, extensions } from 'telegram';
import { describe, expect, it } from 'vitest';
import { writeAdminRights, writeChannelParticipant } from '../../../src/sandbox/tl-fast/participant-writer.js';
import { TlWriter } from '../../../src/sandbox/tl-fast/tl-writer.js';
import { anyAdminRights, anyParticipant, gramJsParticipant, plain } from './gramjs.js';

const bytes = (write: (w: TlWriter) => void): Buffer => {
  const w = new TlWriter(64);
  write(w);
  return w.finish();
};

describe('writeChannelParticipant', () => {
  it('writes the bytes GramJS writes for the same participant, of every kind', () => {
    fc.assert(
      fc.property(anyParticipant(), (p) => {
        expect(bytes((w) => writeChannelParticipant(w, p)).toString('hex')).toBe(gramJsParticipant(p).getBytes().toString('hex'));
      }),
      { numRuns: 400 },
    );
  });

  it('writes participants that GramJS reads back as the same participant', () => {
    fc.assert(
      fc.property(anyParticipant({ decodable: true, wellFormed: true }), (p) => {
        const decoded: unknown = new extensions.BinaryReader(bytes((w) => writeChannelParticipant(w, p))).tgReadObject();
        expect(plain(decoded)).toEqual(plain(gramJsParticipant(p)));
      }),
      { numRuns: 400 },
    );
  });

  it('writes admin rights as GramJS does', () => {
    fc.assert(
      fc.property(anyAdminRights, (r) => {
        expect(bytes((w) => writeAdminRights(w, r)).toString('hex')).toBe(new Api.ChatAdminRights(r).getBytes().toString('hex'));
      }),
    );
  });
});
