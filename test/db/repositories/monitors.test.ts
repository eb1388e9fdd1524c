import { expect, it } from 'vitest';
import { createAccountsRepository } from '../../../src/db/repositories/accounts.js';
import { createMonitorsRepository, type NewMonitorHit } from '../../../src/db/repositories/monitors.js';
import { describeEachDialect } from '../dialects.js';

const hit = (monitorId: number, messageId: number, at: number): NewMonitorHit => ({
  monitorId,
  chatId: -1_001_234_567_890,
  messageId,
  senderId: 7_123_456_789,
  text: `anyone selling a used bike? #${messageId}`,
  keyword: 'bike',
  at,
});

describeEachDialect('MonitorsRepository', (open) => {
  it('creates a monitor that is active with its keywords', async () => {
    const monitors = createMonitorsRepository(await open());
    const created = await monitors.create({ target: '@bigchat', keywords: ['bike', '/sell(ing)?/i'], createdBy: 7_123_456_789, reportChatId: -1_001_234_567_890 }, 1_000);
    expect(created).toEqual({
      id: 1,
      target: '@bigchat',
      keywords: ['bike', '/sell(ing)?/i'],
      active: true,
      hits: 0,
      createdBy: 7_123_456_789,
      reportChatId: -1_001_234_567_890,
      createdAt: 1_000,
      chatId: null,
      accountId: null,
      operationId: null,
      stoppedAt: null,
      lastMessageId: null,
    });
    expect(await monitors.get(created.id)).toEqual(created);
    expect(await monitors.get(created.id + 1)).toBeUndefined();
    expect(await monitors.get(99_999_999_999)).toBeUndefined();
  });

  it('updates the resolved chat and operation, keeping what the patch leaves out', async () => {
    const monitors = createMonitorsRepository(await open());
    const { id } = await monitors.create({ target: 'bigchat', keywords: ['bike'], reportChatId: 5 });
    expect(await monitors.update(id, { chatId: 1001, operationId: 7 })).toMatchObject({ chatId: 1001, operationId: 7, reportChatId: 5 });
    expect(await monitors.update(id, {})).toMatchObject({ chatId: 1001 });
    expect(await monitors.update(999, { chatId: 1 })).toBeUndefined();
  });

  it('does advance the last message seen only forward, and start it over through update', async () => {
    const monitors = createMonitorsRepository(await open());
    const { id } = await monitors.create({ target: 'bigchat', keywords: ['bike'] });
    expect(await monitors.advance(id, 0)).toBe(true);
    expect(await monitors.advance(id, 2_147_483_000)).toBe(true);
    expect((await monitors.get(id))?.lastMessageId).toBe(2_147_483_000);
    // A watch ending late, after the next one read further: nothing moves back.
    expect(await monitors.advance(id, 41)).toBe(false);
    expect(await monitors.advance(id, 2_147_483_000)).toBe(false);
    expect(await monitors.advance(99_999_999_999, 5)).toBe(false);
    expect(await monitors.update(id, { chatId: 9, lastMessageId: null })).toMatchObject({ chatId: 9, lastMessageId: null });
    expect(await monitors.advance(id, 41)).toBe(true);
    expect((await monitors.get(id))?.lastMessageId).toBe(41);
  });

  it('lists active monitors, those placed on an account, and all monitors, and stops one once', async () => {
    const db = await open();
    const monitors = createMonitorsRepository(db);
    const a = await monitors.create({ target: 'a', keywords: ['x'] });
    const b = await monitors.create({ target: 'b', keywords: ['y'] });
    expect(await monitors.stop(a.id, 9_000)).toBe(true);
    expect(await monitors.stop(a.id)).toBe(false);
    expect(await monitors.stop(404)).toBe(false);
    expect(await monitors.stop(99_999_999_999)).toBe(false);
    expect((await monitors.listActive()).map((m) => m.id)).toEqual([b.id]);
    expect((await monitors.listAll()).map((m) => m.id)).toEqual([b.id, a.id]);
    expect(await monitors.get(a.id)).toMatchObject({ active: false, stoppedAt: 9_000 });
    expect(await monitors.activeOn(1)).toEqual([]);
  });

  it('lists the active monitors placed on one account, oldest first', async () => {
    const db = await open();
    const accounts = createAccountsRepository(db);
    const a = await accounts.insert({ phone: '+15550001' }, 1);
    const b = await accounts.insert({ phone: '+15550002' }, 1);
    const monitors = createMonitorsRepository(db);
    const first = await monitors.create({ target: 'a', keywords: ['x'], accountId: a.id });
    await monitors.create({ target: 'b', keywords: ['x'], accountId: b.id });
    const stopped = await monitors.create({ target: 'c', keywords: ['x'], accountId: a.id });
    const moved = await monitors.create({ target: 'd', keywords: ['x'], accountId: b.id });
    await monitors.stop(stopped.id);
    await monitors.update(moved.id, { accountId: a.id });
    expect((await monitors.activeOn(a.id)).map((m) => m.id)).toEqual([first.id, moved.id]);
    // A removed account's monitors stay active with no account (the foreign key sets it null): the panel re-arms them.
    await accounts.delete(b.id);
    expect((await monitors.listActive()).map((m) => m.accountId)).toEqual([a.id, null, a.id]);
  });

  it('records a hit once per message and counts it on the monitor', async () => {
    const monitors = createMonitorsRepository(await open());
    const { id } = await monitors.create({ target: 'a', keywords: ['bike'] });
    expect(await monitors.recordHit(hit(id, 1, 100))).toBe('recorded');
    expect(await monitors.recordHit(hit(id, 1, 101))).toBe('seen');
    expect(await monitors.recordHit({ ...hit(id, 1, 102), chatId: 2002, senderId: null })).toBe('recorded');
    expect(await monitors.countHits(id)).toBe(2);
    expect((await monitors.get(id))?.hits).toBe(2);
  });

  it('stores no hit of a stopped or missing monitor, and says so', async () => {
    const monitors = createMonitorsRepository(await open());
    const { id } = await monitors.create({ target: 'a', keywords: ['bike'] });
    await monitors.stop(id);
    expect(await monitors.recordHit(hit(id, 1, 100))).toBe('stopped');
    expect(await monitors.recordHit(hit(id + 1, 1, 100))).toBe('stopped');
    expect(await monitors.countHits()).toBe(0);
    expect((await monitors.get(id))?.hits).toBe(0);
  });

  it('returns recent hits newest first, per monitor or overall', async () => {
    const monitors = createMonitorsRepository(await open());
    const a = await monitors.create({ target: 'a', keywords: ['bike'] });
    const b = await monitors.create({ target: 'b', keywords: ['bike'] });
    await monitors.recordHit(hit(a.id, 1, 100));
    await monitors.recordHit(hit(a.id, 2, 300));
    await monitors.recordHit(hit(b.id, 3, 200));
    expect((await monitors.recentHits(10, a.id)).map((h) => h.messageId)).toEqual([2, 1]);
    expect((await monitors.recentHits(2)).map((h) => h.messageId)).toEqual([2, 3]);
    expect(await monitors.countHits()).toBe(3);
    expect((await monitors.recentHits(1, b.id))[0]).toMatchObject({
      monitorId: b.id,
      chatId: -1_001_234_567_890,
      senderId: 7_123_456_789,
      keyword: 'bike',
      text: 'anyone selling a used bike? #3',
      at: 200,
    });
  });
});
