import { Api } from 'telegram';
import { poolNumberOfUsername } from '../pool.js';
import { SandboxRpcError } from '../rpc-error.js';
import { SPAM_BOT, spamBotApiUser } from '../spam-bot.js';
import { toLong } from '../tl-long.js';
import { accountApiUser, apiChat, chatPeer, poolApiUser } from '../tl-objects.js';
import type { AuthedContext } from './context.js';
import { resolveUser, type UserRef } from './peers.js';
import { route, type Route } from './route.js';

const USERNAME = /^[A-Za-z][A-Za-z0-9_]{3,31}$/;

function apiUser(ctx: AuthedContext, user: UserRef): Api.User {
  switch (user.kind) {
    case 'account':
      return accountApiUser(ctx.account, user.account);
    case 'pool':
      return poolApiUser(ctx.world, ctx.account, user.n);
    case 'spambot':
      return spamBotApiUser(ctx.account.userId);
  }
}

/** users.* and contacts.*: who is who. */
export function userRoutes(): Route[] {
  return [
    route(Api.users.GetUsers, (req, ctx) => {
      const out: Api.TypeUser[] = [];
      // Telegram leaves out users whose access hash is wrong.
      for (const input of req.id) {
        const user = resolveUser(ctx, input);
        if (user) out.push(apiUser(ctx, user));
      }
      return out;
    }),

    route(Api.users.GetFullUser, (req, ctx) => {
      const user = resolveUser(ctx, req.id);
      if (!user) throw new SandboxRpcError('USER_ID_INVALID');
      return new Api.users.UserFull({
        fullUser: new Api.UserFull({
          id: toLong(user.userId),
          about: user.kind === 'pool' ? `About user ${user.n}` : undefined,
          settings: new Api.PeerSettings({}),
          notifySettings: new Api.PeerNotifySettings({}),
          commonChatsCount: 0,
        }),
        chats: [],
        users: [apiUser(ctx, user)],
      });
    }),

    route(Api.contacts.ResolveUsername, (req, ctx) => {
      const username = req.username.replace(/^@/, '');
      if (!USERNAME.test(username)) throw new SandboxRpcError('USERNAME_INVALID');
      const chat = ctx.world.chatByUsername(username);
      if (chat) {
        return new Api.contacts.ResolvedPeer({ peer: chatPeer(chat), chats: [apiChat(ctx.world, ctx.account, chat)], users: [] });
      }
      // Usernames are case-insensitive: @spambot is @SpamBot.
      if (username.toLowerCase() === SPAM_BOT.username.toLowerCase()) {
        const bot = spamBotApiUser(ctx.account.userId);
        return new Api.contacts.ResolvedPeer({ peer: new Api.PeerUser({ userId: bot.id }), chats: [], users: [bot] });
      }
      const n = poolNumberOfUsername(username, ctx.world.maxPoolNumber);
      if (n !== undefined) {
        const user = poolApiUser(ctx.world, ctx.account, n);
        return new Api.contacts.ResolvedPeer({ peer: new Api.PeerUser({ userId: user.id }), chats: [], users: [user] });
      }
      throw new SandboxRpcError('USERNAME_NOT_OCCUPIED');
    }),

    route(Api.contacts.GetContacts, () => new Api.contacts.Contacts({ contacts: [], savedCount: 0, users: [] })),
  ];
}
