import type { BotContext } from './context.js';
import { truncate } from './format.js';

/** Answers bad input in plain words; nothing was changed. The audit row records why. */
export async function refuse(ctx: BotContext, message: string): Promise<void> {
  ctx.setOutcome(`refused: ${truncate(message, 160)}`);
  await ctx.reply(message);
}
