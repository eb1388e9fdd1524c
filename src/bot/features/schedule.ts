import { Composer } from 'grammy';
import { parseArgs, parseId, parseWholeNumber } from '../args.js';
import type { BotContext } from '../context.js';
import type { FeatureDeps } from '../deps.js';
import { formatTime, splitMessage } from '../format.js';
import { refuse } from '../reply.js';

const USAGE = [
  'Reports on a schedule (cron, in UTC):',
  '/schedule add "CRON" [CHAT] — e.g. /schedule add "0 9 * * *" for every day at 09:00',
  '/schedule list',
  '/schedule remove ID',
].join('\n');

const NICKNAME = /^@(yearly|annually|monthly|weekly|daily|midnight|hourly)$/i;

/** /schedule add "CRON" [CHAT] · /schedule list · /schedule remove ID */
export function scheduleFeature(deps: FeatureDeps): Composer<BotContext> {
  const { services } = deps;
  const composer = new Composer<BotContext>();
  composer.command('schedule', async (ctx) => {
    const args = parseArgs(ctx.match, {});
    if (!args.ok) return refuse(ctx, args.message);
    const [sub, ...rest] = args.value.positionals;
    switch (sub?.value.toLowerCase()) {
      case 'add': {
        const [cron, chat, ...extra] = rest;
        if (!cron) return refuse(ctx, `Give the schedule as a cron expression in quotes.\n\n${USAGE}`);
        if (!cron.quoted && !NICKNAME.test(cron.value)) {
          return refuse(ctx, `Put the cron expression in quotes, like /schedule add "0 9 * * *" — it has spaces in it.`);
        }
        if (extra.length > 0) return refuse(ctx, `/schedule add takes a cron expression and at most one chat id.\n\n${USAGE}`);
        let chatId = ctx.chat.id;
        if (chat) {
          const parsed = parseWholeNumber(chat.value, 'The chat id', { min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
          if (!parsed.ok || parsed.value === 0) return refuse(ctx, `"${chat.value}" is not a chat id: use a number like -1001234567890, or leave it out for this chat.`);
          chatId = parsed.value;
          if (chatId !== ctx.chat.id) {
            const reachable = await ctx.api.getChat(chatId).then(
              () => true,
              () => false,
            );
            if (!reachable) return refuse(ctx, `I cannot reach chat ${chatId}: add the bot to it first, then try again.`);
          }
        }
        const added = services.scheduler.add(cron.value, chatId, ctx.from?.id ?? null);
        if (!added.ok) return refuse(ctx, added.message);
        const s = added.value;
        ctx.setOutcome(`added schedule #${s.id}`);
        await ctx.reply(`✅ Schedule #${s.id} added: "${s.cron}" to ${s.chatId === ctx.chat.id ? 'this chat' : `chat ${s.chatId}`}.${s.nextRunAt !== null ? ` Next report: ${formatTime(s.nextRunAt)}.` : ''}`);
        return;
      }
      case 'list': {
        if (rest.length > 0) return refuse(ctx, '/schedule list takes nothing after it.');
        const rows = services.scheduler.list();
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
        if (!services.scheduler.remove(id.value)) return refuse(ctx, `There is no schedule #${id.value}. /schedule list shows them.`);
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
