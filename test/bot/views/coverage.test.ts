import { describe, expect, it } from 'vitest';
import { coverageSplit, foundOf } from '../../../src/bot/views/coverage.js';

describe('Scrape coverage', () => {
  it('tells the members found of the chat count with the share', () => {
    expect(foundOf({ found: 9840, total: 25_000 })).toBe('9,840 of 25,000 members (39%)');
    expect(foundOf({ found: 25_000, total: 25_000 })).toBe('25,000 of 25,000 members (100%)');
    expect(foundOf({ found: 3, total: 25_000 })).toBe('3 of 25,000 members (<1%)');
    expect(foundOf({ found: 0, total: 1 })).toBe('0 of 1 member (0%)');
    expect(foundOf({ found: 0, total: 0 })).toBe('0 of 0 members');
    expect(foundOf({ found: 1, total: null })).toBe('1 member');
  });

  it('splits the members by the way found, leaving out ways that found none', () => {
    const capped = { found: 25_000, total: 25_000, coverage: { list: 10_000, search: 15_000, messages: 0 } };
    expect(coverageSplit(capped)).toBe("10,000 from the member list, 15,000 from search past Telegram's listing cap.");
    expect(coverageSplit(capped, 'short')).toBe('10,000 from the list, 15,000 from search');
    const three = { found: 6, total: 10, coverage: { list: 1, search: 2, messages: 3 } };
    expect(coverageSplit(three)).toBe("1 from the member list, 2 from search past Telegram's listing cap, 3 from message authors.");
  });

  it('says all came one way when only one found any', () => {
    expect(coverageSplit({ found: 1500, total: 1500, coverage: { list: 1500, search: 0, messages: 0 } })).toBe('All from the member list.');
    expect(coverageSplit({ found: 250, total: 3000, coverage: { list: 0, search: 0, messages: 250 } })).toBe('All from message authors.');
    expect(coverageSplit({ found: 250, total: 3000, coverage: { list: 0, search: 0, messages: 250 } }, 'short')).toBe('all from message authors');
  });

  it('tells no split when it cannot: nothing found, no coverage, or ways that do not add up', () => {
    expect(coverageSplit({ found: 0, total: 10, coverage: { list: 0, search: 0, messages: 0 } })).toBeUndefined();
    expect(coverageSplit({ found: 10, total: 10 })).toBeUndefined();
    // A scrape resumed from a checkpoint saved before coverage was counted.
    expect(coverageSplit({ found: 10, total: 10, coverage: { list: 4, search: 0, messages: 0 } })).toBeUndefined();
  });
});
