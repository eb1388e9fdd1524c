import { Composer } from 'grammy';
import { parseArgs, parseId, parseWholeNumber } from '../args.js';
import type { BotContext } from '../context.js';
import { CONVERSATIONS } from '../conversations/ids.js';
import type { FeatureDeps } from '../deps.js';
import { formatTime, splitMessage } from '../format.js';
import type { ArgResult, ReportSchedules } from '../ports.js';
import { refuse } from '../reply.js';

const USAGE = [
  'Reports on a schedule (cron, in UTC):',
  '/schedule add "CRON" [CHAT] — e.g. /schedule add "0 9 * * *" for every day at 09:00; CHAT is a chat id such as a group’s -1001234567890',
  '/schedule list',
  '/schedule remove ID',
].join('\n');

const NICKNAME = /^@(yearly|annually|monthly|weekly|daily|midnight|hourly)$/i;

/**
 * The chat scheduled reports go to: `raw` is a chat id, or undefined for the current chat. Another chat
 * must be one the bot can reach. `thisChat` says how to pick the current chat instead.
 */
export async function resolveReportChat(ctx: BotContext, raw: string | undefined, thisChat: string): Promise<ArgResult<number>> {
  const here = ctx.chat?.id;
  if (here === undefined) return { ok: false, message: 'Schedules are added from a chat.' };
  if (raw === undefined) return { ok: true, value: here };
  const parsed = parseWholeNumber(raw, 'The chat id', { min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
  if (!parsed.ok || parsed.value === 0) return { ok: false, message: `"${raw.trim().slice(0, 40)}" is not a chat id: use a number like -1001234567890, or ${thisChat}.` };
  if (parsed.value !== here) {
    const chat = await ctx.api.getChat(parsed.value).catch(() => undefined);
    if (chat === undefined) return { ok: false, message: `I cannot reach chat ${parsed.value}: add the bot to it first, then try again.` };
    // A basic group the bot has left still answers getChat (as Telegram does); only membership lets it send.
    if (chat.type === 'group' || chat.type === 'supergroup') {
      const me = await ctx.api.getChatMember(parsed.value, ctx.me.id).catch(() => undefined);
      if (me === undefined || !['creator', 'administrator', 'member'].includes(me.status)) {
        return { ok: false, message: `I am not in chat ${parsed.value} (“${chat.title}”): add the bot to it first, then try again.` };
      }
    }
  }
  return parsed;
}

/**
 * Where `/schedule add "CRON"` without a chat sends reports: the group it was typed in, or from a
 * private chat the REPORT_CHAT_ID chat when one is configured (its default is the first admin, whose
 * own chat that already is), else this chat.
 */
export function defaultReportChat(ctx: BotContext, config: Pick<FeatureDeps['config'], 'bot'>): string | undefined {
  const { reportChatId, adminIds } = config.bot;
  if (ctx.chat?.type !== 'private' || reportChatId === adminIds[0]) return undefined;
  return String(reportChatId);
}

/** Stores a schedule and answers either way; the command and the /schedule add questions share it. */
export async function addSchedule(ctx: BotContext, scheduler: Pick<ReportSchedules, 'add'>, cron: string, chatId: number): Promise<number | undefined> {
  const added = await scheduler.add(cron, chatId, ctx.from?.id ?? null);
  if (!added.ok) {
    await refuse(ctx, added.message);
    return undefined;
  }
  const s = added.value;
  ctx.setOutcome(`added schedule #${s.id}`);
  await ctx.reply(`✅ Schedule #${s.id} added: "${s.cron}" to ${s.chatId === ctx.chat?.id ? 'this chat' : `chat ${s.chatId}`}.${s.nextRunAt !== null ? ` Next report: ${formatTime(s.nextRunAt)}.` : ''}`);
  return s.id;
}

/** /schedule add "CRON" [CHAT] (or /schedule add alone, which asks) · /schedule list · /schedule remove ID */
export function scheduleFeature(deps: FeatureDeps): Composer<BotContext> {
  const { services, config } = deps;
  const composer = new Composer<BotContext>();
  composer.command('schedule', async (ctx) => {
    const args = parseArgs(ctx.match, {});
    if (!args.ok) return refuse(ctx, args.message);
    const [sub, ...rest] = args.value.positionals;
    switch (sub?.value.toLowerCase()) {
      case 'add': {
        const [cron, chat, ...extra] = rest;
        if (!cron) {
          ctx.setOutcome('conversation started');
          await ctx.conversation.enter(CONVERSATIONS.scheduleAdd);
          return;
        }
        if (!cron.quoted && !NICKNAME.test(cron.value)) {
          return refuse(ctx, `Put the cron expression in quotes, like /schedule add "0 9 * * *" — it has spaces in it.`);
        }
        if (extra.length > 0) return refuse(ctx, `/schedule add takes a cron expression and at most one chat id.\n\n${USAGE}`);
        const target = await resolveReportChat(ctx, chat?.value ?? defaultReportChat(ctx, config), 'leave it out for this chat');
        if (!target.ok) return refuse(ctx, target.message);
        await addSchedule(ctx, services.scheduler, cron.value, target.value);
        return;
      }
      case 'list': {
        if (rest.length > 0) return refuse(ctx, '/schedule list takes nothing after it.');
        const rows = await services.scheduler.list();
        if (rows.length === 0) return ctx.reply(`No scheduled reports.\n\n${USAGE}`);
        const lines = rows.map(
          (s) =>
            `#${s.id} "${s.cron}" → ${s.chatId === ctx.chat.id ? 'this chat' : `chat ${s.chatId}`} · next ${s.nextRunAt !== null ? formatTime(s.nextRunAt) : 'never'}${s.lastRunAt !== null ? ` · last ${formatTime(s.lastRunAt)}` : ''}`,
        );
        for (const part of splitMessage(['Scheduled reports:', ...lines].join('\n'))) await ctx.reply(part);
        return;
      }
      case 'remove': {
        if (rest.length > 1) return refuse(ctx, 'Remove one schedule at a time: /schedule remove ID.');
        const id = parseId(rest[0]?.value, 'schedule', '/schedule remove ID (see /schedule list)');
        if (!id.ok) return refuse(ctx, id.message);
        if (!(await services.scheduler.remove(id.value))) return refuse(ctx, `There is no schedule #${id.value}. /schedule list shows them.`);
        ctx.setOutcome(`removed schedule #${id.value}`);
        await ctx.reply(`🗑 Schedule #${id.value} removed.`);
        return;
      }
      case undefined:
        return ctx.reply(USAGE);
      default:
        return refuse(ctx, `/schedule does not know "${sub?.value.slice(0, 30)}".\n\n${USAGE}`);
    }
  });
  return composer;
}
