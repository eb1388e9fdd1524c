import { Composer } from 'grammy';
import type { CancelResult } from '../../engine/engine.js';
import { parseId, tokenize } from '../args.js';
import type { BotContext } from '../context.js';
import type { FeatureDeps } from '../deps.js';
import { refuse } from '../reply.js';
import { onAction, showScreen } from '../screen.js';
import { renderOperationDetail, renderOperationList } from '../views/status.js';

const RECENT = 15;

function cancelAnswer(id: number, result: CancelResult): { text: string; changed: boolean } {
  switch (result.kind) {
    case 'cancelled':
      return { text: `⏹ Operation #${id} cancelled.`, changed: true };
    case 'cancelling':
      return { text: `⏹ Stopping operation #${id}…`, changed: true };
    case 'finished':
      return { text: `Operation #${id} has already ended (${result.status}).`, changed: false };
    case 'not_found':
      return { text: `There is no operation #${id}. /ops lists the recent ones.`, changed: false };
  }
}

/** /ops, /cancel OP and the operation buttons (detail, cancel). A bare /cancel leaves a conversation (see conversations/). */
export function opsFeature(deps: FeatureDeps): Composer<BotContext> {
  const { engine } = deps;
  const composer = new Composer<BotContext>();

  composer.command('ops', async (ctx) => {
    const screen = renderOperationList(await engine.listOperations({ limit: RECENT }));
    await ctx.reply(screen.text, { reply_markup: screen.keyboard });
  });

  composer.command('cancel', async (ctx) => {
    const tokens = tokenize(ctx.match);
    if (!tokens.ok) return refuse(ctx, tokens.message);
    if (tokens.value.length === 0) {
      // Inside a conversation /cancel never gets here: the conversation takes it and leaves.
      return refuse(ctx, 'There is nothing to cancel here. To stop an operation, send /cancel ID (/ops lists them).');
    }
    if (tokens.value.length > 1) return refuse(ctx, 'Cancel one operation at a time: /cancel ID.');
    const id = parseId(tokens.value[0]?.value, 'operation', '/cancel ID (see /ops)');
    if (!id.ok) return refuse(ctx, id.message);
    const answer = cancelAnswer(id.value, await engine.cancel(id.value));
    if (!answer.changed) return refuse(ctx, answer.text);
    ctx.setOutcome(`cancelled #${id.value}`);
    await ctx.reply(answer.text);
  });

  onAction(composer, 'operation', async (ctx, action) => {
    const op = await engine.getOperation(action.id);
    if (!op) {
      await ctx.answerCallbackQuery({ text: `Operation #${action.id} no longer exists.` });
      return;
    }
    if (action.action === 'show') {
      await showScreen(ctx, renderOperationDetail(op, op.accountId !== null ? await engine.getAccount(op.accountId) : undefined));
      await ctx.answerCallbackQuery();
      return;
    }
    const answer = cancelAnswer(action.id, await engine.cancel(action.id));
    if (answer.changed) ctx.setOutcome(`cancelled #${action.id}`);
    // The progress message of the operation is the reporter's to edit; any other screen is redrawn here.
    const message = ctx.callbackQuery?.message;
    const isProgressMessage = message !== undefined && op.reportChatId === message.chat.id && op.reportMessageId === message.message_id;
    if (!isProgressMessage) {
      const now = await engine.getOperation(action.id) ?? op;
      await showScreen(ctx, renderOperationDetail(now, now.accountId !== null ? await engine.getAccount(now.accountId) : undefined));
    }
    await ctx.answerCallbackQuery({ text: answer.text });
  });

  return composer;
}
