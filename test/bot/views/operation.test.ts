import { describe, expect, it } from 'vitest';
import { renderOperation } from '../../../src/bot/views/operation.js';
import type { Operation } from '../../../src/engine/types.js';

const base: Operation = {
  id: 7,
  kind: 'scrape',
  type: 'scraping',
  params: { target: '@bigchat' },
  status: 'running',
  priority: 5,
  pinnedAccountId: null,
  accountId: 3,
  attempts: 1,
  progress: { done: 10_000, total: 25_000 },
  result: null,
  error: null,
  notice: null,
  requestedBy: 1,
  reportChatId: 1,
  reportMessageId: 2,
  parentId: null,
  createdAt: 0,
  startedAt: 0,
  finishedAt: null,
};

describe('renderOperation', () => {
  it('says what a running operation is waiting for', () => {
    const text = renderOperation({ ...base, notice: 'Telegram asked this account to wait 30 s (flood control). Waiting it out, then resuming.' }, { now: 0 }).text;
    expect(text).toContain('⏸ Telegram asked this account to wait 30 s');
    expect(renderOperation(base, { now: 0 }).text).not.toContain('⏸');
  });

  it('says why a moved operation waits again', () => {
    const text = renderOperation(
      { ...base, status: 'queued', attempts: 1, error: { kind: 'flood', message: 'Telegram asked this account to wait 10 min (flood control).' } },
      { now: 0 },
    ).text;
    expect(text).toContain('Waiting to try again');
    expect(text).toContain('wait 10 min (flood control)');
  });
});
