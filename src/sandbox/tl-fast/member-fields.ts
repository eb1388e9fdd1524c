import { accessHash } from '../access-hash.js';
import { lastSeenStatuses } from '../last-seen.js';
import type { MemberEntry } from '../member-list.js';
import { POOL_ID_BASE, poolUser } from '../pool.js';
import { adminRightsOf, poolJoinDate } from '../tl-objects.js';
import { phoneDigits } from '../world-file.js';
import type { SandboxAccount, ChatState, SandboxWorld } from '../world.js';
import type { AdminRightsFields, ParticipantFields } from './participant-writer.js';
import type { UserFields } from './user-writer.js';

/**
 * What a member listing shows `viewer`, as plain fields for the fast writers. Each builder says the same
 * as its GramJS counterpart in tl-objects.ts (poolApiUser, accountApiUser, channelParticipant); the
 * equality tests under test/sandbox/tl-fast hold them to it, so a change to one needs the other.
 */

type StatusOf = ReturnType<typeof lastSeenStatuses>;

function poolFields(viewer: SandboxAccount, n: number, statusOf: StatusOf): UserFields {
  const u = poolUser(n);
  return {
    id: u.id,
    accessHash: accessHash(viewer.userId, 'user', u.id),
    firstName: u.firstName,
    lastName: u.lastName,
    username: u.username,
    bot: u.bot,
    botInfoVersion: u.bot ? 1 : undefined,
    premium: u.premium,
    verified: u.verified,
    scam: u.scam,
    fake: u.fake,
    phone: u.phone,
    status: statusOf(u.lastSeen),
  };
}

/** Pool user n as `viewer` sees it now (poolApiUser's counterpart). */
export function poolUserFields(world: SandboxWorld, viewer: SandboxAccount, n: number): UserFields {
  return poolFields(viewer, n, lastSeenStatuses(world));
}

const RECENTLY = { kind: 'recently' } as const;

export function accountUserFields(viewer: SandboxAccount, account: SandboxAccount): UserFields {
  const self = viewer === account;
  return {
    id: account.userId,
    accessHash: accessHash(viewer.userId, 'user', account.userId),
    firstName: account.firstName,
    lastName: account.lastName,
    self,
    phone: self ? phoneDigits(account.phone) : undefined,
    status: RECENTLY,
  };
}

/**
 * The user of each entry of one listing as `viewer` sees it, or undefined for an entry kind the fast path
 * does not know. The statuses are read off the world's clock once for the whole listing.
 */
export function entryUserFieldsOf(world: SandboxWorld, viewer: SandboxAccount): (entry: MemberEntry) => UserFields | undefined {
  const statusOf = lastSeenStatuses(world);
  return (entry) => {
    switch (entry.kind) {
      case 'pool':
        return poolFields(viewer, entry.n, statusOf);
      case 'account':
        return accountUserFields(viewer, entry.account);
      default:
        return undefined;
    }
  };
}

const MODERATOR: AdminRightsFields = adminRightsOf(false);
const CREATOR: AdminRightsFields = adminRightsOf(true);

/**
 * The participant of each entry of one chat's listing as `viewer` sees it, or undefined for an entry kind
 * the fast path does not know. What is the same for the whole chat is worked out once.
 */
export function participantFieldsOf(
  world: SandboxWorld,
  viewer: SandboxAccount,
  chat: ChatState,
): (entry: MemberEntry) => ParticipantFields | undefined {
  // The chat's first admin created it; without admins, its first member did.
  const creatorN = chat.admins[0] ?? chat.def.members.from;
  const creatorId = POOL_ID_BASE + creatorN;
  return (entry) => {
    switch (entry.kind) {
      case 'account': {
        const date = chat.members.get(phoneDigits(entry.account.phone)) ?? world.nowSeconds();
        const userId = entry.account.userId;
        return entry.account === viewer ? { kind: 'self', userId, inviterId: creatorId, date } : { kind: 'member', userId, date };
      }
      case 'pool': {
        const userId = POOL_ID_BASE + entry.n;
        if (entry.n === creatorN) return { kind: 'creator', userId, adminRights: CREATOR };
        if (chat.adminSet.has(entry.n)) {
          return { kind: 'admin', userId, promotedBy: creatorId, date: poolJoinDate(world, entry.n), adminRights: MODERATOR };
        }
        return { kind: 'member', userId, date: poolJoinDate(world, entry.n) };
      }
      default:
        return undefined;
    }
  };
}
