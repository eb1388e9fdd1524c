import { describe, expect, it } from 'vitest';
import { createMonitorsRepository, type NewMonitorHit } from '../../../src/db/repositories/monitors.js';
import { useMemoryDatabase } from '../helpers.js';

const openDatabase = useMemoryDatabase();

const hit = (monitorId: number, messageId: number, at: number): NewMonitorHit => ({
  monitorId,
  chatId: 1001,
  messageId,
  senderId: 10_000_042,
  text: `anyone selling a used bike? #${messageId}`,
  keyword: 'bike',
  at,
});

describe('MonitorsRepository', () => {
  it('creates a monitor that is active with its keywords', () => {
    const monitors = createMonitorsRepository(openDatabase());
    const created = monitors.create({ target: '@bigchat', keywords: ['bike', '/sell(ing)?/i'], createdBy: 1 }, 1_000);
    expect(created).toMatchObject({
      target: '@bigchat',
      keywords: ['bike', '/sell(ing)?/i'],
      active: true,
      hits: 0,
      createdBy: 1,
      createdAt: 1_000,
      chatId: null,
      stoppedAt: null,
    });
    expect(monitors.get(created.id)).toEqual(created);
    expect(monitors.get(created.id + 1)).toBeUndefined();
  });

  it('updates the resolved chat and operation, keeping what the patch leaves out', () => {
    const monitors = createMonitorsRepository(openDatabase());
    const { id } = monitors.create({ target: 'bigchat', keywords: ['bike'], reportChatId: 5 });
    expect(monitors.update(id, { chatId: 1001, operationId: 7 })).toMatchObject({ chatId: 1001, operationId: 7, reportChatId: 5 });
    expect(monitors.update(id, {})).toMatchObject({ chatId: 1001 });
    expect(monitors.update(999, { chatId: 1 })).toBeUndefined();
  });

  it('lists active monitors and all monitors, and stops one once', () => {
    const monitors = createMonitorsRepository(openDatabase());
    const a = monitors.create({ target: 'a', keywords: ['x'] });
    const b = monitors.create({ target: 'b', keywords: ['y'] });
    expect(monitors.stop(a.id, 9_000)).toBe(true);
    expect(monitors.stop(a.id)).toBe(false);
    expect(monitors.stop(404)).toBe(false);
    expect(monitors.listActive().map((m) => m.id)).toEqual([b.id]);
    expect(monitors.listAll().map((m) => m.id)).toEqual([b.id, a.id]);
    expect(monitors.get(a.id)).toMatchObject({ active: false, stoppedAt: 9_000 });
  });

  it('records a hit once per message and counts it on the monitor', () => {
    const monitors = createMonitorsRepository(openDatabase());
    const { id } = monitors.create({ target: 'a', keywords: ['bike'] });
    expect(monitors.recordHit(hit(id, 1, 100))).toBe(true);
    expect(monitors.recordHit(hit(id, 1, 101))).toBe(false);
    expect(monitors.recordHit({ ...hit(id, 1, 102), chatId: 2002 })).toBe(true);
    expect(monitors.countHits(id)).toBe(2);
    expect(monitors.get(id)?.hits).toBe(2);
  });

  it('returns recent hits newest first, per monitor or overall', () => {
    const monitors = createMonitorsRepository(openDatabase());
    const a = monitors.create({ target: 'a', keywords: ['bike'] });
    const b = monitors.create({ target: 'b', keywords: ['bike'] });
    monitors.recordHit(hit(a.id, 1, 100));
    monitors.recordHit(hit(a.id, 2, 300));
    monitors.recordHit(hit(b.id, 3, 200));
    expect(monitors.recentHits(10, a.id).map((h) => h.messageId)).toEqual([2, 1]);
    expect(monitors.recentHits(2).map((h) => h.messageId)).toEqual([2, 3]);
    expect(monitors.countHits()).toBe(3);
    expect(monitors.recentHits(1, b.id)[0]).toMatchObject({ senderId: 10_000_042, keyword: 'bike', text: 'anyone selling a used bike? #3' });
  });
});
