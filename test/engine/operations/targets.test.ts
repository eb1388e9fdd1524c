import { describe, expect, it } from 'vitest';
import { parseTarget } from '../../../src/engine/operations/targets.js';

describe('parseTarget', () => {
  it.each([
    ['@bigchat', { kind: 'username', username: 'bigchat' }],
    ['bigchat', { kind: 'username', username: 'bigchat' }],
    ['https://t.me/bigchat', { kind: 'username', username: 'bigchat' }],
    ['t.me/bigchat/123', { kind: 'username', username: 'bigchat' }],
    ['t.me/+AbCdEf123', { kind: 'invite', hash: 'AbCdEf123' }],
    ['https://t.me/joinchat/AbCdEf123', { kind: 'invite', hash: 'AbCdEf123' }],
    ['  @Big_Chat  ', { kind: 'username', username: 'Big_Chat' }],
    ['-1001001', { kind: 'id', id: 1001 }],
  ])('reads %s', (input, target) => {
    expect(parseTarget(input)).toEqual({ ok: true, target });
  });

  it.each(['', '@', '@ab', 'https://t.me/', 't.me/+', 'https://example.com/x', 'two words', '@bad-name', '0'])('refuses %j in plain words', (input) => {
    const parsed = parseTarget(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message.length).toBeGreaterThan(10);
  });
});
