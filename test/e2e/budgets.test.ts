import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { windowEnd } from '../../src/engine/budget.js';
import type { WorldInput } from '../../src/sandbox/index.js';
import { createTelegramHarness, worldAccounts, type TelegramHarness } from './telegram-harness.js';
import { botApiOf, panelApps } from './panel-app.js';
import { until } from '../until.js';

const ADMIN = { id: 1, first_name: 'Admin' };

const chat = (n: number) => ({ id: 2000 + n, kind: 'supergroup' as const, username: `budgetchat${n}`, title: `Budget chat ${n}`, members: { from: 1, count: 50 } });

const world = (faults: WorldInput['faults'] = []): WorldInput => ({
  latencyMs: 1,
  accounts: [
    { phone: '+15550000001', userId: 7_000_001, firstName: 'Ops', code: '11111', authorized: true },
    { phone: '+15550000002', userId: 7_000_002, firstName: 'Ops', code: '22222', authorized: true },
  ],
  chats: [1, 2, 3, 4, 5].map(chat),
  faults,
});

let harness: TelegramHarness | undefined;
afterEach(async () => {
  await harness?.stop();
  harness = undefined;
});

/**
 * The whole panel as `npm start` builds it (the accounts' GramJS clients in the accounts thread, the
 * real grammY bot on the local Bot API server), on a database file that outlives a restart.
 */
const panels = panelApps('switchboard-budgets-');
const startPanel = (input: WorldInput, env: Record<string, string>) => panels.start(input, { env });
const api = botApiOf;

/** The joins each account made, from the trace (complete once the app has stopped). */
const joinsByAccount = () =>
  panels
    .trace()
    .filter((t) => t.method === 'channels.JoinChannel')
    .map((t) => t.account);

/** Sends a command and waits for the operation message that ends it (✅ or ❌), or for the bot's refusal. */
async function command(a: App, text: string, ends: RegExp): Promise<string> {
  const reply = api(a).waitFor((m) => ends.test(m.text ?? ''), 20_000);
  api(a).userSends(ADMIN, text);
  return (await reply).text ?? '';
}

/** Opens the account's screen from /status (Accounts, then the account's button) and returns its text. */
async function accountScreen(a: App, id: number): Promise<string> {
  const server = api(a);
  const panel = server.waitFor((m) => m.text?.startsWith('📟 Switchboard status') ?? false, 5000);
  server.userSends(ADMIN, '/status');
  const status = await panel;
  const data = (label: RegExp) =>
    (server.history(ADMIN.id).find((m) => m.messageId === status.messageId)?.replyMarkup?.inline_keyboard.flat().find((b) => label.test(b.text)) as { callback_data: string } | undefined)
      ?.callback_data;
  await server.userPresses(ADMIN, status.messageId, data(/Accounts/)!);
  await server.userPresses(ADMIN, status.messageId, data(new RegExp(`#${id}`))!);
  return server.history(ADMIN.id).find((m) => m.messageId === status.messageId)?.text ?? '';
}

/**
 * The account screen's budget line, as a pattern. Look-ups count per UTC hour: when an hour ended since
 * `since` (the test began), some of them may have been counted in the hour before, and any count up to
 * `lookups` is right.
 */
function todayLine(text: string, lookups: number, since: number): RegExp {
  const escaped = text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const sameHour = windowEnd('resolve', since) === windowEnd('resolve', Date.now());
  return new RegExp(`Today: ${escaped} · look-ups ${sameHour ? lookups : `[0-${lookups}]`}/100 \\(this hour\\)`);
}

/** `00:00 UTC`, when today's joins start again from 0. */
const nextDay = () => `${new Date(windowEnd('join', Date.now())).toISOString().slice(11, 16)} UTC`;

