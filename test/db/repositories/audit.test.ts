import { expect, it } from 'vitest';
import { createAuditRepository } from '../../../src/db/repositories/audit.js';
import { describeEachDialect } from '../dialects.js';

describeEachDialect('AuditRepository', (open) => {
  it('records entries, keeping string args as they are and others as JSON', async () => {
    const audit = createAuditRepository(await open());
    const a = await audit.record({ userId: 1, chatId: 1, action: 'scrape', args: '@bigchat --limit 10', outcome: 'submitted #1', at: 10 });
    const b = await audit.record({ userId: 2, action: 'monitor add', args: { target: 'x', keywords: ['bike'] }, at: 20 });
    const c = await audit.record({ action: 'start', at: 30 });
    expect(a).toMatchObject({ userId: 1, chatId: 1, action: 'scrape', args: '@bigchat --limit 10', outcome: 'submitted #1', at: 10 });
    expect(b).toMatchObject({ chatId: null, args: '{"target":"x","keywords":["bike"]}', outcome: null });
    expect(c).toMatchObject({ userId: null, args: null });
    expect([a.id, b.id, c.id]).toEqual([1, 2, 3]);
  });

  it('keeps Telegram ids past 32 bits: supergroup chat ids and large user ids', async () => {
    const audit = createAuditRepository(await open());
    await audit.record({ userId: 7_123_456_789, chatId: -1_001_234_567_890, action: 'status', at: 1_790_000_000_000 });
    expect(await audit.recent(1)).toMatchObject([{ userId: 7_123_456_789, chatId: -1_001_234_567_890, at: 1_790_000_000_000 }]);
  });

  it('returns the latest entries first, limited', async () => {
    const audit = createAuditRepository(await open());
    for (const at of [5, 50, 20, 40]) await audit.record({ action: `a${at}`, at });
    expect((await audit.recent(3)).map((e) => e.action)).toEqual(['a50', 'a40', 'a20']);
  });

  it('stamps entries with the current time by default', async () => {
    const audit = createAuditRepository(await open());
    const before = Date.now();
    const entry = await audit.record({ action: 'help' });
    expect(entry.at).toBeGreaterThanOrEqual(before);
    expect(entry.at).toBeLessThanOrEqual(Date.now());
  });
});
