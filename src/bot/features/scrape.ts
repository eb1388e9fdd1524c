import { Composer } from 'grammy';
import { ACCOUNT_FLAG, checkAccount, checkTarget, DAYS_FLAG, JOIN_FLAG, LIMIT_FLAG, parseArgs } from '../args.js';
import type { BotContext } from '../context.js';
import type { FeatureDeps } from '../deps.js';
import { refuse } from '../reply.js';
import { submitFromChat } from './submit.js';

const SPEC = { limit: LIMIT_FLAG, days: DAYS_FLAG, account: ACCOUNT_FLAG, join: JOIN_FLAG } as const;

/** /scrape TARGET [--limit N] [--days N] [--account ID] [--join] */
export function scrapeFeature(deps: FeatureDeps): Composer<BotContext> {
  const { engine } = deps;
  const composer = new Composer<BotContext>();
  composer.command('scrape', async (ctx) => {
    const args = parseArgs(ctx.match, SPEC);
    if (!args.ok) return refuse(ctx, args.message);
    const { positionals, flags } = args.value;
    const [target, ...extra] = positionals;
    if (!target) return refuse(ctx, 'Name a chat to scrape, like /scrape @somechat (add --limit 1000 to stop early).');
    if (extra.length > 0) return refuse(ctx, `/scrape takes one chat, but got ${positionals.length}. To scrape several at once use /bulk.`);
    const checked = checkTarget(target.value);
    if (!checked.ok) return refuse(ctx, checked.message);
    const account = checkAccount(engine, flags.account);
    if (!account.ok) return refuse(ctx, account.message);
    await submitFromChat(ctx, engine, {
      kind: 'scrape',
      accountId: account.value,
      params: {
        target: target.value,
        ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
        ...(flags.days !== undefined ? { days: flags.days } : {}),
        join: flags.join === true,
      },
    });
  });
  return composer;
}
