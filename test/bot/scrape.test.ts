import { afterEach, describe, expect, it } from 'vitest';
import { createAuditRepository } from '../../src/db/repositories/audit.js';
import { ADMIN, controlledRunner, createBotHarness, type BotHarness } from './harness.js';

let h: BotHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function withScrape() {
  const scrape = controlledRunner('scrape', 'scraping');
  const parse = (params: unknown) => {
    if ((params as { target: string }).target === '@refuseme') throw new Error('That chat cannot be scraped today.');
    return params;
  };
  h = await createBotHarness({ register: (e) => e.register({ ...scrape.definition, parse }) });
  return h;
}

describe('/scrape', () => {
  it('submits the target and every option as the operation params', async () => {
    const harness = await withScrape();
    await harness.send('/scrape https://t.me/bigchat --limit 500 --days 7 --account 2 --join');
    const [op] = harness.engine.listOperations();
    expect(op).toMatchObject({
      kind: 'scrape',
      params: { target: 'https://t.me/bigchat', limit: 500, days: 7, join: true },
      pinnedAccountId: 2,
      requestedBy: ADMIN,
      reportChatId: ADMIN,
    });
    const [audit] = await createAuditRepository(harness.db).recent(1);
    expect(audit).toMatchObject({ action: 'scrape', args: 'https://t.me/bigchat --limit 500 --days 7 --account 2 --join', outcome: `submitted #${op?.id}` });
  });

  it('leaves out options that were not given, and reads phone-typed dashes and = values', async () => {
    const harness = await withScrape();
    await harness.send('/scrape @bigchat');
    await harness.send('/scrape t.me/+AbCdEf123 —limit 10 --days=3');
    const ops = harness.engine.listOperations().reverse();
    expect(ops.map((o) => [o.params, o.pinnedAccountId])).toEqual([
      [{ target: '@bigchat', join: false }, null],
      [{ target: 't.me/+AbCdEf123', limit: 10, days: 3, join: false }, null],
    ]);
  });

  it('answers a refusal of the engine in plain words', async () => {
    const harness = await withScrape();
    await harness.send('/scrape @refuseme');
    expect(harness.texts()).toEqual(['That chat cannot be scraped today.']);
    expect(harness.engine.listOperations()).toEqual([]);
  });

  it('replies with the one progress message of the operation, nothing else', async () => {
    const harness = await withScrape();
    await harness.send('/scrape@switchboard_test_bot bigchat --limit 5');
    expect(harness.of('sendMessage')).toHaveLength(1);
    expect(harness.texts()[0]).toMatch(/Scrape bigchat \(#1\)/);
  });
});
