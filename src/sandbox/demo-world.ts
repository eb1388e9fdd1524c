import { parseWorld, type World, type WorldInput } from './world-file.js';

/** Chat ids of the demo world, for docs and tests. */
export const DEMO_CHATS = {
  big: 1001,
  smallGroup: 1002,
  broadcast: 1003,
  hiddenMembers: 1004,
  inviteOnly: 1005,
  bikeMarket: 1006,
  expiredInvite: 1007,
} as const;

const DEMO: WorldInput = {
  latencyMs: 15,
  participantsCap: 10_000,
  accounts: [
    { phone: '+15550000001', userId: 7_000_001, firstName: 'Ops', lastName: 'Alpha', code: '11111', authorized: true },
    { phone: '+15550000002', userId: 7_000_002, firstName: 'Ops', lastName: 'Bravo', code: '22222', authorized: true },
    { phone: '+15550000003', userId: 7_000_003, firstName: 'Ops', lastName: 'Charlie', code: '33333', authorized: true },
    // Logs in through /addaccount: code 12345, then the 2FA password.
    {
      phone: '+15550000004',
      userId: 7_000_004,
      firstName: 'Dana',
      lastName: 'New',
      code: '12345',
      password: 'sandbox-2fa',
      authorized: false,
    },
    // Logs in with the code alone.
    { phone: '+15550000005', userId: 7_000_005, firstName: 'Eli', lastName: 'New', code: '54321', authorized: false },
  ],
  chats: [
    {
      id: DEMO_CHATS.big,
      kind: 'supergroup',
      username: 'bigchat',
      invite: 'BigChat25k',
      title: 'Big chat (25k members)',
      about: 'More members than Telegram lists: search queries reach past the 10,000 cap.',
      members: { from: 1, count: 25_000 },
      messages: { count: 3000, days: 30, authors: { from: 1, count: 400 } },
    },
    {
      id: DEMO_CHATS.smallGroup,
      kind: 'supergroup',
      username: 'smallgroup',
      title: 'Small public group',
      members: { from: 30_001, count: 120 },
      messages: { count: 200, days: 7, authors: { from: 30_001, count: 60 } },
    },
    {
      id: DEMO_CHATS.broadcast,
      kind: 'channel',
      username: 'newsfeed',
      title: 'News feed (broadcast)',
      about: 'A broadcast channel: only 200 subscribers are visible.',
      members: { from: 1, count: 5000 },
      messages: { count: 500, days: 60, authors: { from: 1, count: 1 } },
    },
    {
      id: DEMO_CHATS.hiddenMembers,
      kind: 'supergroup',
      username: 'hiddenmembers',
      title: 'Hidden members',
      about: 'Members are hidden: only admins are listed; message authors are the way in.',
      members: { from: 50_001, count: 3000 },
      membersHidden: true,
      admins: [50_001, 50_002],
      messages: { count: 1500, days: 30, authors: { from: 50_001, count: 250 } },
    },
    {
      id: DEMO_CHATS.inviteOnly,
      kind: 'group',
      invite: 'JoinUs4Real',
      title: 'Invite-only group',
      members: { from: 40_001, count: 80 },
      joinRequired: true,
      messages: { count: 120, days: 10, authors: { from: 40_001, count: 40 } },
    },
    {
      id: DEMO_CHATS.bikeMarket,
      kind: 'supergroup',
      username: 'bikemarket',
      title: 'Bike market',
      members: { from: 60_001, count: 900 },
      messages: { count: 400, days: 14, authors: { from: 60_001, count: 150 } },
    },
    {
      id: DEMO_CHATS.expiredInvite,
      kind: 'supergroup',
      invite: 'OldLink2020',
      inviteExpired: true,
      title: 'Old private chat',
      members: { from: 70_001, count: 50 },
      joinRequired: true,
    },
  ],
  faults: [
    // Shows flood handling: the third account floods on its 60th participants page.
    { account: '+15550000003', method: 'channels.GetParticipants', afterCalls: 60, error: 'FLOOD_WAIT_30', times: 1 },
  ],
  timeline: [
    { atSeconds: 20, chat: DEMO_CHATS.bikeMarket, from: 60_042, text: 'anyone selling a used bike?', everySeconds: 20 },
    { atSeconds: 45, chat: DEMO_CHATS.smallGroup, from: 30_007, text: 'Looking for a bike repair shop nearby', everySeconds: 120 },
  ],
};

/** The built-in demo world used when SANDBOX_WORLD is not set. */
export function demoWorld(): World {
  return parseWorld(structuredClone(DEMO));
}
