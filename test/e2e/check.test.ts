import { afterEach, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/engine/operations/index.js';
import { createWorld, parseWorld, type TraceEntry, type WorldInput } from '../../src/sandbox/index.js';
import { SPAM_BOT } from '../../src/sandbox/spam-bot.js';
import { createTelegramHarness, submitOk, type TelegramHarness } from './telegram-harness.js';

const account = (i: number, spamBot?: string) => ({
  phone: `+1555000000${i}`,
  userId: 7_000_000 + i,
  firstName: `Ops${i}`,
  code: '12345',
  authorized: true,
  ...(spamBot === undefined ? {} : { spamBot }),
});

const WORLD: WorldInput = {
  latencyMs: 1,
  accounts: [account(1), account(2, 'limited until 2026-12-15'), account(3, 'limited'), account(4, 'free')],
  chats: [{ id: 1001, kind: 'supergroup', username: 'checkchat', title: 'Check chat', members: { from: 1, count: 50 } }],
};

/** The world's and the engine's clock: 2 Dec 2026, 12:00 UTC plus whatever a test moves it on. */
const START = Date.UTC(2026, 11, 2, 12);

let h: TelegramHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function harness(input: WorldInput = WORLD) {
  const clock = { offset: 0 };
  const now = () => START + clock.offset;
  const trace: TraceEntry[] = [];
  const world = createWorld(parseWorld(input), { now, traceEntries: trace });
  h = await createTelegramHarness(input, { world, trace, engine: { now } });
  const stop = h.stop.bind(h);
  h.stop = async (keepDb) => {
    await stop(keepDb);
    await world.stop();
  };
  return { h, clock, world, trace };
}

async function check(t: TelegramHarness, accountId: number) {
  const op = submitOk(t.engine, { kind: 'check', accountId, priority: 3 });
  return t.engine.waitFor(op.id);
}

describe('Account checks through @SpamBot, end to end', () => {
  it('reads each verdict from the real GramJS client: free, limited until a date, limited with no end date', async () => {
    const { h: t } = await harness();
    const results = await Promise.all([1, 2, 3, 4].map((id) => check(t, id)));
    expect(results.map((op) => op.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    expect(results.map((op) => (op.result as CheckResult).verdict)).toEqual([
      { kind: 'free' },
      { kind: 'limited', until: Date.UTC(2026, 11, 15) },
      { kind: 'limited', until: null },
      { kind: 'free' },
    ]);
    const [one, two, three, four] = [1, 2, 3, 4].map((id) => t.engine.getAccount(id));
    if (!one || !two || !three || !four) throw new Error('an account is missing');
    expect(one.check).toEqual({ verdict: 'free', until: null, checkedAt: START });
    expect(two.state).toBe('limited');
    expect(two.stateReason).toBe('limited by @SpamBot until 2026-12-15');
    expect(three.state).toBe('limited');
    expect(three.stateReason).toBe('limited by @SpamBot with no end date');
    expect(four.state).toBe('idle');
    // Stored, and the next daily check planned a day (± an hour) later.
    const row = t.db.sqlite.prepare('select spam_verdict, spam_until, checked_at, next_check_at from accounts where id = 2').get() as Record<string, number | string>;
    expect(row).toMatchObject({ spam_verdict: 'limited', spam_until: Date.UTC(2026, 11, 15), checked_at: START });
    expect(Math.abs((row.next_check_at as number) - START - 86_400_000)).toBeLessThanOrEqual(3_600_000);
  });

  it('resolves @SpamBot and sends it /start as the account, and the answer lands in the chat history', async () => {
    const { h: t, world, trace } = await harness();
    await check(t, 2);
    const mine = trace.filter((e) => e.account === '+15550000002').map((e) => e.method);
    const resolveAt = mine.indexOf('contacts.ResolveUsername');
    expect(resolveAt).toBeGreaterThanOrEqual(0);
    expect(mine.indexOf('messages.SendMessage')).toBeGreaterThan(resolveAt);
    // The answer came as a pushed update: the check never had to read the history for it.
    expect(mine).not.toContain('messages.GetHistory');
    const history = world.privateHistory(world.account('+15550000002')!, SPAM_BOT.userId);
    expect(history.map((m) => [m.out, m.text.slice(0, 35)])).toEqual([
      [true, '/start'],
      [false, 'I’m afraid some Telegram users foun'],
    ]);
    expect(history[1]?.text).toContain('your account is now limited until 15 Dec 2026, 00:00 UTC.');
    expect(history[1]?.text).toContain('Your account will be automatically released on 15 Dec 2026, 00:00 UTC.');
  });

  it('gives a limited account no new work, and a later check that finds it free brings it back', async () => {
    const { h: t, clock } = await harness();
    await Promise.all([check(t, 2), check(t, 3)]);
    expect(t.engine.getAccount(2)?.state).toBe('limited');
    const pinned = t.engine.submit({ kind: 'send', accountId: 2, params: { target: '@user1', text: 'hi' } });
    expect(pinned).toEqual({ kind: 'refused', reason: 'limited', message: 'Account #2 is limited: limited by @SpamBot until 2026-12-15.' });
    const sends = await Promise.all(
      [1, 2, 3].map((n) => t.engine.waitFor(submitOk(t.engine, { kind: 'send', params: { target: `@user${n}`, text: 'hello' } }).id)),
    );
    expect(sends.every((op) => op.status === 'succeeded')).toBe(true);
    // #3 is limited for good: the unpinned sends went to #1 and #4 only.
    expect(new Set(sends.map((op) => op.accountId))).toEqual(new Set([1, 4]));
    // The world's clock passes the date: @SpamBot says free, and a check puts the account back.
    clock.offset = Date.UTC(2026, 11, 15, 1) - START;
    const again = await check(t, 2);
    expect((again.result as CheckResult).verdict).toEqual({ kind: 'free' });
    expect(t.engine.getAccount(2)).toMatchObject({ state: 'idle', stateReason: null });
    const send = await t.engine.waitFor(submitOk(t.engine, { kind: 'send', accountId: 2, params: { target: '@user5', text: 'back' } }).id);
    expect(send.status).toBe('succeeded');
  });

  it('marks a session Telegram no longer knows as dead', async () => {
    const input: WorldInput = { ...WORLD, faults: [{ account: '+15550000001', method: 'users.GetUsers', error: 'AUTH_KEY_UNREGISTERED', times: 5 }] };
    const { h: t } = await harness(input);
    const op = await check(t, 1);
    expect(op.status).toBe('failed');
    expect(op.error?.kind).toBe('dead');
    expect(t.engine.getAccount(1)?.state).toBe('dead');
  });

  it('checks the same way from the accounts thread, as npm start runs it', async () => {
    const world = createWorld(parseWorld(WORLD));
    h = await createTelegramHarness(WORLD, { world, threaded: true });
    const stop = h.stop.bind(h);
    h.stop = async (keepDb) => {
      await stop(keepDb);
      await world.stop();
    };
    const [free, limited] = await Promise.all([check(h, 1), check(h, 3)]);
    expect((free.result as CheckResult).verdict).toEqual({ kind: 'free' });
    expect((limited.result as CheckResult).verdict).toEqual({ kind: 'limited', until: null });
    expect(h.engine.getAccount(3)?.state).toBe('limited');
  });
});
