import { describe, expect, it } from 'vitest';
import type { Api } from 'grammy';
import pino from 'pino';
import type { Clock } from '../../src/clock.js';
import { MessageEditor } from '../../src/bot/message-editor.js';

/** A hand-driven clock: time moves only when the test says so. */
function manualClock() {
  let now = 0;
  const timers: Array<{ at: number; fn: () => void; id: number }> = [];
  let next = 1;
  const clock: Clock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      timers.push({ at: now + ms, fn, id: next });
      return next++;
    },
    clearTimeout: (id) => {
      const i = timers.findIndex((t) => t.id === id);
      if (i >= 0) timers.splice(i, 1);
    },
  };
  return {
    clock,
    async advance(ms: number) {
      const until = now + ms;
      for (;;) {
        timers.sort((a, b) => a.at - b.at);
        const due = timers[0];
        if (!due || due.at > until) break;
        timers.shift();
        now = due.at;
        due.fn();
        await new Promise((resolve) => setImmediate(resolve));
      }
      now = until;
    },
  };
}

describe('MessageEditor', () => {
  it('edits at once, then at most once per interval with the latest content, skipping what is shown', async () => {
    const { clock, advance } = manualClock();
    const edits: Array<[number, string]> = [];
    const api = { editMessageText: async (_c: number, _m: number, text: string) => void edits.push([clock.now(), text]) } as unknown as Pick<Api, 'editMessageText'>;
    const editor = new MessageEditor({ api, clock, logger: pino({ level: 'silent' }) });
    const ref = { chatId: 1, messageId: 2 };
    editor.seed(ref, { text: 'a' });
    editor.update(ref, { text: 'a' });
    await advance(0);
    expect(edits).toEqual([]);
    editor.update(ref, { text: 'b' });
    await advance(0);
    editor.update(ref, { text: 'c' });
    editor.update(ref, { text: 'd' });
    await advance(2999);
    expect(edits).toEqual([[0, 'b']]);
    await advance(1);
    expect(edits).toEqual([
      [0, 'b'],
      [3000, 'd'],
    ]);
    editor.update(ref, { text: 'e' }, { final: true });
    editor.update(ref, { text: 'late' });
    await advance(10_000);
    expect(edits.at(-1)).toEqual([6000, 'e']);
    expect(editor.edits).toBe(3);
  });
});
