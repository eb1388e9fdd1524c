import { describe, expect, it } from 'vitest';
import { compileKeywords, parseMonitorParams } from '../../../src/engine/operations/monitor.js';

describe('compileKeywords', () => {
  it('matches whole words case-insensitively and regexes as written', () => {
    const [bike, price] = compileKeywords(['Bike', '/price:?\\s*\\d+/']);
    expect(bike?.test('anyone selling a used BIKE?')).toBe(true);
    expect(bike?.test('motorbikes only')).toBe(false);
    expect(price?.test('Price: 40')).toBe(true);
  });

  it('refuses a broken regex, an empty keyword list and absurd sizes', () => {
    expect(() => parseMonitorParams({ target: '@chat_one', keywords: ['/(/'] })).toThrow(/not a valid regular expression/);
    expect(() => parseMonitorParams({ target: '@chat_one', keywords: [] })).toThrow(/at least one keyword/);
    expect(() => parseMonitorParams({ target: '@chat_one', keywords: Array(51).fill('x') })).toThrow(/At most 50/);
    expect(() => parseMonitorParams({ target: 'not a chat!', keywords: ['x'] })).toThrow(/is not a chat/);
  });
});
