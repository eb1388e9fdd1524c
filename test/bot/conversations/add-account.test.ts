import { afterEach, describe, expect, it } from 'vitest';
import { systemClock, type Clock } from '../../../src/clock.js';
import type { CreateBotOptions } from '../../../src/bot/index.js';
import { createAuditRepository } from '../../../src/db/repositories/audit.js';
import { createSessionCipher } from '../../../src/db/session-crypto.js';
import { createHarness, type Harness } from '../../engine/harness.js';
import { ADMIN, createBotHarness, STRANGER, type BotHarness, type BotHarnessOptions } from '../harness.js';
import { fakeLogin } from './fake-login.js';

const harnesses: BotHarness[] = [];
const engines: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.bot.panel.stop();
  for (const e of engines.splice(0)) {
    await e.engine.stop();
    e.db.close();
  }
});

/** A clock that stands still until the test moves it; timers stay real. */
function movableClock(): { clock: Clock; advance(ms: number): void } {
  const start = Date.now();
  let offset = 0;
  return {
    clock: { ...systemClock, now: () => start + offset },
    advance: (ms) => {
      offset += ms;
    },
  };
}

async function engineHarness(): Promise<Harness> {
  // A cheap scrypt: pasted session strings are stored encrypted.
  const e = await createHarness(2, { cipher: createSessionCipher('a-test-secret-for-sessions', { scryptCost: 1024 }) });
  engines.push(e);
  return e;
}

async function make(bot: Partial<CreateBotOptions>, options: BotHarnessOptions = {}): Promise<BotHarness> {
  const h = await createBotHarness({ engineHarness: options.engineHarness ?? (await engineHarness()), ...options, bot });
  harnesses.push(h);
  return h;
}

/** The stored conversation rows, as SQLite holds them. */
function storedConversations(h: BotHarness): Array<{ key: string; value: string }> {
  return h.db.sqlite.prepare<[], { key: string; value: string }>("SELECT key, value FROM kv WHERE key LIKE 'conversation:%'").all();
}

const deleted = (h: BotHarness) => h.of('deleteMessage').map((c) => c.payload.message_id);
const last = (h: BotHarness) => h.texts().at(-1) ?? '';

