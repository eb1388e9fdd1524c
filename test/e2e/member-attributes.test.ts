import { Api, type TelegramClient } from 'telegram';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_DEVICE_PROFILE } from '../../src/engine/clients/device-profile.js';
import { buildTelegramClient } from '../../src/engine/clients/telegram-client.js';
import { createWorld, parseWorld, sandboxServer, sandboxTransport, worldSession, type SandboxWorld, type WorldInput } from '../../src/sandbox/index.js';
import { socketEndpoint } from '../../src/sandbox/wire/socket-endpoint.js';
import { serveSandbox } from '../../src/sandbox/wire/socket-server.js';
import { rpcError } from '../sandbox/helpers.js';
import { poolId, worldAccounts } from './telegram-harness.js';

const DAY = 86_400;
const HOUR = 3_600;

const WORLD: WorldInput = {
  latencyMs: 1,
  participantsCap: 10_000,
  accounts: worldAccounts(1),
  chats: [
    // 26 created it; 6 and 13 are admins. 26 and 13 show a phone (multiples of 13).
    { id: 1001, kind: 'supergroup', username: 'attrchat', title: 'Attributes', members: { from: 1, count: 400 }, admins: [26, 6, 13] },
    {
      id: 1002,
      kind: 'supergroup',
      username: 'hiddenattr',
      title: 'Hidden',
      members: { from: 5001, count: 300 },
      membersHidden: true,
      messages: { count: 60, days: 3, authors: { from: 5001, count: 30 } },
    },
  ],
};

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

/** The world served over a loopback socket, and a real GramJS client of its account through the wire, as `npm start` runs them. */
async function connected(): Promise<{ world: SandboxWorld; client: TelegramClient }> {
  const world = createWorld(parseWorld(WORLD));
  cleanup.push(() => world.stop());
  const server = await serveSandbox(sandboxServer(world));
  cleanup.push(() => server.close());
  const client = buildTelegramClient(
    { session: await worldSession(world, '+15550000001'), credentials: { apiId: 12345, apiHash: 'f'.repeat(32) }, device: DEFAULT_DEVICE_PROFILE },
    { connectionRetries: 1, autoReconnect: false, transport: sandboxTransport(socketEndpoint(server.address)) },
  );
  cleanup.push(() => client.destroy());
  await client.connect();
  return { world, client };
}

type Listed = Api.User & { participant?: Api.TypeChannelParticipant };
const byN = (users: Iterable<Api.User>): Map<number, Listed> => new Map([...users].map((u) => [u.id.toJSNumber() - poolId(0), u as Listed]));

