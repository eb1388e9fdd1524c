import { Api } from 'telegram';
import { accessHash } from '../access-hash.js';
import { POOL_ID_BASE } from '../pool.js';
import { SandboxRpcError } from '../rpc-error.js';
import { SPAM_BOT } from '../spam-bot.js';
import { fromLong, longToNumber } from '../tl-long.js';
import type { SandboxAccount, ChatState } from '../world.js';
import type { AuthedContext } from './context.js';

/** A user a request refers to: a sandbox account or pool user n. */
export type UserRef =
  | { readonly kind: 'account'; readonly userId: number; readonly account: SandboxAccount }
  | { readonly kind: 'pool'; readonly userId: number; readonly n: number }
  | { readonly kind: 'spambot'; readonly userId: number };

export type PeerRef = { readonly kind: 'user'; readonly user: UserRef } | { readonly kind: 'chat'; readonly chat: ChatState };

function hashMatches(ctx: AuthedContext, kind: 'user' | 'channel', id: number, hash: unknown): boolean {
  return fromLong(hash as Parameters<typeof fromLong>[0]) === accessHash(ctx.account.userId, kind, id);
}

function userById(ctx: AuthedContext, userId: number): UserRef | undefined {
  const account = ctx.world.accountByUserId(userId);
  if (account) return { kind: 'account', userId, account };
  if (userId === SPAM_BOT.userId) return { kind: 'spambot', userId };
  const n = userId - POOL_ID_BASE;
  if (Number.isInteger(n) && n >= 1 && n <= ctx.world.maxPoolNumber) return { kind: 'pool', userId, n };
  return undefined;
}

function self(ctx: AuthedContext): UserRef {
  return { kind: 'account', userId: ctx.account.userId, account: ctx.account };
}

/** An InputUser/InputPeerUser with a valid access hash, or undefined. */
export function resolveUser(ctx: AuthedContext, input: unknown): UserRef | undefined {
  if (input instanceof Api.InputUserSelf || input instanceof Api.InputPeerSelf) return self(ctx);
  if (input instanceof Api.InputUser || input instanceof Api.InputPeerUser) {
    const userId = longToNumber(input.userId);
    if (userId === ctx.account.userId) return self(ctx);
    const user = userById(ctx, userId);
    return user && hashMatches(ctx, 'user', userId, input.accessHash) ? user : undefined;
  }
  return undefined;
}

/** An InputChannel/InputPeerChannel of a supergroup or channel with a valid hash; CHANNEL_INVALID otherwise. */
export function resolveChannel(ctx: AuthedContext, input: unknown): ChatState {
  if (input instanceof Api.InputChannel || input instanceof Api.InputPeerChannel) {
    const id = longToNumber(input.channelId);
    const chat = ctx.world.chat(id);
    if (chat && chat.kind !== 'group' && hashMatches(ctx, 'channel', id, input.accessHash)) return chat;
  }
  throw new SandboxRpcError('CHANNEL_INVALID');
}

/** A basic group by id; CHAT_ID_INVALID otherwise. */
export function resolveBasicGroup(ctx: AuthedContext, chatId: unknown): ChatState {
  const chat = ctx.world.chat(longToNumber(chatId as Parameters<typeof longToNumber>[0]));
  if (chat && chat.kind === 'group') return chat;
  throw new SandboxRpcError('CHAT_ID_INVALID');
}

/** Any InputPeer; PEER_ID_INVALID (CHANNEL_INVALID for channels) when it names nothing valid. */
export function resolvePeer(ctx: AuthedContext, input: unknown): PeerRef {
  if (input instanceof Api.InputPeerChannel) return { kind: 'chat', chat: resolveChannel(ctx, input) };
  if (input instanceof Api.InputPeerChat) {
    const chat = ctx.world.chat(longToNumber(input.chatId));
    if (chat && chat.kind === 'group') return { kind: 'chat', chat };
    throw new SandboxRpcError('PEER_ID_INVALID');
  }
  const user = resolveUser(ctx, input);
  if (user) return { kind: 'user', user };
  throw new SandboxRpcError('PEER_ID_INVALID');
}

/** Listing members or reading history of a chat that needs joining. */
export function requireReadable(ctx: AuthedContext, chat: ChatState): void {
  if (chat.def.joinRequired && !ctx.world.isMember(ctx.account, chat)) throw new SandboxRpcError('CHANNEL_PRIVATE');
}
