import { describe, expect, it } from 'vitest';
import { ChatHistory } from '../../src/sandbox/message-history.js';
import { parseWorld, type WorldChat } from '../../src/sandbox/index.js';

const START = 1_700_000_000;

function chat(extra: Partial<WorldChat> = {}): WorldChat {
  const world = parseWorld({
    chats: [{ id: 1, kind: 'supergroup', title: 'T', members: { from: 1, count: 10 }, messages: { count: 100, days: 10, authors: { from: 500, count: 7 } } }],
  });
  return { ...world.chats[0]!, ...extra };
}

const all = { offsetId: 0, offsetDate: 0, addOffset: 0, limit: 1000, maxId: 0, minId: 0 };

describe('ChatHistory', () => {
  it('spreads messages evenly over the last days before the start', () => {
    const h = new ChatHistory(chat(), START);
    const first = h.message(1)!;
    const last = h.message(100)!;
    expect(first.date).toBeGreaterThan(START - 10 * 86_400);
    expect(last.date).toBeLessThan(START);
    const gap = h.message(51)!.date - h.message(50)!.date;
    expect(gap).toBeGreaterThanOrEqual(8639);
    expect(gap).toBeLessThanOrEqual(8641);
  });

  it('takes authors in turn from the range', () => {
    const h = new ChatHistory(chat(), START);
    expect([1, 2, 7, 8].map((id) => h.message(id)?.author)).toEqual([
      { kind: 'pool', n: 500 },
      { kind: 'pool', n: 501 },
      { kind: 'pool', n: 506 },
      { kind: 'pool', n: 500 },
    ]);
  });

  it('has no authors in a broadcast channel', () => {
    expect(new ChatHistory(chat({ kind: 'channel' }), START).message(3)?.author).toBeUndefined();
  });

  it('pages newest first with offset_id, add_offset and limit', () => {
    const h = new ChatHistory(chat(), START);
    expect(h.slice({ ...all, limit: 3 }).map((m) => m.id)).toEqual([100, 99, 98]);
    expect(h.slice({ ...all, offsetId: 50, limit: 3 }).map((m) => m.id)).toEqual([49, 48, 47]);
    expect(h.slice({ ...all, offsetId: 50, addOffset: -3, limit: 3 }).map((m) => m.id)).toEqual([52, 51, 50]);
    expect(h.slice({ ...all, offsetId: 3, limit: 10 }).map((m) => m.id)).toEqual([2, 1]);
    expect(h.slice({ ...all, minId: 97 }).map((m) => m.id)).toEqual([100, 99, 98]);
    expect(h.slice({ ...all, maxId: 3 }).map((m) => m.id)).toEqual([2, 1]);
  });

  it('pages by offset_date', () => {
    const h = new ChatHistory(chat(), START);
    const date = h.message(40)!.date;
    expect(h.slice({ ...all, offsetDate: date, limit: 2 }).map((m) => m.id)).toEqual([39, 38]);
  });

  it('appends live messages after the generated ones', () => {
    const h = new ChatHistory(chat(), START);
    const m = h.append({ kind: 'pool', n: 3 }, 'hello', START + 5);
    expect(m.id).toBe(101);
    expect(h.count).toBe(101);
    expect(h.slice({ ...all, limit: 1 })[0]).toEqual(m);
  });
});
