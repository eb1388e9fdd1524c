import { Composer } from 'grammy';
import { HELP_TEXT } from '../commands.js';
import type { BotContext } from '../context.js';

/** /start and /help: what the panel can do. */
export function startFeature(): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  composer.command(['start', 'help'], async (ctx) => {
    await ctx.reply(HELP_TEXT, { link_preview_options: { is_disabled: true } });
  });
  return composer;
}
