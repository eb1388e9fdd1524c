import { Composer } from 'grammy';
import type { BotContext } from '../context.js';
import type { FeatureDeps } from '../deps.js';
import { onAction, showScreen } from '../screen.js';
import { renderAccountList, renderOperationList, renderStatus } from '../views/status.js';

const RECENT_OPERATIONS = 12;

/** /status: the live panel; its buttons refresh it and open the account and operation lists. */
export function statusFeature(deps: FeatureDeps): Composer<BotContext> {
  const { engine, clock } = deps;
  const composer = new Composer<BotContext>();

  composer.command('status', async (ctx) => {
    const screen = renderStatus(await engine.status(), clock.now());
    await ctx.reply(screen.text, { reply_markup: screen.keyboard });
  });

  onAction(composer, 'status', async (ctx, action) => {
    const screen =
      action.view === 'main'
        ? renderStatus(await engine.status(), clock.now())
        : action.view === 'accounts'
          ? renderAccountList(await engine.listAccounts(), clock.now())
          : renderOperationList(await engine.listOperations({ limit: RECENT_OPERATIONS }));
    const changed = await showScreen(ctx, screen);
    await ctx.answerCallbackQuery(changed || action.view !== 'main' ? {} : { text: 'Nothing changed.' });
  });

  return composer;
}
