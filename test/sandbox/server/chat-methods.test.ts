import { Api } from 'telegram';
import { afterEach, describe, expect, it } from 'vitest';
import { POOL_ID_BASE } from '../../../src/sandbox/index.js';
import { ALPHA, BRAVO, rpcError, startSandbox, testWorldInput, type Sandbox } from '../helpers.js';

const ids = (users: Iterable<Api.TypeUser>): number[] => [...users].map((u) => u.id.toJSNumber() - POOL_ID_BASE);

describe('chat methods', () => {
  let sandbox: Sandbox;
  afterEach(async () => {
    await sandbox.close();
  });

  describe('channels.GetParticipants', () => {
    it('stops a plain listing at the participants cap, in pages of at most 200', async () => {
      sandbox = startSandbox(); // cap 1000, chat of 2500
      const client = await sandbox.connect(ALPHA);
      const members = await client.getParticipants('mediumchat', {});
      expect(members.length).toBe(1000);
      expect(members.total).toBe(2500);
      expect(ids(members)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
      const pages = sandbox.trace.filter((t) => t.method === 'channels.GetParticipants');
      expect(pages.length).toBe(1000 / 200 + 1); // the last, empty page ends the listing
      // The first member is the default admin (creator).
      expect((members[0] as Api.User & { participant?: unknown }).participant).toBeInstanceOf(Api.ChannelParticipantCreator);
    });

    it('pages with offset and limit', async () => {
      sandbox = startSandbox();
      const client = await sandbox.connect(ALPHA);
      const channel = await client.getInputEntity('mediumchat');
      const page = await client.invoke(
        new Api.channels.GetParticipants({ channel, filter: new Api.ChannelParticipantsRecent(), offset: 990, limit: 500, hash: 0 as never }),
      );
      expect(page).toBeInstanceOf(Api.channels.ChannelParticipants);
      const p = page as Api.channels.ChannelParticipants;
      expect(p.count).toBe(2500);
      expect(ids(p.users)).toEqual([991, 992, 993, 994, 995, 996, 997, 998, 999, 1000]);
      expect(p.participants.map((x) => (x as Api.ChannelParticipant).userId.toJSNumber() - POOL_ID_BASE)).toEqual(ids(p.users));
    });

    it('returns the members whose names match a search query', async () => {
      sandbox = startSandbox();
      const client = await sandbox.connect(ALPHA);
      const found = await client.getParticipants('mediumchat', { search: 'first12' });
      // 12, 120-129, 1200-1299 are in 1..2500.
      expect(ids(found)).toEqual([12, ...Array.from({ length: 10 }, (_, i) => 120 + i), ...Array.from({ length: 100 }, (_, i) => 1200 + i)]);
      for (const u of found) expect((u as Api.User).firstName?.startsWith('First12')).toBe(true);
      expect(ids(await client.getParticipants('mediumchat', { search: 'user2499' }))).toEqual([2499]);
      expect(await client.getParticipants('mediumchat', { search: 'user2500' })).toHaveLength(0);
    });

    it('caps search results too, and reaches members past the plain cap', async () => {
      sandbox = startSandbox();
      const client = await sandbox.connect(ALPHA);
      expect(await client.getParticipants('mediumchat', { search: 'last' })).toHaveLength(1000);
      expect(ids(await client.getParticipants('mediumchat', { search: 'First2345' }))).toEqual([2345]);
    });

    it('lists bots and sandbox accounts that joined', async () => {
      sandbox = startSandbox();
      const client = await sandbox.connect(ALPHA);
      const bots = await client.getParticipants('mediumchat', { filter: new Api.ChannelParticipantsBots() });
      expect(ids(bots)).toEqual(Array.from({ length: 50 }, (_, i) => (i + 1) * 50));
      expect(bots.every((u) => (u as Api.User).bot === true)).toBe(true);
      await client.invoke(new Api.channels.JoinChannel({ channel: await client.getInputEntity('mediumchat') }));
      const first = await client.getParticipants('mediumchat', { limit: 2 });
      expect(first[0]?.id.toJSNumber()).toBe(7_000_001);
      expect((first[0] as Api.User & { participant?: unknown }).participant).toBeInstanceOf(Api.ChannelParticipantSelf);
      expect(first.total).toBe(2501);
      expect(ids(await client.getParticipants('mediumchat', { search: 'alph' }))).toEqual([7_000_001 - POOL_ID_BASE]);
    });

    it('answers channels.GetParticipant as a listing would, and refuses non-members and hidden members', async () => {
      sandbox = startSandbox();
      const client = await sandbox.connect(ALPHA);
      const one = async (chat: string, user: string | Api.TypeInputPeer) =>
        client.invoke(
          new Api.channels.GetParticipant({
            channel: await client.getInputEntity(chat),
            participant: typeof user === 'string' ? await client.getInputEntity(user) : user,
          }),
        );
      const creator = await one('mediumchat', 'user1');
      expect(creator.participant).toBeInstanceOf(Api.ChannelParticipantCreator);
      const member = await one('mediumchat', 'user13');
      expect(member.participant).toMatchObject({ className: 'ChannelParticipant', date: Math.floor(sandbox.world.startedAt / 1000) - 13 * 86_400 });
      expect(member.users[0]).toMatchObject({ phone: '99900000013' });
      expect(await rpcError(one('mediumchat', 'user2501'))).toMatchObject({ errorMessage: 'USER_NOT_PARTICIPANT' });
      expect(await rpcError(one('mediumchat', new Api.InputPeerSelf()))).toMatchObject({ errorMessage: 'USER_NOT_PARTICIPANT' });
      // Hidden members: the admins only (3001 is the creator, 3005 an admin, 3002 a plain member).
      expect((await one('hiddenchat', 'user3005')).participant).toBeInstanceOf(Api.ChannelParticipantAdmin);
      expect(await rpcError(one('hiddenchat', 'user3002'))).toMatchObject({ errorMessage: 'CHAT_ADMIN_REQUIRED' });
      await client.invoke(new Api.channels.JoinChannel({ channel: await client.getInputEntity('hiddenchat') }));
      expect((await one('hiddenchat', new Api.InputPeerSelf())).participant).toBeInstanceOf(Api.ChannelParticipantSelf);
    });

    it('shows only 200 subscribers of a broadcast channel', async () => {
      sandbox = startSandbox();
      const client = await sandbox.connect(ALPHA);
      const subscribers = await client.getParticipants('broadcast', {});
      expect(subscribers.length).toBe(200);
      expect(subscribers.total).toBe(5000);
    });

    it('lists only the admins when members are hidden', async () => {
      sandbox = startSandbox();
      const client = await sandbox.connect(ALPHA);
      const listed = await client.getParticipants('hiddenchat', {});
      expect(ids(listed)).toEqual([3001, 3005, 3009]);
      const admins = await client.getParticipants('hiddenchat', { filter: new Api.ChannelParticipantsAdmins() });
      expect(ids(admins)).toEqual([3001, 3005, 3009]);
      const full = await client.invoke(new Api.channels.GetFullChannel({ channel: await client.getInputEntity('hiddenchat') }));
      expect(full.fullChat).toMatchObject({ participantsHidden: true, participantsCount: 800 });
      const kicked = await rpcError(client.getParticipants('hiddenchat', { filter: new Api.ChannelParticipantsKicked({ q: '' }) }));
      expect(kicked.errorMessage).toBe('CHAT_ADMIN_REQUIRED');
    });

    it('refuses listing and history of a join-required chat until joined', async () => {
      sandbox = startSandbox();
      const client = await sandbox.connect(ALPHA);
      expect((await rpcError(client.getParticipants('closedchat', {}))).errorMessage).toBe('CHANNEL_PRIVATE');
      expect((await rpcError(client.getMessages('closedchat', { limit: 5 }))).errorMessage).toBe('CHANNEL_PRIVATE');
      const joined = await client.invoke(new Api.channels.JoinChannel({ channel: await client.getInputEntity('closedchat') }));
      expect(joined).toBeInstanceOf(Api.Updates);
      expect((joined as Api.Updates).chats[0]).toMatchObject({ left: false });
      expect(await client.getParticipants('closedchat', {})).toHaveLength(301);
      expect(await client.getMessages('closedchat', { limit: 5 })).toHaveLength(5);
      await client.invoke(new Api.channels.LeaveChannel({ channel: await client.getInputEntity('closedchat') }));
      const again = await rpcError(client.invoke(new Api.channels.LeaveChannel({ channel: await client.getInputEntity('closedchat') })));
      expect(again.errorMessage).toBe('USER_NOT_PARTICIPANT');
    });

    it('rejects an access hash that belongs to another account', async () => {
      sandbox = startSandbox();
      const alpha = await sandbox.connect(ALPHA);
      const bravo = await sandbox.connect(BRAVO);
      const channel = await alpha.getInputEntity('mediumchat');
      const error = await rpcError(
        bravo.invoke(new Api.channels.GetParticipants({ channel, filter: new Api.ChannelParticipantsRecent(), offset: 0, limit: 10, hash: 0 as never })),
      );
      expect(error.errorMessage).toBe('CHANNEL_INVALID');
      expect((await bravo.invoke(new Api.channels.GetChannels({ id: [await bravo.getInputEntity('mediumchat')] }))).chats).toHaveLength(1);
    });
  });

  describe('invites', () => {
    it('previews, imports and then recognises an invite', async () => {
      sandbox = startSandbox();
      const client = await sandbox.connect(ALPHA);
      const preview = await client.invoke(new Api.messages.CheckChatInvite({ hash: 'ClosedInvite' }));
      expect(preview).toBeInstanceOf(Api.ChatInvite);
      expect(preview).toMatchObject({ title: 'Closed', participantsCount: 300, megagroup: true, public: true });
      const imported = await client.invoke(new Api.messages.ImportChatInvite({ hash: 'ClosedInvite' }));
      expect(imported).toBeInstanceOf(Api.Updates);
      const chat = (imported as Api.Updates).chats[0] as Api.Channel;
      expect(chat.id.toJSNumber()).toBe(2004);
      const already = await client.invoke(new Api.messages.CheckChatInvite({ hash: 'ClosedInvite' }));
      expect(already).toBeInstanceOf(Api.ChatInviteAlready);
      const twice = await rpcError(client.invoke(new Api.messages.ImportChatInvite({ hash: 'ClosedInvite' })));
      expect(twice.errorMessage).toBe('USER_ALREADY_PARTICIPANT');
      // GramJS can now reach the chat by its invite link (GramJS 2.26 knows only the joinchat/ form).
      expect(((await client.getEntity('https://t.me/joinchat/ClosedInvite')) as Api.Channel).title).toBe('Closed');
    });

    it('tells invalid and expired invites apart', async () => {
      sandbox = startSandbox();
      const client = await sandbox.connect(ALPHA);
      expect((await rpcError(client.invoke(new Api.messages.CheckChatInvite({ hash: 'NoSuchInvite' })))).errorMessage).toBe(
        'INVITE_HASH_INVALID',
      );
      expect((await rpcError(client.invoke(new Api.messages.ImportChatInvite({ hash: 'OldInvite' })))).errorMessage).toBe(
        'INVITE_HASH_EXPIRED',
      );
    });

    it('joins a basic group by invite and lists it through messages.GetFullChat', async () => {
      sandbox = startSandbox();
      const client = await sandbox.connect(ALPHA);
      const imported = (await client.invoke(new Api.messages.ImportChatInvite({ hash: 'GroupInvite' }))) as Api.Updates;
      const group = imported.chats[0];
      expect(group).toBeInstanceOf(Api.Chat);
      const members = await client.getParticipants(group!, {});
      expect(members).toHaveLength(41);
      expect(ids(members).slice(1, 3)).toEqual([5001, 5002]);
    });

    it('refuses joins past the limit with CHANNELS_TOO_MUCH', async () => {
      sandbox = startSandbox(testWorldInput(), { maxJoinedChats: 1 });
      const client = await sandbox.connect(ALPHA);
      await client.invoke(new Api.messages.ImportChatInvite({ hash: 'GroupInvite' }));
      const error = await rpcError(client.invoke(new Api.channels.JoinChannel({ channel: await client.getInputEntity('mediumchat') })));
      expect(error.errorMessage).toBe('CHANNELS_TOO_MUCH');
    });

    it('keeps chats without a username closed to channels.JoinChannel', async () => {
      sandbox = startSandbox();
      const client = await sandbox.connect(ALPHA);
      const imported = (await client.invoke(new Api.messages.ImportChatInvite({ hash: 'SecretInvite' }))) as Api.Updates;
      const secret = imported.chats[0] as Api.Channel;
      const channel = new Api.InputChannel({ channelId: secret.id, accessHash: secret.accessHash! });
      await client.invoke(new Api.channels.LeaveChannel({ channel }));
      expect((await rpcError(client.invoke(new Api.channels.JoinChannel({ channel })))).errorMessage).toBe('CHANNEL_PRIVATE');
      // Joining a public chat you are already in is harmless.
      const medium = await client.getInputEntity('mediumchat');
      await client.invoke(new Api.channels.JoinChannel({ channel: medium }));
      await client.invoke(new Api.channels.JoinChannel({ channel: medium }));
      expect([...sandbox.world.account(ALPHA)!.joined]).toEqual([2001]);
    });
  });
});
