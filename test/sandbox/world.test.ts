import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createWorld, parseWorld, type WorldEvent } from '../../src/sandbox/index.js';
import { ALPHA, BRAVO, testWorldInput } from './helpers.js';

describe('SandboxWorld', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('counts faults per account and method, then fails the next `times` calls', async () => {
    const world = createWorld(
      parseWorld(
        testWorldInput({
          faults: [
            { account: ALPHA, method: 'channels.GetParticipants', afterCalls: 2, error: 'FLOOD_WAIT_30', times: 2 },
            { account: BRAVO, method: '*', afterCalls: 1, error: 'PEER_FLOOD' },
          ],
        }),
      ),
    );
    const alpha = [1, 2, 3, 4, 5].map(() => world.takeFault(ALPHA, 'channels.GetParticipants'));
    expect(alpha).toEqual([undefined, undefined, 'FLOOD_WAIT_30', 'FLOOD_WAIT_30', undefined]);
    expect(world.takeFault(ALPHA, 'messages.GetHistory')).toBeUndefined();
    // `*` matches any method but the connection's own pings and config.
    expect(world.takeFault(BRAVO, 'PingDelayDisconnect')).toBeUndefined();
    expect(world.takeFault(BRAVO, 'users.GetUsers')).toBeUndefined();
    expect(world.takeFault('15550000002', 'messages.GetHistory')).toBe('PEER_FLOOD');
    expect(world.takeFault(BRAVO, 'messages.GetHistory')).toBeUndefined();
    await world.stop();
  });

  it('refuses joins past the limit of joined chats', async () => {
    const world = createWorld(parseWorld(testWorldInput()), { maxJoinedChats: 2 });
    const alpha = world.account(ALPHA)!;
    const [a, b, c] = [2001, 2002, 2003].map((id) => world.chat(id)!);
    expect(world.join(alpha, a!)).toEqual({ kind: 'joined' });
    expect(world.join(alpha, a!)).toEqual({ kind: 'already' });
    expect(world.join(alpha, b!)).toEqual({ kind: 'joined' });
    expect(world.join(alpha, c!)).toEqual({ kind: 'too_many' });
    expect(world.leave(alpha, a!)).toBe(true);
    expect(world.join(alpha, c!)).toEqual({ kind: 'joined' });
    await world.stop();
  });

  it('posts timeline messages at their time and repeats them', async () => {
    vi.useFakeTimers();
    const world = createWorld(
      parseWorld(testWorldInput({ timeline: [{ atSeconds: 8, chat: 2001, from: 42, text: 'used bike?', everySeconds: 20 }] })),
    );
    const events: WorldEvent[] = [];
    world.subscribe((e) => events.push(e));
    await vi.advanceTimersByTimeAsync(7_999);
    expect(events).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'chat-message', message: { text: 'used bike?', author: { kind: 'pool', n: 42 } } });
    await vi.advanceTimersByTimeAsync(40_000);
    expect(events).toHaveLength(3);
    expect(world.chat(2001)!.history.count).toBe(3);
    await world.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(events).toHaveLength(3);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps the timeline still until started when asked to', async () => {
    vi.useFakeTimers();
    const world = createWorld(parseWorld(testWorldInput({ timeline: [{ atSeconds: 1, chat: 2001, from: 1, text: 'x' }] })), {
      startTimeline: false,
    });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(world.chat(2001)!.history.count).toBe(0);
    world.startTimeline();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(world.chat(2001)!.history.count).toBe(1);
    await world.stop();
  });

  it('uses the injected clock for message dates', async () => {
    let now = 1_800_000_000_000;
    const world = createWorld(parseWorld(testWorldInput()), { now: () => now });
    now += 90_000;
    const m = world.postChatMessage(world.chat(2001)!, { kind: 'pool', n: 1 }, 'hi');
    expect(m.date).toBe(1_800_000_090);
    await world.stop();
  });

  it('derives one auth key per account and data center and forgets them on log out', async () => {
    const world = createWorld(parseWorld(testWorldInput()));
    const alpha = world.account(ALPHA)!;
    expect(alpha.dc).toBe(2);
    const key = world.authKeyFor(alpha);
    expect(key).toHaveLength(256);
    expect(world.accountForAuthKey(key, 2)).toBe(alpha);
    // An auth key belongs to one data center, as on Telegram.
    expect(world.accountForAuthKey(key, 4)).toBeUndefined();
    expect(world.accountForAuthKey(world.authKeyFor(alpha, 4), 4)).toBe(alpha);
    expect(world.authKeyFor(alpha, 4).equals(key)).toBe(false);
    expect(world.accountForAuthKey(world.authKeyFor(world.account(BRAVO)!), 2)).not.toBe(alpha);
    world.logOut(alpha);
    expect(world.accountForAuthKey(key, 2)).toBeUndefined();
    world.authorize(alpha);
    expect(world.accountForAuthKey(key, 2)).toBe(alpha);
    await world.stop();
  });

  it('logs in the session that holds the auth key the world file gives an account, on its data center', async () => {
    const authKey = 'ab'.repeat(256);
    const input = testWorldInput();
    const world = createWorld(
      parseWorld({ ...input, accounts: input.accounts!.map((a) => (a.phone === ALPHA ? { ...a, authKey, dc: 5 } : a)) }),
    );
    const alpha = world.account(ALPHA)!;
    expect(world.authKeyFor(alpha).toString('hex')).toBe(authKey);
    expect(world.accountForAuthKey(Buffer.from(authKey, 'hex'), 5)).toBe(alpha);
    expect(world.accountForAuthKey(Buffer.from(authKey, 'hex'), 2)).toBeUndefined();
    await world.stop();
  });

  it('aborts a pending delay when the world stops', async () => {
    const world = createWorld(parseWorld(testWorldInput()));
    const pending = world.delay(60_000);
    await world.stop();
    await expect(pending).rejects.toThrow('stopped');
  });

  it('appends trace entries to the trace file as JSON lines', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sandbox-trace-'));
    try {
      const path = join(dir, 'trace.jsonl');
      const world = createWorld(parseWorld(testWorldInput()), { tracePath: path });
      world.trace({ t0: 1, t1: 2, account: ALPHA, method: 'users.GetUsers', ok: true });
      world.trace({ t0: 3, t1: 4, account: ALPHA, method: 'channels.GetParticipants', error: 'FLOOD_WAIT_30' });
      await world.stop();
      const lines = (await readFile(path, 'utf8')).trim().split('\n');
      expect(lines).toEqual([
        '{"t0":1,"t1":2,"account":"+15550000001","method":"users.GetUsers","ok":true}',
        '{"t0":3,"t1":4,"account":"+15550000001","method":"channels.GetParticipants","error":"FLOOD_WAIT_30"}',
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
