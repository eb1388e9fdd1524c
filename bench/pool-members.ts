import type { MemberInput, MemberRole } from '../src/db/repositories/members.js';

const DAY = 86_400_000;

/** The sandbox pool's users with the member data of docs/sandbox.md (The user pool), so every column is filled as a scrape fills it. */
export function poolMember(n: number, now: number): MemberInput {
  const statuses = ['online', 'offline', 'recently', 'last_week', 'last_month', 'long_ago'] as const;
  const status = statuses[n % 6]!;
  const role: MemberRole = n === 1 ? 'creator' : n % 1000 === 2 ? 'admin' : 'member';
  return {
    id: 10_000_000 + n,
    username: n % 10 === 0 ? null : `user${n}`,
    firstName: `First${n}`,
    lastName: `Last${n}`,
    isBot: n % 50 === 0,
    isPremium: n % 7 === 0,
    isVerified: false,
    isScam: false,
    isFake: false,
    isDeleted: false,
    phone: n % 13 === 0 ? `999${String(n).padStart(8, '0')}` : null,
    langCode: 'en',
    lastSeen: { status, wasOnlineAt: status === 'offline' ? now - (n % 30) * DAY - (n % 24) * 3_600_000 : status === 'online' ? now : null },
    role,
    joinedAt: role === 'creator' ? null : now - (n % 365) * DAY,
  };
}