describe('/addaccount conversation', () => {
  it('logs in with phone, code and two-step password, deleting the code and the password', async () => {
    const e = await engineHarness();
    const fake = fakeLogin(e.engine, { password: 'correct horse', hint: 'the stable' });
    const h = await make({ login: fake.login }, { engineHarness: e });

    await h.send('/addaccount');
    expect(last(h)).toContain('Send its phone number in the international form');
    await h.send('+15551234567');
    expect(fake.calls).toEqual([['start', '+15551234567']]);
    expect(last(h)).toContain('I sent a login code to +15551234567 through the Telegram app');

    const codeMessage = await h.send('1 2 3 4 5');
    expect(deleted(h)).toEqual([codeMessage]);
    expect(fake.calls.at(-1)).toEqual(['code', 'login-1', '1 2 3 4 5']);
    expect(last(h)).toContain('two-step verification password. Send it here (hint: the stable)');
    // Stored state is sealed: the answers so far are not readable in the database.
    const [row] = storedConversations(h);
    expect(row?.key).toBe(`conversation:${ADMIN}`);
    expect(row?.value).not.toContain('1 2 3 4 5');
    expect(row?.value).not.toContain('+15551234567');

    const passwordMessage = await h.send('correct horse');
    expect(deleted(h)).toEqual([codeMessage, passwordMessage]);
    expect(fake.calls.at(-1)).toEqual(['password', 'login-1', 'correct horse']);
    expect(last(h)).toBe('✅ Account #3 +15551234567 added.');
    expect(h.engine.listAccounts().map((a) => a.phone)).toContain('+15551234567');
    // The conversation is over: its state is gone and a plain message gets the usual hint.
    expect(storedConversations(h)).toEqual([]);
    await h.send('hello');
    expect(last(h)).toBe('Send /help to see what I can do.');
    const audit = await createAuditRepository(h.db).recent(10);
    expect(audit.find((a) => a.outcome === 'added account #3')).toMatchObject({ action: 'message', args: null });
    expect(JSON.stringify(audit)).not.toContain('correct horse');
  });

  it('asks again for a wrong code, at most three times, and cancels the login then', async () => {
    const e = await engineHarness();
    const fake = fakeLogin(e.engine);
    const h = await make({ login: fake.login }, { engineHarness: e });
    await h.send('/addaccount +15551234567');
    expect(fake.calls).toEqual([['start', '+15551234567']]);
    expect(last(h)).toContain('I sent a login code');

    const wrong = await h.send('5 4 3 2 1');
    expect(last(h)).toBe('The code is wrong.\n\nTry again, or /cancel to stop.');
    const right = await h.send('1 2 3 4 5');
    expect(deleted(h)).toEqual([wrong, right]);
    expect(last(h)).toBe('✅ Account #3 +15551234567 added.');

    h.clear();
    await h.send('/addaccount +15557654321');
    for (const code of ['1', '2', '3']) await h.send(code);
    expect(h.texts().slice(-3)).toEqual([
      'The code is wrong.\n\nTry again, or /cancel to stop.',
      'The code is wrong.\n\nTry again, or /cancel to stop.',
      '❌ The code is wrong.\n\nThat was the last try; start again with /addaccount.',
    ]);
    expect(fake.calls.at(-1)).toEqual(['cancel', 'login-2']);
    expect(deleted(h)).toHaveLength(3);
    expect(h.engine.listAccounts().map((a) => a.phone)).not.toContain('+15557654321');
  });

  it('asks for the phone again when the login service refuses it', async () => {
    const e = await engineHarness();
    const fake = fakeLogin(e.engine);
    const h = await make({ login: fake.login }, { engineHarness: e });
    await h.send('/addaccount');
    await h.send('12ab');
    expect(last(h)).toBe('"12ab" is not a phone number: use the international form, like +15551234567.\n\nSend the phone number again, or /cancel to stop.');
    await h.send('+1 555 123 4567');
    expect(fake.calls.map((c) => c[1])).toEqual(['12ab', '+1 555 123 4567']);
    expect(last(h)).toContain('I sent a login code to +1 555 123 4567');
  });

  it('ends with the message of a failure that cannot be retried', async () => {
    const e = await engineHarness();
    const fake = fakeLogin(e.engine);
    const h = await make({ login: fake.login }, { engineHarness: e });
    await h.send('/addaccount +15551234567');
    fake.pending.clear();
    await h.send('12345');
    expect(last(h)).toBe('❌ This login has expired: start again.');
    await h.send('12345');
    expect(last(h)).toBe('Send /help to see what I can do.');
  });

  it('takes a phone and session string pasted in one message and deletes it', async () => {
    const e = await engineHarness();
    const fake = fakeLogin(e.engine);
    const h = await make({ login: fake.login }, { engineHarness: e });
    await h.send('/addaccount');
    const session = '1BVtsOKABu' + 'x'.repeat(300);
    const pasted = await h.send(`+15559876543 ${session}`);
    expect(deleted(h)).toEqual([pasted]);
    expect(fake.calls).toEqual([]);
    expect(last(h)).toMatch(/^✅ Account #3 \+15559876543 added; it is /);
    const audit = JSON.stringify(await createAuditRepository(h.db).recent(10));
    expect(audit).not.toContain(session);
  });

  it('never quotes a session string back, pasted without its phone', async () => {
    const e = await engineHarness();
    const fake = fakeLogin(e.engine);
    const h = await make({ login: fake.login }, { engineHarness: e });
    const session = '1BVtsOKABu' + 'y'.repeat(200);
    await h.send('/addaccount');
    const alone = await h.send(session);
    const inline = await h.send(`/addaccount ${session}`);
    expect(h.texts().slice(1)).toEqual([
      'That looks like a session string without its phone number. Send the phone first, then the session, on one line: +15551234567 SESSION_STRING.',
      'Send the phone number, or the phone and the session string on one line. /cancel stops.',
      'Left /addaccount; nothing was changed.',
      'Put the phone number before the session string: /addaccount +15551234567 SESSION_STRING.',
    ]);
    expect(deleted(h)).toEqual([alone, inline]);
    expect(fake.calls).toEqual([]);
    expect(JSON.stringify(h.calls)).not.toContain(session);
    expect(JSON.stringify(await createAuditRepository(h.db).recent(10))).not.toContain(session);
  });

  it('leaves on /cancel, cancelling the started login, and changes nothing', async () => {
    const e = await engineHarness();
    const fake = fakeLogin(e.engine);
    const h = await make({ login: fake.login }, { engineHarness: e });
    await h.send('/addaccount');
    await h.send('+15551234567');
    await h.send('/cancel');
    expect(last(h)).toBe('Cancelled. Nothing was changed.');
    expect(fake.calls.at(-1)).toEqual(['cancel', 'login-1']);
    expect(storedConversations(h)).toEqual([]);
    await h.send('12345');
    expect(last(h)).toBe('Send /help to see what I can do.');
    expect(h.engine.listAccounts()).toHaveLength(2);
    // Outside a conversation, /cancel alone is answered in plain words.
    await h.send('/cancel');
    expect(last(h)).toBe('There is nothing to cancel here. To stop an operation, send /cancel ID (/ops lists them).');
  });

  it('leaves for another command, which then runs', async () => {
    const e = await engineHarness();
    const fake = fakeLogin(e.engine);
    const h = await make({ login: fake.login }, { engineHarness: e });
    await h.send('/addaccount +15551234567');
    h.clear();
    await h.send('/accounts');
    expect(h.texts()[0]).toBe('Left /addaccount; nothing was changed.');
    expect(h.texts()[1]).toContain('👤 Accounts (2)');
    expect(fake.calls.at(-1)).toEqual(['cancel', 'login-1']);
  });

  it('times out after five minutes: the late answer is told so, deleted, and not used', async () => {
    const e = await engineHarness();
    const fake = fakeLogin(e.engine);
    const time = movableClock();
    const h = await make({ login: fake.login, clock: time.clock }, { engineHarness: e });
    await h.send('/addaccount +15551234567');
    time.advance(4 * 60_000);
    const wrong = await h.send('9 9 9 9 9');
    expect(last(h)).toContain('The code is wrong.');
    // Each question has its own five minutes.
    time.advance(5 * 60_000 - 1);
    const late = await h.send('9 9 9 9 8');
    expect(last(h)).toContain('The code is wrong.');
    time.advance(5 * 60_000);
    // The right code, but too late.
    const later = await h.send('1 2 3 4 5');
    expect(last(h)).toBe('That conversation timed out; start again with /addaccount.');
    expect(deleted(h)).toEqual([wrong, late, later]);
    expect(fake.calls.filter((c) => c[0] === 'code')).toHaveLength(2);
    expect(fake.calls.at(-1)).toEqual(['cancel', 'login-1']);
    await h.send('1 2 3 4 5');
    expect(last(h)).toBe('Send /help to see what I can do.');
    expect(h.engine.listAccounts()).toHaveLength(2);
  });

  it('takes the timeout from conversationTimeoutMs, and still runs a command that comes late', async () => {
    const e = await engineHarness();
    const fake = fakeLogin(e.engine);
    const time = movableClock();
    const h = await make({ login: fake.login, clock: time.clock, conversationTimeoutMs: 1000 }, { engineHarness: e });
    await h.send('/addaccount');
    time.advance(1000);
    h.clear();
    await h.send('/accounts');
    expect(h.texts()[0]).toBe('That conversation timed out; start again with /addaccount.');
    expect(h.texts()[1]).toContain('👤 Accounts (2)');
    expect(fake.calls).toEqual([]);
  });

  it('continues after a restart: a new bot on the same database finishes the login', async () => {
    const e = await engineHarness();
    const fake = fakeLogin(e.engine, { password: 'pw' });
    const first = await make({ login: fake.login }, { engineHarness: e });
    await first.send('/addaccount');
    await first.send('+15551234567');
    expect(last(first)).toContain('I sent a login code');
    await first.bot.panel.stop();

    // Nothing of the first bot is reused but the database (and the login service, which is the engine's).
    const second = await make({ login: fake.login }, { engineHarness: e });
    const code = await second.send('12345');
    expect(second.of('deleteMessage').map((c) => c.payload.message_id)).toEqual([code]);
    expect(last(second)).toContain('two-step verification password');
    await second.send('pw');
    expect(last(second)).toBe('✅ Account #3 +15551234567 added.');
    expect(fake.calls.map((c) => c[0])).toEqual(['start', 'code', 'password']);
    // Nothing was said twice by the replay after the restart.
    expect(second.texts()).toHaveLength(2);
  });

  it('drops a stored conversation it cannot decrypt (another SESSION_SECRET) instead of getting stuck', async () => {
    const e = await engineHarness();
    const fake = fakeLogin(e.engine);
    const first = await make({ login: fake.login }, { engineHarness: e });
    await first.send('/addaccount +15551234567');
    await first.bot.panel.stop();
    const second = await make({ login: fake.login }, { engineHarness: e, env: { SESSION_SECRET: 'another-secret-of-some-length' } });
    await second.send('12345');
    expect(last(second)).toBe('Send /help to see what I can do.');
    expect(storedConversations(second)).toEqual([]);
    expect(fake.calls.map((c) => c[0])).toEqual(['start']);
  });

  it('explains that only session strings can be added when there is no phone login', async () => {
    const h = await make({});
    await h.send('/addaccount');
    expect(h.texts()).toEqual([expect.stringContaining('This panel adds accounts by session string only')]);
    await h.send('+15551234567');
    expect(last(h)).toBe('Send /help to see what I can do.');
  });

  it('keeps strangers out: the admin filter stands in front of conversations', async () => {
    const e = await engineHarness();
    const fake = fakeLogin(e.engine);
    const h = await make({ login: fake.login }, { engineHarness: e });
    const GROUP = -100777;
    await h.send('/addaccount', { chatId: GROUP });
    await h.send('+15550001111', { chatId: GROUP, from: STRANGER });
    await h.send('/addaccount', { from: STRANGER });
    expect(fake.calls).toEqual([]);
    expect(h.texts().filter((t) => t === 'This panel is private.')).toHaveLength(1);
    await h.send('+15551234567', { chatId: GROUP });
    expect(fake.calls).toEqual([['start', '+15551234567']]);
  });
});
