import { Api } from 'telegram';
import { describe, expect, it } from 'vitest';
import { apiUserStatus, lastSeenStatuses, ONLINE_EXPIRES_IN_SECONDS } from '../../src/sandbox/last-seen.js';
import { poolLastSeen } from '../../src/sandbox/pool.js';

const START_MS = 1_750_000_000_500;
const START = 1_750_000_000;

describe('lastSeenStatuses', () => {
  it('does turn each last-seen class into its status on the world clock', () => {
    let nowMs = START_MS + 7_200_000;
    const world = { startedAt: START_MS, nowSeconds: () => Math.floor(nowMs / 1000) };
    const statusOf = lastSeenStatuses(world);
    expect(statusOf(poolLastSeen(6))).toEqual({ kind: 'online', expires: START + 7_200 + ONLINE_EXPIRES_IN_SECONDS });
    expect(statusOf(poolLastSeen(7))).toEqual({ kind: 'offline', wasOnline: START - 7 * 86_400 - 7 * 3_600 });
    expect(statusOf(poolLastSeen(8))).toEqual({ kind: 'recently' });
    expect(statusOf(poolLastSeen(9))).toEqual({ kind: 'lastWeek' });
    expect(statusOf(poolLastSeen(10))).toEqual({ kind: 'lastMonth' });
    expect(statusOf(poolLastSeen(11))).toBeUndefined();
    // Served later, an online user's status runs out later; an offline one's time stays put.
    nowMs += 60_000;
    const later = lastSeenStatuses(world);
    expect(later(poolLastSeen(6))).toEqual({ kind: 'online', expires: START + 7_260 + ONLINE_EXPIRES_IN_SECONDS });
    expect(later(poolLastSeen(7))).toEqual(statusOf(poolLastSeen(7)));
  });
});

describe('apiUserStatus', () => {
  it('does build the GramJS status of each kind', () => {
    expect(apiUserStatus({ kind: 'online', expires: 5 })).toEqual(new Api.UserStatusOnline({ expires: 5 }));
    expect(apiUserStatus({ kind: 'offline', wasOnline: 4 })).toEqual(new Api.UserStatusOffline({ wasOnline: 4 }));
    expect(apiUserStatus({ kind: 'recently' })).toBeInstanceOf(Api.UserStatusRecently);
    expect(apiUserStatus({ kind: 'lastWeek' })).toBeInstanceOf(Api.UserStatusLastWeek);
    expect(apiUserStatus({ kind: 'lastMonth' })).toBeInstanceOf(Api.UserStatusLastMonth);
    expect(apiUserStatus({ kind: 'empty' })).toBeInstanceOf(Api.UserStatusEmpty);
  });
});
