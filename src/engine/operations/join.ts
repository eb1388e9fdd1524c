import type { TelegramClient } from 'telegram';
import type { MemberStoreLike } from '../../db/repositories/member-store.js';
import { OperationFailure } from '../errors.js';
import type { RunnerDefinition } from '../types.js';
import { joinChat, lookupsOf, rememberChat, resolveTarget } from './chats.js';
import { parseTarget } from './targets.js';

export interface JoinParams {
  readonly target: string;
}

export interface JoinResult {
  readonly chatId: number;
  readonly title: string;
  readonly username: string | null;
  readonly alreadyMember: boolean;
}

export function parseJoinParams(params: unknown): JoinParams {
  const target = (params as { target?: unknown } | null)?.target;
  if (typeof target !== 'string') throw new Error('Name a chat to join: @username, a t.me link or an invite link.');
  const parsed = parseTarget(target);
  if (!parsed.ok) throw new Error(parsed.message);
  if (parsed.target.kind === 'id') throw new Error('Join a chat by its @username or an invite link.');
  return { target: target.trim() };
}

/** Joins a public chat or an invite link; being a member already is success. */
export function joinOperation(options: { members: Pick<MemberStoreLike, 'findChat' | 'upsertChat'> }): RunnerDefinition<JoinParams, TelegramClient | undefined, never, JoinResult> {
  return {
    kind: 'join',
    type: 'other',
    parse: parseJoinParams,
    budget: (params) => {
      const target = parseTarget(params.target);
      return { resolve: target.ok ? lookupsOf(target.target) : 0, join: 1 };
    },
    run: async ({ params, account, signal, budget }) => {
      if (!account.client) throw new OperationFailure({ kind: 'error', message: `Account #${account.id} has no Telegram client.` });
      const target = parseTarget(params.target);
      if (!target.ok) throw new OperationFailure({ kind: 'invalid', message: target.message });
      const resolution = await resolveTarget(account.client, target.target, options.members, signal, budget);
      const { chat, alreadyMember } = await joinChat(account.client, resolution, signal, budget);
      await rememberChat(options.members, chat);
      return { chatId: chat.id, title: chat.title, username: chat.username, alreadyMember };
    },
  };
}
