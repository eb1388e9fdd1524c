import bigInt from 'big-integer';
import { Api, type TelegramClient } from 'telegram';
import type { MemberStoreLike } from '../../db/repositories/member-store.js';
import { sleep } from '../abort.js';
import type { RunBudget } from '../budget.js';
import { ENGINE_DEFAULTS } from '../defaults.js';
import { OperationFailure } from '../errors.js';
import type { RunnerDefinition } from '../types.js';
import { fromEntity, lookupsOf, resolveTarget } from './chats.js';
import { parseTarget, type Target } from './targets.js';

export interface SendParams {
  readonly target: string;
  readonly text: string;
}

export interface SendResult {
  readonly to: string;
  readonly messageId: number | null;
}

export interface SendOptions {
  /**
   * When the account last sent a message that went out (epoch ms), or null: pacing is derived from the operations
   * table, so it survives restarts and moves (`OperationsRepository.lastSucceeded`).
   */
  readonly lastSentAt: (accountId: number) => number | null | Promise<number | null>;
  readonly members: Pick<MemberStoreLike, 'findChat'>;
  /**
   * Least time between two messages of one account, in ms.
   * @default 30000
   */
  readonly minIntervalMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

const MAX_TEXT = 4096;

export function parseSendParams(params: unknown): SendParams {
  const p = (params ?? {}) as { target?: unknown; text?: unknown };
  if (typeof p.target !== 'string') throw new Error('Name who to send to: @username or a chat link.');
  const parsed = parseTarget(p.target);
  if (!parsed.ok) throw new Error(parsed.message);
  if (typeof p.text !== 'string' || p.text.trim().length === 0) throw new Error('The message text is missing.');
  if (p.text.length > MAX_TEXT) throw new Error(`The message is too long: ${p.text.length} characters, Telegram allows ${MAX_TEXT}.`);
  return { target: p.target.trim(), text: p.text };
}

/**
 * Sends a text with per-account pacing (a minimum interval between messages). How many an account sends
 * a day is its `send` budget, kept by the engine (README: Budgets).
 */
export function sendOperation(options: SendOptions): RunnerDefinition<SendParams, TelegramClient | undefined, { sent: boolean }, SendResult> {
  const { lastSentAt, members, minIntervalMs = ENGINE_DEFAULTS.send.minIntervalMs, now = Date.now } = options;
  return {
    kind: 'send',
    type: 'sending',
    parse: parseSendParams,
    budget: (params) => {
      const target = parseTarget(params.target);
      return { resolve: target.ok ? lookupsOf(target.target) : 0, send: 1 };
    },
    run: async ({ params, account, signal, checkpoint, budget }) => {
      const client = account.client;
      if (!client) throw new OperationFailure({ kind: 'error', message: `Account #${account.id} has no Telegram client.` });
      // A message that went out before a crash is not sent twice.
      if (checkpoint.get()?.sent) return { to: params.target, messageId: null };
      const last = await lastSentAt(account.id);
      const t = now();
      if (last !== null && t - last < minIntervalMs) await sleep(minIntervalMs - (t - last), signal);
      const target = parseTarget(params.target);
      if (!target.ok) throw new OperationFailure({ kind: 'invalid', message: target.message });
      const peer = await resolvePeer(client, target.target, members, signal, budget);
      signal.throwIfAborted();
      budget.take('send');
      const updates = await client.invoke(new Api.messages.SendMessage({ peer, message: params.text, randomId: bigInt(randomId()), noWebpage: true }));
      checkpoint.save({ sent: true });
      return { to: params.target, messageId: sentMessageId(updates) };
    },
  };
}

/** The peer to send to: a username is looked up once (a user or a chat), anything else resolved as a chat. */
async function resolvePeer(client: TelegramClient, target: Target, members: Pick<MemberStoreLike, 'findChat'>, signal: AbortSignal, budget: RunBudget): Promise<Api.TypeInputPeer> {
  if (target.kind === 'username') {
    budget.take('resolve');
    const resolved = await client.invoke(new Api.contacts.ResolveUsername({ username: target.username }));
    const peer = resolved.peer;
    if (peer instanceof Api.PeerUser) {
      const user = resolved.users.find((u): u is Api.User => u instanceof Api.User && u.id.equals(peer.userId));
      if (!user) throw new OperationFailure({ kind: 'not_found', message: `No user has the username @${target.username}.` });
      return new Api.InputPeerUser({ userId: user.id, accessHash: user.accessHash ?? bigInt(0) });
    }
    const chat = resolved.chats.find((c): c is Api.Channel | Api.Chat => c instanceof Api.Channel || c instanceof Api.Chat);
    if (!chat) throw new OperationFailure({ kind: 'not_found', message: `No chat or user has the username @${target.username}.` });
    return fromEntity(chat).peer;
  }
  const resolution = await resolveTarget(client, target, members, signal, budget);
  if (resolution.kind === 'invite') throw new OperationFailure({ kind: 'private', message: `This account is not in "${resolution.title}": join it first.` });
  return resolution.chat.peer;
}

function randomId(): string {
  return String(Math.floor(Math.random() * Number.MAX_SAFE_INTEGER));
}

function sentMessageId(updates: Api.TypeUpdates): number | null {
  if (updates instanceof Api.UpdateShortSentMessage) return updates.id;
  if (updates instanceof Api.Updates || updates instanceof Api.UpdatesCombined) {
    for (const update of updates.updates) {
      if (update instanceof Api.UpdateMessageID) return update.id;
      if ((update instanceof Api.UpdateNewMessage || update instanceof Api.UpdateNewChannelMessage) && update.message instanceof Api.Message) return update.message.id;
    }
  }
  return null;
}
