import fc from 'fast-check';
import { Api, extensions } from 'telegram';
import { describe, expect, it } from 'vitest';
import { gramJsReadLong, installFastLongReader } from '../../../src/engine/clients/fast-long-reader.js';
import { listMembers } from '../../../src/sandbox/member-list.js';
import { createWorld, parseWorld } from '../../../src/sandbox/index.js';
import { participantsAnswer } from '../../../src/sandbox/tl-fast/participants-answer.js';
import { readResult } from '../../../src/sandbox/tl-wire.js';
import { testWorldInput } from '../../sandbox/helpers.js';

installFastLongReader();
const fastReadLong = (extensions.BinaryReader.prototype as unknown as { readLong: typeof gramJsReadLong }).readLong;

describe('The fast 64-bit reader', () => {
  it('does give exactly GramJS’s value, of the same kind, for any 8 bytes, signed or not', () => {
    expect(fastReadLong).not.toBe(gramJsReadLong);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 12 }), fc.boolean(), (bytes, signed) => {
        const buffer = Buffer.from(bytes);
        const theirs = new extensions.BinaryReader(buffer);
        const ours = new extensions.BinaryReader(buffer);
        const expected = gramJsReadLong.call(theirs, signed);
        const actual = fastReadLong.call(ours, signed);
        expect(actual.toString()).toBe(expected.toString());
        expect(actual.equals(expected)).toBe(true);
        expect(actual.constructor).toBe(expected.constructor);
        expect(ours.tellPosition()).toBe(theirs.tellPosition());
      }),
      { numRuns: 2000 },
    );
    // The edges of both ranges.
    for (const hex of ['0000000000000000', 'ffffffffffffffff', '0000000000000080', 'ffffffffffffff7f', '0100000000000000']) {
      for (const signed of [true, false]) {
        const buffer = Buffer.from(hex, 'hex');
        expect(fastReadLong.call(new extensions.BinaryReader(buffer), signed).toString()).toBe(gramJsReadLong.call(new extensions.BinaryReader(buffer), signed).toString());
      }
    }
  });

  it('does decode a whole participants page to the same objects as GramJS’s reader', async () => {
    const world = createWorld(parseWorld(testWorldInput()), { startTimeline: false });
    const viewer = world.accounts()[0]!;
    const chat = world.chat(2001)!;
    const request = new Api.channels.GetParticipants({ channel: new Api.InputChannel({ channelId: chat.id as never, accessHash: 0 as never }), filter: new Api.ChannelParticipantsRecent(), offset: 0, limit: 200, hash: 0 as never });
    const bytes = participantsAnswer(world, viewer, chat, listMembers(world, chat, { kind: 'recent' }, 0, 200)).getBytes();
    const decode = () => readResult(request, bytes) as Api.channels.ChannelParticipants;
    const prototype = extensions.BinaryReader.prototype as unknown as { readLong: typeof gramJsReadLong };
    prototype.readLong = gramJsReadLong;
    const theirs = decode();
    installFastLongReader();
    const ours = decode();
    expect(ours.users).toHaveLength(200);
    expect(JSON.stringify(ours)).toBe(JSON.stringify(theirs));
    await world.stop();
  });
});
