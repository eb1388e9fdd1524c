import { describe, expect, it } from 'vitest';
import { createAuditRepository } from '../../../src/db/repositories/audit.js';
import { useMemoryDatabase } from '../helpers.js';

const openDatabase = useMemoryDatabase();

describe('AuditRepository', () => {
  it('records entries, keeping string args as they are and others as JSON', () => {
    const audit = createAuditRepository(openDatabase());
    const a = audit.record({ userId: 1, chatId: 1, action: 'scrape', args: '@bigchat --limit 10', outcome: 'submitted #1', at: 10 });
    const b = audit.record({ userId: 2, action: 'monitor add', args: { target: 'x', keywords: ['bike'] }, at: 20 });
    const c = audit.record({ action: 'start', at: 30 });
    expect(a).toMatchObject({ userId: 1, chatId: 1, action: 'scrape', args: '@bigchat --limit 10', outcome: 'submitted #1', at: 10 });
    expect(b).toMatchObject({ chatId: null, args: '{"target":"x","keywords":["bike"]}', outcome: null });
    expect(c).toMatchObject({ userId: null, args: null });
  });

  it('returns the latest entries first, limited', () => {
    const audit = createAuditRepository(openDatabase());
    for (const at of [5, 50, 20, 40]) audit.record({ action: `a${at}`, at });
    expect(audit.recent(3).map((e) => e.action)).toEqual(['a50', 'a40', 'a20']);
  });

  it('stamps entries with the current time by default', () => {
    const audit = createAuditRepository(openDatabase());
    const before = Date.now();
    const entry = audit.record({ action: 'help' });
    expect(entry.at).toBeGreaterThanOrEqual(before);
    expect(entry.at).toBeLessThanOrEqual(Date.now());
  });
});
