import { Composer } from 'grammy';
import { ACCOUNT_FLAG, checkAccount, checkTarget, DAYS_FLAG, JOIN_FLAG, LIMIT_FLAG, parseArgs } from '../args.js';
import type { BotContext } from '../context.js';
import { CONVERSATIONS } from '../conversations/ids.js';
import type { FeatureDeps } from '../deps.js';
import type { PanelEngine } from '../ports.js';
import { refuse } from '../reply.js';
import { submitFromChat } from './submit.js';

const FLAGS = { limit: LIMIT_FLAG, days: DAYS_FLAG, account: ACCOUNT_FLAG, join: JOIN_FLAG } as const;

/** What a scrape is asked for, by the command's options or by the /scrape questions. */
export interface ScrapeRequest {
  /** The chat as the admin wrote it. */
  readonly target: string;
  readonly limit?: number;
  readonly days?: number;
  /** `--account ID`: the account to pin the scrape to. */
  readonly account?: number;
  readonly join: boolean;
}

const asNumber = (value: number | boolean | undefined): number | undefined => (typeof value === 'number' ? value : undefined);

/**
 * Checks and submits a scrape reported in the current chat; a refusal is answered in plain words.
 * Returns the operation id, or undefined when it was refused.
 */
export async function submitScrape(ctx: BotContext, engine: Pick<PanelEngine, 'submit' | 'getAccount'>, request: ScrapeRequest): Promise<number | undefined> {
  const checked = checkTarget(request.target);
  if (!checked.ok) {
    await refuse(ctx, checked.message);
    return undefined;
  }
  const account = await checkAccount(engine, request.account);
  if (!account.ok) {
    await refuse(ctx, account.message);
    return undefined;
  }
  return submitFromChat(ctx, engine, {
    kind: 'scrape',
    accountId: account.value,
    params: {
      target: request.target,
      ...(request.limit !== undefined ? { limit: request.limit } : {}),
      ...(request.days !== undefined ? { days: request.days } : {}),
      join: request.join,
    },
  });
}

/** /scrape TARGET [--limit N] [--days N] [--account ID] [--join]; /scrape alone asks for each. */
export function scrapeFeature(deps: FeatureDeps): Composer<BotContext> {
  const { engine } = deps;
  const composer = new Composer<BotContext>();
  composer.command('scrape', async (ctx) => {
    if (ctx.match.trim() === '') {
      ctx.setOutcome('conversation started');
      await ctx.conversation.enter(CONVERSATIONS.scrape);
      return;
    }
    const args = parseArgs(ctx.match, FLAGS);
    if (!args.ok) return refuse(ctx, args.message);
    const { positionals, flags } = args.value;
    const [target, ...extra] = positionals;
    if (!target) return refuse(ctx, 'Name a chat to scrape, like /scrape @somechat (add --limit 1000 to stop early).');
    if (extra.length > 0) return refuse(ctx, `/scrape takes one chat, but got ${positionals.length}. To scrape several at once use /bulk.`);
    const limit = asNumber(flags.limit);
    const days = asNumber(flags.days);
    const account = asNumber(flags.account);
    await submitScrape(ctx, engine, {
      target: target.value,
      ...(limit !== undefined ? { limit } : {}),
      ...(days !== undefined ? { days } : {}),
      ...(account !== undefined ? { account } : {}),
      join: flags.join === true,
    });
  });
  return composer;
}
