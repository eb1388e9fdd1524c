import { Api } from 'telegram';
import type { PoolLastSeen } from './pool.js';
import type { UserStatusFields } from './tl-fast/user-writer.js';
import type { SandboxWorld } from './world.js';

/**
 * How far ahead of the serving time an online user's `expires` lies. Telegram does not document the
 * length (https://core.telegram.org/constructor/userStatusOnline: "Time to expiration of the current
 * online status"); clients refresh their status every `online_update_period_ms` of help.getConfig
 * (https://core.telegram.org/constructor/config; the sandbox answers 210 s), so a status lasts a little
 * longer than that: five minutes, the sandbox's `online_cloud_timeout_ms`.
 */
export const ONLINE_EXPIRES_IN_SECONDS = 300;

const RECENTLY: UserStatusFields = { kind: 'recently' };
const LAST_WEEK: UserStatusFields = { kind: 'lastWeek' };
const LAST_MONTH: UserStatusFields = { kind: 'lastMonth' };

/**
 * The statuses pool users show at this moment of `world`'s clock, as a function of their last-seen
 * description, for serving one answer: the online status is made once for all its users.
 *
 * "Long ago" is no status at all (the `status` flag clear, https://core.telegram.org/constructor/user),
 * not userStatusEmpty, which https://core.telegram.org/type/UserStatus describes as "User status has not
 * been set yet". Clients read both the same: Pyrogram's `User._parse_status` maps anything but the five
 * other constructors to `UserStatus.LONG_AGO` (pyrogram/types/user_and_chats/user.py).
 */
export function lastSeenStatuses(world: Pick<SandboxWorld, 'startedAt' | 'nowSeconds'>): (seen: PoolLastSeen) => UserStatusFields | undefined {
  const startSeconds = Math.floor(world.startedAt / 1000);
  const online: UserStatusFields = { kind: 'online', expires: world.nowSeconds() + ONLINE_EXPIRES_IN_SECONDS };
  return (seen) => {
    switch (seen.kind) {
      case 'online':
        return online;
      case 'offline':
        return { kind: 'offline', wasOnline: startSeconds - seen.secondsBeforeStart };
      case 'recently':
        return RECENTLY;
      case 'lastWeek':
        return LAST_WEEK;
      case 'lastMonth':
        return LAST_MONTH;
      case 'longAgo':
        return undefined;
    }
  };
}

/** The GramJS object of a status. */
export function apiUserStatus(s: UserStatusFields): Api.TypeUserStatus {
  switch (s.kind) {
    case 'empty':
      return new Api.UserStatusEmpty();
    case 'online':
      return new Api.UserStatusOnline({ expires: s.expires });
    case 'offline':
      return new Api.UserStatusOffline({ wasOnline: s.wasOnline });
    case 'recently':
      return new Api.UserStatusRecently({ byMe: s.byMe });
    case 'lastWeek':
      return new Api.UserStatusLastWeek({ byMe: s.byMe });
    case 'lastMonth':
      return new Api.UserStatusLastMonth({ byMe: s.byMe });
  }
}
