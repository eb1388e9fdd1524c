import { afterEach, describe, expect, it } from 'vitest';
import { createAuditRepository } from '../../src/db/repositories/audit.js';
import { ADMIN, STRANGER, controlledRunner, createBotHarness, flush, type BotHarness } from './harness.js';

let h: BotHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('adminFilter', () => {
  it('refuses a stranger with exactly one reply and runs nothing', async () => {
    const scrape = controlledRunner('scrape', 'scraping');
    h = await createBotHarness({ register: (e) => e.register(scrape.definition) });
    await h.send('/scrape @bigchat --limit 10', { from: STRANGER });
    await flush();
    expect(h.calls).toHaveLength(1);
    expect(h.calls[0]).toMatchObject({ method: 'sendMessage', payload: { chat_id: STRANGER, text: 'This panel is private.' } });
    expect(h.engine.listOperations()).toHaveLength(0);
    const audit = await createAuditRepository(h.db).recent(5);
    expect(audit[0]).toMatchObject({ userId: STRANGER, action: 'scrape', outcome: 'refused: not an admin' });
  });

  it('answers a stranger pressing a button once, without touching the account', async () => {
    h = await createBotHarness();
    await h.press('ac:1:p', { from: STRANGER });
    expect(h.calls).toHaveLength(1);
    expect(h.calls[0]).toMatchObject({ method: 'answerCallbackQuery', payload: { text: 'This panel is private.' } });
    expect(h.engine.getAccount(1)?.paused).toBe(false);
  });

  it('refuses documents from strangers and does not repeat the refusal within a minute', async () => {
    h = await createBotHarness();
    await h.send('', { from: STRANGER, document: { file_id: 'x', file_unique_id: 'y', file_name: 'list.txt', mime_type: 'text/plain' }, caption: '/bulk' });
    await h.send('/status', { from: STRANGER });
    await h.send('hello?', { from: STRANGER });
    expect(h.calls.map((c) => c.method)).toEqual(['sendMessage']);
    expect(h.of('getFile')).toHaveLength(0);
  });

  it('lets admins through and audits every command', async () => {
    h = await createBotHarness();
    await h.send('/help');
    await h.send('/status');
    expect(h.texts()[0]).toContain('/scrape TARGET');
    expect(h.texts()[1]).toContain('Switchboard status');
    const audit = await createAuditRepository(h.db).recent(5);
    expect(audit.map((a) => [a.userId, a.action, a.outcome])).toEqual([
      [ADMIN, 'status', 'ok'],
      [ADMIN, 'help', 'ok'],
    ]);
  });

  it('keeps session strings out of the audit log', async () => {
    h = await createBotHarness();
    const session = 'A'.repeat(40);
    await h.send(`/addaccount +15550009999 ${session}`);
    const [row] = await createAuditRepository(h.db).recent(1);
    expect(row?.args).toBe('+15550009999 [redacted]');
    expect(JSON.stringify(row)).not.toContain(session);
    // The message holding the session is deleted.
    expect(h.of('deleteMessage')).toHaveLength(1);
  });
});
