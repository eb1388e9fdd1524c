import { Api } from 'telegram';
import type { HistoryQuery } from '../message-history.js';
import { SandboxRpcError } from '../rpc-error.js';
import { toLong } from '../tl-long.js';
import {
  accountApiUser,
  apiChat,
  apiChatMessage,
  apiPrivateMessage,
  authorUserId,
  messageUsers,
} from '../tl-objects.js';
import type { PrivateMessage } from '../private-chats.js';
import { requireReadable, resolvePeer } from './peers.js';
import { route, type Route } from './route.js';

/** Telegram's page size limit for messages.GetHistory. */
export const MAX_HISTORY_PAGE = 100;
/**
 * The page Telegram answers when a request asks for `limit: 0`: "when 0 is provided the limit will often
 * default to an intermediate value like ~20" (https://core.telegram.org/api/offsets, "limit parameter").
 */
export const DEFAULT_HISTORY_PAGE = 20;
const MAX_MESSAGE_LENGTH = 4096;

/** The GetHistory window over a conversation whose ids are not contiguous (oldest first). */
function slicePrivate(list: readonly PrivateMessage[], q: HistoryQuery): PrivateMessage[] {
  let upper = list.length; // index of the first message not older than the offset
  if (q.offsetId > 0) upper = list.findIndex((m) => m.id >= q.offsetId);
  else if (q.offsetDate > 0) upper = list.findIndex((m) => m.date >= q.offsetDate);
  if (upper < 0) upper = list.length;
  const hi = Math.min(upper - 1 - q.addOffset, list.length - 1);
  const lo = Math.max(upper - q.addOffset - q.limit, 0);
  const out: PrivateMessage[] = [];
  for (let i = hi; i >= lo; i--) {
    const m = list[i];
    if (!m || (q.maxId > 0 && m.id >= q.maxId) || (q.minId > 0 && m.id <= q.minId)) continue;
    out.push(m);
  }
  return out;
}

/** messages.GetHistory and messages.SendMessage. */
export function messageRoutes(): Route[] {
  return [
    route(Api.messages.GetHistory, (req, ctx) => {
      const peer = resolvePeer(ctx, req.peer);
      const q: HistoryQuery = {
        offsetId: req.offsetId,
        offsetDate: req.offsetDate,
        addOffset: req.addOffset,
        // Zero (or less) is not "nothing": it asks for the server's default page.
        limit: req.limit > 0 ? Math.min(req.limit, MAX_HISTORY_PAGE) : DEFAULT_HISTORY_PAGE,
        maxId: req.maxId,
        minId: req.minId,
      };
      if (peer.kind === 'user') {
        const list = ctx.world.privateHistory(ctx.account, peer.user.userId);
        const messages = slicePrivate(list, q);
        return new Api.messages.MessagesSlice({
          count: list.length,
          messages: messages.map((m) => apiPrivateMessage(ctx.account, m)),
          chats: [],
          users: messageUsers(ctx.world, ctx.account, [ctx.account.userId, peer.user.userId]),
        });
      }
      const chat = peer.chat;
      requireReadable(ctx, chat);
      ctx.session.watching.add(chat.id);
      const messages = chat.history.slice(q);
      const common = {
        count: chat.history.count,
        messages: messages.map((m) => apiChatMessage(ctx.account, chat, m)),
        chats: [apiChat(ctx.world, ctx.account, chat)],
        users: messageUsers(ctx.world, ctx.account, messages.map(authorUserId)),
      };
      return chat.kind === 'group'
        ? new Api.messages.MessagesSlice(common)
        : new Api.messages.ChannelMessages({ ...common, pts: Math.max(1, chat.history.count), topics: [] });
    }),

    route(Api.messages.SendMessage, (req, ctx) => {
      const text = req.message;
      if (text.trim() === '') throw new SandboxRpcError('MESSAGE_EMPTY');
      if (text.length > MAX_MESSAGE_LENGTH) throw new SandboxRpcError('MESSAGE_TOO_LONG');
      const peer = resolvePeer(ctx, req.peer);
      const date = ctx.world.nowSeconds();
      if (peer.kind === 'user') {
        const sent =
          peer.user.kind === 'spambot' ? ctx.world.messageSpamBot(ctx.account, text) : ctx.world.sendPrivate(ctx.account, peer.user.userId, text, ctx.session);
        ctx.world.recordSent({ at: ctx.world.now(), account: ctx.account.phone, to: { kind: 'user', userId: peer.user.userId }, id: sent.id, text });
        return new Api.UpdateShortSentMessage({ out: true, id: sent.id, pts: sent.id, ptsCount: 1, date: sent.date });
      }
      const chat = peer.chat;
      if (!ctx.world.isMember(ctx.account, chat) || chat.kind === 'channel') throw new SandboxRpcError('CHAT_WRITE_FORBIDDEN');
      const message = ctx.world.postChatMessage(chat, { kind: 'account', userId: ctx.account.userId }, text, ctx.session);
      ctx.world.recordSent({ at: ctx.world.now(), account: ctx.account.phone, to: { kind: 'chat', chatId: chat.id }, id: message.id, text });
      if (chat.kind === 'group') {
        return new Api.UpdateShortSentMessage({ out: true, id: message.id, pts: message.id, ptsCount: 1, date });
      }
      return new Api.Updates({
        updates: [
          new Api.UpdateMessageID({ id: message.id, randomId: req.randomId ?? toLong(0) }),
          new Api.UpdateNewChannelMessage({ message: apiChatMessage(ctx.account, chat, message), pts: message.id, ptsCount: 1 }),
        ],
        users: [accountApiUser(ctx.account, ctx.account)],
        chats: [apiChat(ctx.world, ctx.account, chat)],
        date,
        seq: 0,
      });
    }),
  ];
}