describe('Member data a participants page carries (docs/sandbox.md, The user pool)', () => {
  it('does give every listed user its last-seen status and phone, and every participant its join date and role', async () => {
    const { world, client } = await connected();
    const start = Math.floor(world.startedAt / 1000);
    const before = Math.floor(Date.now() / 1000);
    const members = byN(await client.getParticipants('attrchat', { limit: 200 }));
    const after = Math.floor(Date.now() / 1000);
    expect(members.size).toBe(200);

    // Last seen by n mod 6.
    const online = members.get(12)?.status as Api.UserStatusOnline;
    expect(online).toBeInstanceOf(Api.UserStatusOnline);
    // Five minutes ahead of when the page was served.
    expect(online.expires).toBeGreaterThanOrEqual(before + 300);
    expect(online.expires).toBeLessThanOrEqual(after + 300);
    expect(members.get(13)?.status).toEqual(new Api.UserStatusOffline({ wasOnline: start - 13 * DAY - 13 * HOUR }));
    expect(members.get(14)?.status).toBeInstanceOf(Api.UserStatusRecently);
    expect(members.get(15)?.status).toBeInstanceOf(Api.UserStatusLastWeek);
    expect(members.get(16)?.status).toBeInstanceOf(Api.UserStatusLastMonth);
    expect(members.get(17)?.status).toBeNull();
    // Phones of multiples of 13 only, digits only.
    expect([...members.values()].filter((u) => u.phone).map((u) => u.phone)).toEqual(
      Array.from({ length: 15 }, (_, i) => `999${String(13 * (i + 1)).padStart(8, '0')}`),
    );

    // Roles: the first admin created the chat and has no join date; the others are admins; the rest members.
    expect(members.get(26)?.participant).toBeInstanceOf(Api.ChannelParticipantCreator);
    for (const n of [6, 13]) {
      const admin = members.get(n)?.participant as Api.ChannelParticipantAdmin;
      expect(admin).toBeInstanceOf(Api.ChannelParticipantAdmin);
      expect(admin.date).toBe(start - n * DAY);
      expect(admin.promotedBy.toJSNumber()).toBe(poolId(26));
    }
    const member = members.get(100)?.participant as Api.ChannelParticipant;
    expect(member.className).toBe('ChannelParticipant');
    expect(member.date).toBe(start - 100 * DAY);
  });

  it('does agree between the plain listing, a search, the admins filter and a hidden chat', async () => {
    const { world, client } = await connected();
    const start = Math.floor(world.startedAt / 1000);
    const plain = byN(await client.getParticipants('attrchat', { limit: 200 }));
    const found = byN(await client.getParticipants('attrchat', { search: 'First13' }));
    expect([...found.keys()]).toEqual([13, 130, 131, 132, 133, 134, 135, 136, 137, 138, 139]);
    for (const n of [13, 130, 131, 137]) {
      const [a, b] = [plain.get(n), found.get(n)];
      expect({ phone: b?.phone, status: b?.status, participant: b?.participant }).toEqual({ phone: a?.phone, status: a?.status, participant: a?.participant });
    }
    // channels.GetParticipant answers the same participant and user as the listing.
    const channel = await client.getInputEntity('attrchat');
    for (const n of [26, 13, 100]) {
      const one = await client.invoke(new Api.channels.GetParticipant({ channel, participant: await client.getInputEntity(poolId(n)) }));
      const listed = plain.get(n);
      expect(one.participant).toEqual(listed?.participant);
      expect(one.users[0]).toMatchObject({ phone: listed?.phone, status: listed?.status });
    }
    const admins = await client.getParticipants('attrchat', { filter: new Api.ChannelParticipantsAdmins() });
    expect([...admins].map((u) => [u.id.toJSNumber() - poolId(0), (u as Listed).participant?.className])).toEqual([
      [26, 'ChannelParticipantCreator'],
      [6, 'ChannelParticipantAdmin'],
      [13, 'ChannelParticipantAdmin'],
    ]);
    // A hidden chat lists only its admin (its first member by default), the creator.
    const hidden = byN(await client.getParticipants('hiddenattr', {}));
    expect([...hidden.keys()]).toEqual([5001]);
    expect(hidden.get(5001)?.participant).toBeInstanceOf(Api.ChannelParticipantCreator);
    // Its message authors carry their status and phone as well: 5005 = 5 × 1001 is a multiple of 13, 5005 mod 6 = 1.
    const messages = await client.getMessages('hiddenattr', { limit: 30 });
    const author = (await messages.find((m) => m.senderId?.toJSNumber() === poolId(5005))?.getSender()) as Api.User;
    expect(author.phone).toBe('99900005005');
    expect(author.status).toEqual(new Api.UserStatusOffline({ wasOnline: start - (5005 % 30) * DAY - (5005 % 24) * HOUR }));
  });

  it('does refuse the kicked and banned lists to a non-admin, as Telegram does', async () => {
    const { client } = await connected();
    const channel = await client.getInputEntity('attrchat');
    for (const filter of [new Api.ChannelParticipantsKicked({ q: '' }), new Api.ChannelParticipantsBanned({ q: '' })]) {
      const error = await rpcError(client.invoke(new Api.channels.GetParticipants({ channel, filter, offset: 0, limit: 10, hash: 0 as never })));
      expect(error.errorMessage).toBe('CHAT_ADMIN_REQUIRED');
    }
  });
});
