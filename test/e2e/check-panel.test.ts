import { describe, expect, it } from 'vitest';
import { createAuditRepository } from '../../src/db/repositories/audit.js';
import type { WorldInput } from '../../src/sandbox/index.js';
import { botApiOf, panelApps } from './panel-app.js';
import { until } from '../until.js';

const ADMIN = { id: 1, first_name: 'Admin' };

// Dates far ahead, so the world's own clock (the real one here) never reaches them.
const WORLD: WorldInput = {
  latencyMs: 1,
  accounts: [
    { phone: '+15550000001', userId: 7_000_001, firstName: 'Ops', code: '11111', authorized: true },
    { phone: '+15550000002', userId: 7_000_002, firstName: 'Ops', code: '22222', authorized: true, spamBot: 'limited until 2999-12-15' },
    { phone: '+15550000003', userId: 7_000_003, firstName: 'Ops', code: '33333', authorized: true, spamBot: 'limited' },
  ],
  chats: [],
};

const panels = panelApps('switchboard-check-');
const startPanel = (world: WorldInput = WORLD) => panels.start(world);
const api = botApiOf;
const trace = () => panels.trace();

describe('/check, end to end', () => {
  it('answers one line per account, and tells the admins of each limit once', async () => {
    const a = await startPanel();
    const server = api(a);
    const answer = server.waitFor((m) => m.chatId === ADMIN.id && (m.text?.includes('alive, free') ?? false), 20_000);
    server.userSends(ADMIN, '/check all');
    expect((await answer).text).toBe(
      [
        '#1 Ops (+1555…0001): alive, free',
        '#2 Ops (+1555…0002): alive, limited until 15 Dec 2999',
        '#3 Ops (+1555…0003): alive, limited with no end date',
      ].join('\n'),
    );
    await until(() => server.history(ADMIN.id).filter((m) => m.text?.startsWith('🔎') ?? false).length === 2, 'the two verdict alerts');
    const alerts = server
      .history(ADMIN.id)
      .filter((m) => m.text?.startsWith('🔎') ?? false)
      .map((m) => m.text)
      .sort();
    expect(alerts).toEqual([
      '🔎 Account #2 Ops (+1555…0002): @SpamBot says: limited until 15 Dec 2999. It has left rotation and comes back by itself then.',
      '🔎 Account #3 Ops (+1555…0003): @SpamBot says: limited with no end date. It has left rotation until a check finds it free.',
    ]);
    // No second alert for the same thing: the state change to "limited" is the verdict's.
    expect(server.history(ADMIN.id).filter((m) => m.text?.startsWith('🟠') ?? false)).toEqual([]);
    expect(a.engine.getAccount(2)).toMatchObject({ state: 'limited', stateReason: 'limited by @SpamBot until 2999-12-15' });
    // Each account resolved @SpamBot, then sent it /start.
    await a.stop();
    for (const phone of ['+15550000001', '+15550000002', '+15550000003']) {
      const methods = trace()
        .filter((t) => t.account === phone)
        .map((t) => t.method);
      expect(methods.indexOf('messages.SendMessage'), phone).toBeGreaterThan(methods.indexOf('contacts.ResolveUsername'));
      expect(methods.indexOf('contacts.ResolveUsername'), phone).toBeGreaterThanOrEqual(0);
    }
  });

  it('answers bad input plainly and runs nothing', async () => {
    const a = await startPanel();
    const server = api(a);
    const audit = createAuditRepository(a.db);
    const USAGE = 'Check an account’s session and its @SpamBot verdict: /check ID, or /check all for every account.';
    const bad: Array<[string, string]> = [
      ['/check', USAGE],
      ['/check abc', `The account number must be a whole number (got "abc"). ${USAGE}`],
      ['/check 99', 'There is no account #99. /accounts lists them.'],
      ['/check 1 2', `Check one account or all of them. ${USAGE}`],
      ['/check -1', `The account number must be at least 1 (got -1). ${USAGE}`],
    ];
    const handled = async () => (await audit.recent(100)).filter((row) => row.userId === ADMIN.id).length;
    for (const [i, [text, reply]] of bad.entries()) {
      const sent = server.userSends(ADMIN, text);
      await until(async () => (await handled()) === i + 1, `the answer to ${text}`);
      const replies = server.history(ADMIN.id).filter((m) => m.sender === 'bot' && m.messageId > sent.messageId);
      expect(
        replies.map((m) => m.text),
        text,
      ).toEqual([reply]);
    }
    // A paused account runs nothing: the answer says so at once.
    a.engine.pauseAccount(1);
    const paused = server.waitFor((m) => m.text?.startsWith('#1') ?? false, 10_000);
    server.userSends(ADMIN, '/check 1');
    expect((await paused).text).toBe('#1 Ops (+1555…0001): not checked: it is paused (resume it on its /status screen first)');
    expect(a.engine.listOperations({ limit: 50, includeInternal: true }).filter((op) => op.kind === 'check')).toEqual([]);
    await a.stop();
    expect(trace().filter((t) => t.method === 'contacts.ResolveUsername')).toEqual([]);
  });

  it('says a dead account is dead, without asking Telegram', async () => {
    const world: WorldInput = { ...WORLD, faults: [{ account: '+15550000001', method: 'users.GetUsers', error: 'AUTH_KEY_UNREGISTERED', times: 10 }] };
    const a = await startPanel(world);
    const server = api(a);
    const first = server.waitFor((m) => m.text?.startsWith('#1') ?? false, 20_000);
    server.userSends(ADMIN, '/check 1');
    expect((await first).text).toBe('#1 Ops (+1555…0001): dead: the session is no longer logged in');
    const again = server.waitFor((m) => m.text?.startsWith('#1') ?? false, 20_000);
    server.userSends(ADMIN, '/check 1');
    expect((await again).text).toBe('#1 Ops (+1555…0001): dead: the session is no longer logged in');
    expect(a.engine.listOperations({ limit: 50, includeInternal: true }).filter((op) => op.kind === 'check')).toHaveLength(1);
  });
});
