import type { Composer } from 'grammy';
import { parseCallbackData, type CallbackAction } from './callback-data.js';
import type { BotContext } from './context.js';
import { contentKey, isNotModified, type MessageContent } from './message-editor.js';

/**
 * Shows `content` in the message whose button was pressed. When it already shows exactly that, no edit
 * is made (Telegram refuses it); a "not modified" refusal that slips through is swallowed.
 * Resolves to whether the message changed.
 */
export async function showScreen(ctx: BotContext, content: MessageContent): Promise<boolean> {
  const message = ctx.callbackQuery?.message;
  if (message && 'text' in message && message.text !== undefined) {
    const current = contentKey({ text: message.text, keyboard: message.reply_markup ?? { inline_keyboard: [] } });
    if (current === contentKey(content)) return false;
  }
  try {
    await ctx.editMessageText(content.text, { reply_markup: content.keyboard ?? { inline_keyboard: [] } });
    return true;
  } catch (error) {
    if (isNotModified(error)) return false;
    throw error;
  }
}

/** Registers a handler for one kind of button; data that does not parse never reaches it. */
export function onAction<K extends CallbackAction['kind']>(
  composer: Composer<BotContext>,
  kind: K,
  handler: (ctx: BotContext, action: Extract<CallbackAction, { kind: K }>) => Promise<unknown>,
): void {
  composer.on('callback_query:data').filter(
    (ctx) => parseCallbackData(ctx.callbackQuery.data)?.kind === kind,
    async (ctx) => {
      await handler(ctx, parseCallbackData(ctx.callbackQuery.data) as Extract<CallbackAction, { kind: K }>);
    },
  );
}

/** Answers a button press whose data is stale or forged, so the client stops waiting. */
export async function answerUnknownButton(ctx: BotContext): Promise<void> {
  await ctx.answerCallbackQuery({ text: 'This button is no longer valid. Send /status for a fresh panel.', show_alert: false });
}
