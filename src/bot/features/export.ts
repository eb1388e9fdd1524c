import { Composer, InputFile, type Api } from 'grammy';
import type { MembersRepository } from '../../db/repositories/members.js';
import type { ChatRow } from '../../db/schema.js';
import type { Target } from '../../engine/operations/targets.js';
import { checkTarget, tokenize } from '../args.js';
import type { BotContext } from '../context.js';
import type { FeatureDeps } from '../deps.js';
import { memberCsvParts, type MemberCsvOptions } from '../export-csv.js';
import { formatNumber } from '../format.js';
import { refuse } from '../reply.js';
import { onAction } from '../screen.js';

export function findStoredChat(members: Pick<MembersRepository, 'findChat'>, target: Target): ChatRow | undefined {
  switch (target.kind) {
    case 'username':
      return members.findChat({ username: target.username });
    case 'invite':
      return members.findChat({ inviteHash: target.hash });
    case 'id':
      return members.findChat(target.id);
  }
}

const fileBase = (chat: ChatRow) => `members-${(chat.username ?? String(chat.id)).replace(/[^A-Za-z0-9_-]/g, '_')}`;

/**
 * Sends the chat's stored members as CSV documents, streamed from SQLite, split into parts below the
 * Bot API's 50 MB upload limit. Resolves to how many files were sent.
 */
export async function sendMemberExport(
  api: Pick<Api, 'sendDocument'>,
  members: Pick<MembersRepository, 'iterateMembers' | 'countMembers'>,
  chatId: number,
  chat: ChatRow,
  options: MemberCsvOptions = {},
): Promise<number> {
  const count = members.countMembers(chat.id);
  const name = `${chat.title ?? `chat ${chat.id}`}${chat.username ? ` (@${chat.username})` : ''}`;
  let sent = 0;
  for (const part of memberCsvParts(members, chat.id, options)) {
    const filename = part.index === 1 ? `${fileBase(chat)}.csv` : `${fileBase(chat)}-part${part.index}.csv`;
    const caption = part.index === 1 ? `${name}: ${formatNumber(count)} stored members` : `${name}: part ${part.index}`;
    await api.sendDocument(chatId, new InputFile(part.chunks, filename), { caption });
    sent += 1;
  }
  return sent;
}

/** /export TARGET and the "Export CSV" button of a finished scrape. */
export function exportFeature(deps: FeatureDeps): Composer<BotContext> {
  const { repos } = deps;
  const composer = new Composer<BotContext>();

  composer.command('export', async (ctx) => {
    const tokens = tokenize(ctx.match);
    if (!tokens.ok) return refuse(ctx, tokens.message);
    const [raw, ...extra] = tokens.value;
    if (!raw) return refuse(ctx, 'Name the chat to export, like /export @somechat.');
    if (extra.length > 0) return refuse(ctx, '/export takes one chat at a time.');
    const target = checkTarget(raw.value);
    if (!target.ok) return refuse(ctx, target.message);
    const chat = findStoredChat(repos.members, target.value);
    if (!chat) return refuse(ctx, `Nothing is stored for ${raw.value} yet: scrape it first with /scrape ${raw.value}.`);
    if (repos.members.countMembers(chat.id) === 0) return refuse(ctx, `${chat.title ?? raw.value} has no stored members yet: scrape it first with /scrape ${raw.value}.`);
    await ctx.replyWithChatAction('upload_document').catch(() => undefined);
    const files = await sendMemberExport(ctx.api, repos.members, ctx.chat.id, chat);
    ctx.setOutcome(`exported ${files} file${files === 1 ? '' : 's'}`);
  });

  onAction(composer, 'export', async (ctx, action) => {
    const chat = repos.members.findChat(action.chatId);
    if (!chat || repos.members.countMembers(chat.id) === 0 || !ctx.chat) {
      await ctx.answerCallbackQuery({ text: 'No members of that chat are stored any more.' });
      return;
    }
    await ctx.answerCallbackQuery({ text: 'Preparing the CSV…' });
    const files = await sendMemberExport(ctx.api, repos.members, ctx.chat.id, chat);
    ctx.setOutcome(`exported ${files} file${files === 1 ? '' : 's'}`);
  });

  return composer;
}
