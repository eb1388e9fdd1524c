import { describe, expect, it } from 'vitest';
import { createWorld, parseWorld, type SandboxWorld } from '../../src/sandbox/index.js';
import { listMembers, type MemberEntry } from '../../src/sandbox/member-list.js';

function bigWorld(cap: number): SandboxWorld {
  return createWorld(
    parseWorld({
      participantsCap: cap,
      chats: [{ id: 1, kind: 'supergroup', title: 'Huge', members: { from: 1, count: 200_000 } }],
    }),
  );
}

const numbers = (entries: readonly MemberEntry[]): number[] => entries.map((e) => (e.kind === 'pool' ? e.n : -1));

describe('listMembers', () => {
  it('pages a 200,000-member chat without walking it', async () => {
    const world = bigWorld(200_000);
    const chat = world.chat(1)!;
    const started = performance.now();
    for (let offset = 0; offset < 200_000; offset += 2000) listMembers(world, chat, { kind: 'recent' }, offset, 200);
    expect(performance.now() - started).toBeLessThan(500);
    const last = listMembers(world, chat, { kind: 'recent' }, 199_900, 200);
    expect(last.count).toBe(200_000);
    expect(numbers(last.entries)).toEqual(Array.from({ length: 100 }, (_, i) => 199_901 + i));
    expect(listMembers(world, chat, { kind: 'recent' }, 200_000, 200).entries).toEqual([]);
    await world.stop();
  });

  it('answers search pages from a per-query cache', async () => {
    const world = bigWorld(10_000);
    const chat = world.chat(1)!;
    const first = listMembers(world, chat, { kind: 'search', q: 'user1' }, 0, 200);
    expect(numbers(first.entries).slice(0, 5)).toEqual([1, 11, 12, 13, 14]);
    expect(first.count).toBe(10_000);
    const deep = listMembers(world, chat, { kind: 'search', q: 'user1' }, 9_900, 200);
    expect(deep.entries).toHaveLength(100);
    expect(chat.searchCache.size).toBe(1);
    expect(numbers(listMembers(world, chat, { kind: 'search', q: 'First199999' }, 0, 200).entries)).toEqual([199_999]);
    await world.stop();
  });

  it('caps a broadcast channel at 200 and lists only admins of a hidden chat', async () => {
    const world = createWorld(
      parseWorld({
        chats: [
          { id: 1, kind: 'channel', title: 'C', members: { from: 1, count: 1000 } },
          { id: 2, kind: 'supergroup', title: 'H', members: { from: 1, count: 1000 }, membersHidden: true, admins: [5, 7] },
        ],
      }),
    );
    expect(listMembers(world, world.chat(1)!, { kind: 'recent' }, 150, 200).entries).toHaveLength(50);
    expect(numbers(listMembers(world, world.chat(2)!, { kind: 'search', q: '' }, 0, 200).entries)).toEqual([5, 7]);
    expect(numbers(listMembers(world, world.chat(2)!, { kind: 'search', q: 'first7' }, 0, 200).entries)).toEqual([7]);
    await world.stop();
  });
});
