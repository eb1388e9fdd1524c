import { Composer } from 'grammy';
import { tokenize } from '../args.js';
import type { BotContext } from '../context.js';
import type { FeatureDeps } from '../deps.js';
import { refuse } from '../reply.js';
import { buildReport, sendReport } from '../report/report.js';

/** /report (or /report now): the activity report of the last 24 hours with its chart. */
export function reportFeature(deps: FeatureDeps): Composer<BotContext> {
  const { repos, engine, clock } = deps;
  const composer = new Composer<BotContext>();
  composer.command('report', async (ctx) => {
    const tokens = tokenize(ctx.match);
    if (!tokens.ok) return refuse(ctx, tokens.message);
    const words = tokens.value.map((t) => t.value.toLowerCase());
    if (words.length > 1 || (words.length === 1 && words[0] !== 'now')) {
      return refuse(ctx, '/report sends the report now and takes nothing else. For reports on a schedule use /schedule add "0 9 * * *".');
    }
    await ctx.replyWithChatAction('upload_photo').catch(() => undefined);
    const report = await buildReport({ reports: repos.reports, members: repos.members, monitors: repos.monitors, engine }, clock.now());
    await sendReport(ctx.api, ctx.chat.id, report);
    ctx.setOutcome('report sent');
  });
  return composer;
}
