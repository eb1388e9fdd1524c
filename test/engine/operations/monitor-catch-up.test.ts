import { afterEach, describe, expect, it } from 'vitest';
import { Api, type TelegramClient } from 'telegram';
import { messagesSince, newestMessageId } from '../../../src/engine/operations/monitor-catch-up.js';
import type { RunnerDefinition } from '../../../src/engine/types.js';
import { createTelegramHarness, submitOk, worldAccounts, type TelegramHarness } from '../../e2e/telegram-harness.js';

let h: TelegramHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

interface Read {
  readonly ids: number[];
  readonly top: number;
  readonly capped: boolean;
  readonly sendersAreUsers: boolean;
  readonly newest: number;
  readonly pages: number;
}

/**
 * A supergroup of `count` messages, and what a catch-up after `sinceId` capped at `cap` reads of it on the account's
 * own client (a probe operation: runners are where the engine hands out clients).
 */
async function readBack(count: number, sinceId: number, cap: number): Promise<Read> {
  h = await createTelegramHarness({
    latencyMs: 0,
    accounts: worldAccounts(1),
    chats: [{ id: 7601, kind: 'supergroup', username: 'history', title: 'History', members: { from: 1, count: 10 }, messages: { count, days: 2, authors: { from: 1, count: 4 } } }],
  });
  const trace = h.trace;
  h.engine.register({
    kind: 'probe',
    type: 'other',
    run: async ({ account }) => {
      const client = account.client as TelegramClient;
      const peer = await client.getInputEntity('history');
      const before = trace.length;
      const caught = await messagesSince(client, peer, sinceId, cap);
      const pages = trace.slice(before).filter((entry) => entry.method === 'messages.GetHistory').length;
      return {
        ids: caught.messages.map((m) => m.id),
        top: caught.top,
        capped: caught.capped,
        sendersAreUsers: caught.messages.every((m) => m.sender instanceof Api.User),
        newest: await newestMessageId(client, peer),
        pages,
      } satisfies Read;
    },
  } as RunnerDefinition<unknown, unknown, unknown, Read>);
  const done = await h.engine.waitFor(submitOk(h.engine, { kind: 'probe', params: {} }).id);
  expect(done.status).toBe('succeeded');
  return done.result as Read;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('Monitor catch-up reads', () => {
  it('does read every message after the last one seen, oldest first, in pages of 100', async () => {
    const read = await readBack(250, 30, 1000);
    expect(read).toMatchObject({ ids: range(31, 250), top: 250, capped: false, sendersAreUsers: true, newest: 250 });
    // 100, 100, then 20: a short page is the last.
    expect(read.pages).toBe(3);
  });

  it('does read only the newest messages up to the cap, and says so', async () => {
    const read = await readBack(250, 30, 150);
    expect(read).toMatchObject({ ids: range(101, 250), top: 250, capped: true, pages: 2 });
  });

  it('does read all of exactly the cap, nothing older missed', async () => {
    expect(await readBack(250, 150, 100)).toMatchObject({ ids: range(151, 250), top: 250, capped: false });
  });

  it('does read nothing when nothing came after the last one seen', async () => {
    expect(await readBack(250, 250, 1000)).toMatchObject({ ids: [], top: 250, capped: false, pages: 1 });
  });

  it('does start a new monitor of an empty chat from 0', async () => {
    expect(await readBack(0, 0, 1000)).toMatchObject({ ids: [], top: 0, newest: 0 });
  });
});
