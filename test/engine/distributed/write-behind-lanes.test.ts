import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { WriteBehind } from '../../../src/engine/distributed/write-behind.js';
import { manualClock } from '../../manual-clock.js';
import { until } from '../../until.js';

const logger = pino({ level: 'silent' });

/** A write the test ends: `started` once the write-behind called it, `end()` commits it. */
function held() {
  let end!: () => void;
  const ended = new Promise<void>((resolve) => (end = resolve));
  const write = {
    started: false,
    committed: false,
    end: () => end(),
    run: async (): Promise<void> => {
      write.started = true;
      await ended;
      write.committed = true;
    },
  };
  return write;
}

/** Resolves after `n` turns of the event loop. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

const refused = (): Promise<void> => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));

describe('WriteBehind', () => {
  it('does run a write of another lane while one lane waits for its commit, and keeps each lane in order', async () => {
    const writes = new WriteBehind({ logger });
    const firstOfA = held();
    const secondOfA = held();
    const ofB = held();
    void writes.push('a1', firstOfA.run, 'a');
    void writes.push('a2', secondOfA.run, 'a');
    void writes.push('b1', ofB.run, 'b');

    await until(() => firstOfA.started && ofB.started, 'the first write of each lane to start');
    ofB.end();
    await until(() => ofB.committed, 'the write of lane b to commit');
    // b did not wait for a; a's second write still waits for its first.
    expect(secondOfA.started).toBe(false);

    firstOfA.end();
    await until(() => secondOfA.started, 'the second write of lane a to start');
    secondOfA.end();
    await writes.settled();
    expect(writes.pending).toBe(0);
  });

  it('does start a write pushed after all only once every earlier write of every lane settled, holding up no later one', async () => {
    const writes = new WriteBehind({ logger });
    const ofA = held();
    const ofB = held();
    const last = held();
    const later = held();
    void writes.push('a1', ofA.run, 'a');
    void writes.push('b1', ofB.run, 'b');
    const removal = writes.pushAfterAll('removal', last.run, 'c');
    void writes.push('d1', later.run, 'd');

    await until(() => ofA.started && ofB.started && later.started, 'the writes of a, b and d to start');
    ofA.end();
    await until(() => ofA.committed, 'a to commit');
    await turns(5);
    expect(last.started).toBe(false);
    ofB.end();
    await until(() => last.started, 'the removal to start once b committed too');
    last.end();
    expect(await removal).toBe(true);
    // The write pushed after it, in another lane, ran meanwhile and still waits for nobody but itself.
    expect(later.committed).toBe(false);
    later.end();
    await writes.settled();
  });

  it('does keep the writes of a lane in the order they were pushed', async () => {
    const writes = new WriteBehind({ logger });
    const order: number[] = [];
    const pushes: Promise<boolean>[] = [];
    for (let i = 0; i < 20; i += 1) {
      // Later writes are quicker: only the lane's order keeps them from overtaking.
      const write = async (): Promise<void> => {
        await turns(20 - i);
        order.push(i);
      };
      pushes.push(writes.push(`w${i}`, write, i % 2 === 0 ? 'even' : 'odd'));
    }
    await Promise.all(pushes);
    expect(order.filter((i) => i % 2 === 0)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(order.filter((i) => i % 2 === 1)).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
  });

  it('does hold up only its own lane while the database cannot be reached', async () => {
    const clock = manualClock();
    const writes = new WriteBehind({ logger, clock, retryMs: 100 });
    let calls = 0;
    const unreachable = writes.push('a1', () => (++calls < 2 ? refused() : Promise.resolve()), 'a');
    const behind = held();
    void writes.push('a2', behind.run, 'a');
    const other = held();
    const ofB = writes.push('b1', other.run, 'b');

    await until(() => clock.pending().length === 1, 'the backoff of lane a');
    await until(() => other.started, 'the write of lane b to start');
    other.end();
    expect(await ofB).toBe(true);
    expect(behind.started).toBe(false);

    clock.advance(100);
    expect(await unreachable).toBe(true);
    await until(() => behind.started, 'the write behind the unreachable one to start');
    behind.end();
    await writes.settled();
  });

  it('does run no more than `concurrency` writes at once', async () => {
    const writes = new WriteBehind({ logger, concurrency: 2 });
    const lanes = [held(), held(), held()];
    lanes.forEach((write, i) => void writes.push(`w${i}`, write.run, `lane ${i}`));

    await until(() => lanes[0]!.started && lanes[1]!.started, 'two writes to start');
    // Let the event loop turn: the third must still be waiting for a turn, not merely late.
    await turns(5);
    expect(lanes[2]!.started).toBe(false);

    lanes[1]!.end();
    await until(() => lanes[2]!.started, 'the third write to get the freed turn');
    lanes[0]!.end();
    lanes[2]!.end();
    await writes.settled();
    expect(writes.pending).toBe(0);
  });

  it('does settle only once every lane has', async () => {
    const writes = new WriteBehind({ logger });
    const slow = held();
    void writes.push('quick', () => Promise.resolve(), 'a');
    void writes.push('slow', slow.run, 'b');
    let settled = false;
    const all = writes.settled().then(() => (settled = true));
    await until(() => slow.started, 'the slow write to start');
    expect(settled).toBe(false);
    slow.end();
    await all;
    expect(slow.committed).toBe(true);
  });
});
