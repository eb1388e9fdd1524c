import type { MiddlewareFn } from 'grammy';
import type { Clock } from '../clock.js';
import type { BotContext } from './context.js';

export const REFUSAL = 'This panel is private.';

export interface AdminFilterOptions {
  readonly adminIds: readonly number[];
  readonly clock: Clock;
  /**
   * A stranger who keeps writing is refused at most once per this many ms, so the bot cannot be used
   * to flood a chat with refusals.
   * @default 60000
   */
  readonly refusalIntervalMs?: number;
}

/**
 * Stands in front of every other middleware: admins pass, anyone else gets one polite refusal (an
 * answered button press, or a reply to a message) and nothing else runs.
 */
export function adminFilter(options: AdminFilterOptions): MiddlewareFn<BotContext> {
  const admins = new Set(options.adminIds);
  const interval = options.refusalIntervalMs ?? 60_000;
  const lastRefusal = new Map<number, number>();
  return async (ctx, next) => {
    const userId = ctx.from?.id;
    if (userId !== undefined && admins.has(userId)) {
      await next();
      return;
    }
    ctx.setOutcome('refused: not an admin');
    if (ctx.callbackQuery) {
      await ctx.answerCallbackQuery({ text: REFUSAL });
      return;
    }
    if (userId === undefined || !ctx.chat || !ctx.message) return;
    const now = options.clock.now();
    const last = lastRefusal.get(userId);
    if (last !== undefined && now - last < interval) return;
    lastRefusal.set(userId, now);
    if (lastRefusal.size > 10_000) {
      for (const [id, at] of lastRefusal) if (now - at >= interval) lastRefusal.delete(id);
    }
    await ctx.reply(REFUSAL);
  };
}
