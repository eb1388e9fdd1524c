import { Composer } from 'grammy';
import { parsePhone } from '../../engine/phone.js';
import { parseId, tokenize } from '../args.js';
import type { BotContext } from '../context.js';
import { CONVERSATIONS } from '../conversations/ids.js';
import type { FeatureDeps } from '../deps.js';
import { accountName } from '../format.js';
import type { PanelEngine } from '../ports.js';
import { refuse } from '../reply.js';
import { onAction, showScreen } from '../screen.js';
import { renderAccount, renderAccountList, renderRemoveConfirm } from '../views/status.js';

const SESSION_ONLY_HELP = [
  'This panel adds accounts by session string only (logging in by phone and code is not set up here).',
  'Paste the phone number and the account’s session string (a GramJS StringSession):',
  '/addaccount +15551234567 SESSION_STRING',
  '',
  'The message is deleted as soon as it is read, and the session is stored encrypted.',
].join('\n');

const SESSION = /^[A-Za-z0-9+/=_-]{20,}$/;


/**
 * Adds an account from its phone and a pasted session string, and answers either way (the /addaccount
 * one-liner and the conversation share it). True when the account was added.
 */
export async function addAccountWithSession(ctx: BotContext, engine: Pick<PanelEngine, 'addAccount'>, phone: string, session: string): Promise<boolean> {
  const parsed = parsePhone(phone);
  if (!parsed.ok) {
    await refuse(ctx, parsed.message);
    return false;
  }
  if (!SESSION.test(session)) {
    await refuse(ctx, 'That does not look like a session string: it is one long word of letters, digits and + / = _ - characters.');
    return false;
  }
  const result = await engine.addAccount({ phone: parsed.phone, session });
  if (result.kind !== 'ok') {
    await refuse(ctx, result.message);
    return false;
  }
  ctx.setOutcome(`added account #${result.account.id}`);
  await ctx.reply(`✅ Account ${accountName(result.account)} added; it is ${result.account.state}.`);
  return true;
}

/** /accounts, /addaccount, /removeaccount and the account buttons (pause, resume, remove with confirmation). */
export function accountsFeature(deps: FeatureDeps): Composer<BotContext> {
  const { engine, clock, logger } = deps;
  const composer = new Composer<BotContext>();

  composer.command('accounts', async (ctx) => {
    const screen = renderAccountList(await engine.listAccounts(), clock.now());
    await ctx.reply(screen.text, { reply_markup: screen.keyboard });
  });

  composer.command('addaccount', async (ctx) => {
    const tokens = tokenize(ctx.match);
    if (!tokens.ok) return refuse(ctx, tokens.message);
    const [phone, session, ...extra] = tokens.value.map((t) => t.value);
    if (phone !== undefined && !parsePhone(phone).ok && SESSION.test(phone)) {
      // A session string given without its phone: delete it, and never quote it back.
      await ctx.deleteMessage().catch((error: unknown) => logger.warn({ err: error }, 'could not delete a message holding a session string'));
      return refuse(ctx, 'Put the phone number before the session string: /addaccount +15551234567 SESSION_STRING.');
    }
    if (session === undefined && deps.login !== undefined) {
      // Phone → code → two-step password, one question at a time; a phone given here skips the first.
      ctx.setOutcome('conversation started');
      await ctx.conversation.enter(CONVERSATIONS.addAccount, phone === undefined ? {} : { phone });
      return;
    }
    if (phone === undefined) return ctx.reply(SESSION_ONLY_HELP);
    // The session string is a secret: it must not stay in the chat history, whatever happens next.
    if (session !== undefined) await ctx.deleteMessage().catch((error: unknown) => logger.warn({ err: error }, 'could not delete a message holding a session string'));
    if (session === undefined) {
      const parsed = parsePhone(phone);
      return refuse(ctx, parsed.ok ? `The session string is missing.\n\n${SESSION_ONLY_HELP}` : parsed.message);
    }
    if (extra.length > 0) {
      return refuse(ctx, 'That does not look like a session string: it is one long word of letters, digits and + / = _ - characters.');
    }
    await addAccountWithSession(ctx, engine, phone, session);
  });

  composer.command('removeaccount', async (ctx) => {
    const tokens = tokenize(ctx.match);
    if (!tokens.ok) return refuse(ctx, tokens.message);
    if (tokens.value.length > 1) return refuse(ctx, 'Remove one account at a time: /removeaccount ID.');
    const id = parseId(tokens.value[0]?.value, 'account', '/removeaccount ID (see /accounts)');
    if (!id.ok) return refuse(ctx, id.message);
    const account = await engine.getAccount(id.value);
    if (!account) return refuse(ctx, `There is no account #${id.value}. /accounts lists them.`);
    const screen = renderRemoveConfirm(account);
    ctx.setOutcome('asked to confirm');
    await ctx.reply(screen.text, { reply_markup: screen.keyboard });
  });

  onAction(composer, 'account', async (ctx, action) => {
    const account = await engine.getAccount(action.id);
    if (!account) {
      await ctx.answerCallbackQuery({ text: `Account #${action.id} no longer exists.` });
      return;
    }
    switch (action.action) {
      case 'show':
        await showScreen(ctx, renderAccount(account, clock.now()));
        await ctx.answerCallbackQuery();
        return;
      case 'remove':
        await showScreen(ctx, renderRemoveConfirm(account));
        await ctx.answerCallbackQuery();
        return;
      case 'pause':
      case 'resume': {
        const result = action.action === 'pause' ? await engine.pauseAccount(action.id) : await engine.resumeAccount(action.id);
        if (result.kind !== 'ok') {
          await ctx.answerCallbackQuery({ text: result.message });
          return;
        }
        ctx.setOutcome(`${action.action}d account #${action.id}`);
        await showScreen(ctx, renderAccount(result.account, clock.now()));
        await ctx.answerCallbackQuery({ text: action.action === 'pause' ? 'Paused: it takes no new work.' : 'Resumed.' });
        return;
      }
      case 'reinstate': {
        const result = await engine.setAccountHealth(action.id, 'ok', null);
        if (result.kind !== 'ok') {
          await ctx.answerCallbackQuery({ text: result.message });
          return;
        }
        ctx.setOutcome(`reinstated account #${action.id}`);
        await showScreen(ctx, renderAccount(result.account, clock.now()));
        await ctx.answerCallbackQuery({ text: 'Back in rotation: it takes work again. If Telegram still limits it, it will be marked again.' });
        return;
      }
      case 'confirmRemove': {
        const result = await engine.removeAccount(action.id);
        if (result.kind !== 'ok') {
          await ctx.answerCallbackQuery({ text: result.message });
          return;
        }
        ctx.setOutcome(`removed account #${action.id}`);
        await showScreen(ctx, renderAccountList(await engine.listAccounts(), clock.now()));
        await ctx.answerCallbackQuery({ text: `Account #${action.id} removed.` });
        return;
      }
    }
  });

  return composer;
}
