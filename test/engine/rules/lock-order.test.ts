import { describe, expect, it } from 'vitest';
import { createAccountLock, LOCK_ORDER, nextLock } from '../../../src/engine/rules/lock-order.js';

describe('lock order', () => {
  it('does take the scrape slot before the account, and only for scrapes', () => {
    expect(LOCK_ORDER).toEqual(['scrape-slot', 'account']);
    expect(nextLock('scraping', false)).toBe('scrape-slot');
    expect(nextLock('scraping', true)).toBe('account');
    expect(nextLock('sending', false)).toBe('account');
  });

  it('does time out a wait for a held account lock', async () => {
    const lock = createAccountLock(10);
    const release = await lock.acquire();
    await expect(lock.acquire()).rejects.toThrow();
    release();
    const again = await lock.acquire();
    again();
  });
});
