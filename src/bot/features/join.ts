import { Composer } from 'grammy';
import { ACCOUNT_FLAG, checkAccount, checkTarget, parseArgs } from '../args.js';
import type { BotContext } from '../context.js';
import type { FeatureDeps } from '../deps.js';
import { refuse } from '../reply.js';
import { submitFromChat } from './submit.js';

/** /join TARGET [--account ID] */
export function joinFeature(deps: FeatureDeps): Composer<BotContext> {
  const { engine } = deps;
  const composer = new Composer<BotContext>();
  composer.command('join', async (ctx) => {
    const args = parseArgs(ctx.match, { account: ACCOUNT_FLAG });
    if (!args.ok) return refuse(ctx, args.message);
    const [target, ...extra] = args.value.positionals;
    if (!target) return refuse(ctx, 'Name a chat to join, like /join @somechat or /join https://t.me/+AbCdEf123.');
    if (extra.length > 0) return refuse(ctx, '/join takes one chat at a time.');
    const checked = checkTarget(target.value);
    if (!checked.ok) return refuse(ctx, checked.message);
    const account = await checkAccount(engine, args.value.flags.account);
    if (!account.ok) return refuse(ctx, account.message);
    await submitFromChat(ctx, engine, { kind: 'join', accountId: account.value, params: { target: target.value } });
  });
  return composer;
}
