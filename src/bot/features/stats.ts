import { Composer, InputFile, type Api } from 'grammy';
import type { MemberStats } from '../../db/repositories/members.js';
import type { ChatRow } from '../../db/schema.js';
import { checkTarget, tokenize } from '../args.js';
import type { BotContext } from '../context.js';
import type { FeatureDeps } from '../deps.js';
import { splitMessage } from '../format.js';
import { refuse } from '../reply.js';
import { renderMemberStatsChart } from '../report/chart.js';
import { onAction } from '../screen.js';
import { chatName, memberStatsText } from '../views/member-stats.js';
import { findStoredChat } from './export.js';

/** The longest caption a photo may have, after entities parsing (https://core.telegram.org/bots/api#sendphoto). */
export const MAX_CAPTION_LENGTH = 1024;

const fileName = (chat: ChatRow) => `stats-${(chat.username ?? String(chat.id)).replace(/[^A-Za-z0-9_-]/g, '_')}.png`;

/**
 * Sends the stats of a chat's stored members: the chart with the text as its caption when the text fits
 * a caption, else the chart, then the text.
 */
export async function sendMemberStats(api: Pick<Api, 'sendPhoto' | 'sendMessage'>, chatId: number, chat: ChatRow, stats: MemberStats): Promise<void> {
  const name = chatName(chat);
  const text = memberStatsText(name, stats);
  const photo = new InputFile(renderMemberStatsChart(stats, { title: name }), fileName(chat));
  if (text.length <= MAX_CAPTION_LENGTH) {
    await api.sendPhoto(chatId, photo, { caption: text });
    return;
  }
  await api.sendPhoto(chatId, photo);
  for (const part of splitMessage(text)) await api.sendMessage(chatId, part);
}

/** /stats TARGET and the "Stats" button of a finished scrape. */
export function statsFeature(deps: FeatureDeps): Composer<BotContext> {
  const { repos } = deps;
  const composer = new Composer<BotContext>();

  composer.command('stats', async (ctx) => {
    const tokens = tokenize(ctx.match);
    if (!tokens.ok) return refuse(ctx, tokens.message);
    const [raw, ...extra] = tokens.value;
    if (!raw) return refuse(ctx, 'Name the chat, like /stats @somechat.');
    if (extra.length > 0 || raw.value.startsWith('--')) return refuse(ctx, '/stats takes one chat and nothing else, like /stats @somechat.');
    const target = checkTarget(raw.value);
    if (!target.ok) return refuse(ctx, target.message);
    const chat = await findStoredChat(repos.members, target.value);
    if (!chat) return refuse(ctx, `Nothing is stored for ${raw.value} yet: scrape it first with /scrape ${raw.value}.`);
    const stats = await repos.members.memberStats(chat.id);
    if (stats.total === 0) return refuse(ctx, `${chat.title ?? raw.value} has no stored members yet: scrape it first with /scrape ${raw.value}.`);
    await ctx.replyWithChatAction('upload_photo').catch(() => undefined);
    await sendMemberStats(ctx.api, ctx.chat.id, chat, stats);
    ctx.setOutcome('stats sent');
  });

  onAction(composer, 'stats', async (ctx, action) => {
    const chat = await repos.members.findChat(action.chatId);
    const stats = chat ? await repos.members.memberStats(chat.id) : undefined;
    if (!chat || !stats || stats.total === 0 || !ctx.chat) {
      await ctx.answerCallbackQuery({ text: 'No members of that chat are stored any more.' });
      return;
    }
    await ctx.answerCallbackQuery({ text: 'Drawing the stats…' });
    await sendMemberStats(ctx.api, ctx.chat.id, chat, stats);
    ctx.setOutcome('stats sent');
  });

  return composer;
}
