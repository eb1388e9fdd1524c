import { describe, expect, it } from 'vitest';
import { poolLastSeen, poolNumberOfUsername, poolPhone, poolUser } from '../../src/sandbox/pool.js';

const DAY = 86_400;
const HOUR = 3_600;

describe('poolUser', () => {
  it('does give a phone visible to others to the multiples of 13 only: 999 and n in 8 digits', () => {
    expect(poolUser(13).phone).toBe('99900000013');
    expect(poolUser(2_600).phone).toBe('99900002600');
    expect(poolPhone(12_345_678 * 13)).toBe('999160493814');
    for (const n of [1, 12, 14, 25, 27, 1000]) expect(poolUser(n).phone).toBeUndefined();
  });

  it('does set the last-seen class by n mod 6', () => {
    expect([6, 7, 8, 9, 10, 11].map((n) => poolLastSeen(n).kind)).toEqual(['online', 'offline', 'recently', 'lastWeek', 'lastMonth', 'longAgo']);
    expect(poolUser(12).lastSeen).toEqual({ kind: 'online' });
    expect(poolUser(16).lastSeen).toEqual({ kind: 'lastMonth' });
    expect(poolUser(23).lastSeen).toEqual({ kind: 'longAgo' });
  });

  it('does put an offline user (n mod 30) days and (n mod 24) hours before the sandbox started', () => {
    expect(poolLastSeen(1)).toEqual({ kind: 'offline', secondsBeforeStart: 1 * DAY + 1 * HOUR });
    expect(poolLastSeen(25)).toEqual({ kind: 'offline', secondsBeforeStart: 25 * DAY + 1 * HOUR });
    expect(poolLastSeen(43)).toEqual({ kind: 'offline', secondsBeforeStart: 13 * DAY + 19 * HOUR });
    // n = 31: 1 day and 7 hours; n = 30·k + 1 with n mod 24 = 1 comes back every 120.
    expect(poolLastSeen(31)).toEqual({ kind: 'offline', secondsBeforeStart: 1 * DAY + 7 * HOUR });
    expect(poolLastSeen(121)).toEqual(poolLastSeen(1));
  });

  it('does flag verified, scam and fake users (multiples of 1000, 997 and 991), and nobody else', () => {
    expect(poolUser(1000)).toMatchObject({ verified: true, scam: false, fake: false });
    expect(poolUser(997)).toMatchObject({ verified: false, scam: true, fake: false });
    expect(poolUser(991)).toMatchObject({ verified: false, scam: false, fake: true });
    expect(poolUser(998)).toMatchObject({ verified: false, scam: false, fake: false });
  });

  it('does keep the attributes of section 5', () => {
    expect(poolUser(350)).toMatchObject({ id: 10_000_350, username: undefined, firstName: 'First350', lastName: 'Last350', bot: true, premium: true });
    expect(poolUser(41)).toMatchObject({ username: 'user41', bot: false, premium: false });
    expect(poolNumberOfUsername('User41', 100)).toBe(41);
  });
});