describe('Budgets, end to end', () => {
  it('halves the join budget after a PEER_FLOOD on a join, and the account screen shows it', async () => {
    const since = Date.now();
    const a = await startPanel(world([{ account: '+15550000001', method: 'channels.JoinChannel', afterCalls: 1, error: 'PEER_FLOOD' }]), { JOIN_DAILY_CAP: '6' });
    expect(await command(a, '/join @budgetchat1 --account 1', /^[✅❌] Join/)).toMatch(/^✅/);
    expect(await command(a, '/join @budgetchat2 --account 1', /^[✅❌] Join/)).toMatch(/^❌/);
    const joins = a.engine.getAccount(1)?.budgets.find((b) => b.action === 'join');
    // Both joins were made (Telegram answered the second with PEER_FLOOD): 2 of a cap halved from 6 to 3, for 24 h.
    expect(joins).toMatchObject({ used: 2, cap: 3, fullCap: 6 });
    expect(joins?.halvedUntil).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    // The engine's R10 stays as it was: PEER_FLOOD also takes the account out of rotation.
    expect(a.engine.getAccount(1)?.state).toBe('limited');
    expect(await accountScreen(a, 1)).toMatch(todayLine('joins 2/3 (halved) · sends 0/50', 2, since));
    // The other account's budgets are untouched.
    expect(a.engine.getAccount(2)?.budgets.find((b) => b.action === 'join')).toMatchObject({ used: 0, cap: 6 });
  });

  it('refuses a pinned /join past the cap saying when, moves unpinned work to an account with budget, and keeps the counts across a restart', async () => {
    const since = Date.now();
    let a = await startPanel(world(), { JOIN_DAILY_CAP: '1' });
    expect(await command(a, '/join @budgetchat1 --account 2', /^[✅❌] Join/)).toMatch(/^✅ Join/);
    // Pinned to an account without budget: refused at once, nothing queued.
    const refusal = await command(a, '/join @budgetchat2 --account 2', /Account #2/);
    expect(refusal).toContain(`Account #2 has used its 1 join for today; it can join again at ${nextDay()}.`);
    expect(a.engine.unfinishedOperations('join')).toEqual([]);
    // Unpinned: it goes to the account that still has a join left.
    expect(await command(a, '/join @budgetchat3', /^[✅❌] Join/)).toMatch(/^✅ Join/);
    // Now no account has any: it waits, persisted, until the day's window ends.
    const waiting = api(a).waitFor((m) => m.text?.includes('No account has joins left for today') ?? false, 10_000);
    api(a).userSends(ADMIN, '/join @budgetchat4');
    expect((await waiting).text).toContain(`No account has joins left for today; waiting until ${nextDay()}.`);
    const [queued] = a.engine.unfinishedOperations('join');
    expect(queued).toMatchObject({ status: 'queued', error: { kind: 'no_budget' } });
    await until(() => {
      const row = a.db.sqlite.prepare(`select not_before as notBefore from operations where id = ?`).get(queued!.id) as { notBefore: number | null };
      return row.notBefore === windowEnd('join', Date.now());
    }, 'the wait to be stored');
    expect(await accountScreen(a, 2)).toMatch(todayLine('joins 1/1 · sends 0/50', 1, since));
    expect(await accountScreen(a, 1)).toMatch(todayLine('joins 1/1 · sends 0/50', 1, since));
    await a.stop();
    expect(joinsByAccount().sort()).toEqual(['+15550000001', '+15550000002']);

    // The same database after a restart: the counters are where they were, and so is the refusal.
    a = await startPanel(world(), { JOIN_DAILY_CAP: '1' });
    expect(a.engine.getAccount(1)?.budgets.find((b) => b.action === 'join')).toMatchObject({ used: 1, cap: 1 });
    expect(await accountScreen(a, 2)).toMatch(todayLine('joins 1/1 · sends 0/50', 1, since));
    expect(await command(a, '/join @budgetchat5 --account 1', /Account #1/)).toContain(`Account #1 has used its 1 join for today; it can join again at ${nextDay()}.`);
    // The waiting join is still waiting, for the same moment.
    expect(a.engine.getOperation(queued!.id)).toMatchObject({ status: 'queued', error: { kind: 'no_budget' } });
  });

  it('counts a send and its look-up, and halves the sends of an account after a long flood wait on a message', async () => {
    const since = Date.now();
    const a = await startPanel(world([{ account: '+15550000002', method: 'messages.SendMessage', afterCalls: 1, error: 'FLOOD_WAIT_600' }]), { SEND_MIN_INTERVAL_S: '0', SEND_DAILY_CAP: '10' });
    expect(await command(a, '/send @user1 hello --account 2', /^[✅❌] Send/)).toMatch(/^✅/);
    expect(await accountScreen(a, 2)).toMatch(todayLine('joins 0/20 · sends 1/10', 1, since));
    // The second message meets a 10 min flood wait: above FLOOD_SLEEP_THRESHOLD_S (60 s), so the account
    // cools down and its sends are halved; the pinned send waits for the cooldown (R7, unchanged).
    const waiting = api(a).waitFor((m) => /wait 10 min/.test(m.text ?? ''), 20_000);
    api(a).userSends(ADMIN, '/send @user2 again --account 2');
    await waiting;
    await until(() => a.engine.getAccount(2)?.budgets.find((b) => b.action === 'send')?.cap === 5, 'the send cap to be halved');
    expect(a.engine.getAccount(2)?.state).toBe('cooling');
    expect(await accountScreen(a, 2)).toContain('sends 2/5 (halved)');
    expect(a.engine.getAccount(1)?.budgets.find((b) => b.action === 'send')).toMatchObject({ used: 0, cap: 10 });
  });

  it('spreads a bulk scrape over the accounts by their look-ups, in the accounts thread, and lets the rest wait for the next hour', async () => {
    const chats = Array.from({ length: 5 }, (_, i) => ({ id: 8100 + i, kind: 'supergroup' as const, username: `lookupchat${i}`, title: `Look-up ${i}`, members: { from: 1, count: 30 } }));
    harness = await createTelegramHarness({ latencyMs: 1, accounts: worldAccounts(2), chats }, { threaded: true, engine: { budgets: { resolve: 2 } } });
    const h = harness;
    const since = Date.now();
    const results = h.engine.submitMany(chats.map((c) => ({ kind: 'scrape', params: { target: `@${c.username}` } })));
    const ids = results.map((r) => (r.kind === 'queued' ? r.operation.id : Number.NaN));
    // Four look-ups this hour (2 accounts × 2): each account spends its two, and what they could not
    // scrape waits for the hour to end. Four succeed unless an attempt failed after its look-up (a retry
    // must look up again), so the count is of scrapes done or waiting for budget, never of more look-ups.
    const lookedUp = () => h.trace.filter((t) => t.method === 'contacts.ResolveUsername').length;
    const settled = () => ids.map((id) => h.engine.getOperation(id)).filter((op) => op?.status === 'succeeded' || (op?.status === 'queued' && op.error?.kind === 'no_budget'));
    await until(() => lookedUp() === 4 && settled().length === 5, 'four look-ups, and every scrape done or waiting for budget', { tries: 4000 }).catch((error: unknown) => {
      const ops = ids.map((id) => h.engine.getOperation(id)).map((op) => `#${op?.id} ${op?.status} attempts ${op?.attempts} ${JSON.stringify(op?.error)}`);
      const accounts = h.engine.listAccounts().map((a) => `#${a.id} ${a.state} ${JSON.stringify(a.budgets)}`);
      throw new Error(`${String(error)}\n${ops.join('\n')}\n${accounts.join('\n')}`);
    });
    if (windowEnd('resolve', since) !== windowEnd('resolve', Date.now())) return; // an hour ended meanwhile: its budget started again
    const succeeded = ids.filter((id) => h.engine.getOperation(id)?.status === 'succeeded');
    expect(succeeded.length).toBeGreaterThanOrEqual(1);
    const waiting = ids.map((id) => h.engine.getOperation(id)).filter((op) => op?.status === 'queued');
    expect(waiting).toHaveLength(5 - succeeded.length);
    for (const op of waiting) {
      expect(op?.error).toEqual({
        kind: 'no_budget',
        message: `No account has username look-ups left this hour; waiting until ${new Date(windowEnd('resolve', Date.now())).toISOString().slice(11, 16)} UTC.`,
      });
    }
    const lookups = h.trace.filter((t) => t.method === 'contacts.ResolveUsername');
    expect(lookups.filter((t) => t.account === '+15550000001')).toHaveLength(2);
    expect(lookups.filter((t) => t.account === '+15550000002')).toHaveLength(2);
    expect(h.engine.listAccounts().map((a) => a.budgets.find((b) => b.action === 'resolve')?.used)).toEqual([2, 2]);
  });
});
