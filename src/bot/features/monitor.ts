import { Composer } from 'grammy';
import type { MonitorRow } from '../../db/schema.js';
import { checkTarget, parseArgs, parseId } from '../args.js';
import type { BotContext } from '../context.js';
import type { FeatureDeps } from '../deps.js';
import { formatNumber, splitMessage, truncate } from '../format.js';
import { refuse } from '../reply.js';
import { submitFromChat } from './submit.js';

const USAGE = [
  'Keyword watches:',
  '/monitor add TARGET KEYWORD... — e.g. /monitor add @market bike "used car" /sell(ing)?/i',
  '/monitor list',
  '/monitor stop ID',
].join('\n');

const MAX_LISTED = 40;

/** What a bot built without a monitors store answers (no process of this setup keeps monitors). */
export const NO_MONITORS = 'Keyword monitors are not available here: this bot was started without a monitors store. Nothing was changed.';

function monitorLine(row: MonitorRow): string {
  const keywords = truncate(row.keywords.join(', '), 80);
  const where = row.accountId !== null ? ` · account #${row.accountId}` : '';
  return `${row.active ? '👁' : '⏹'} #${row.id} ${row.target} · ${keywords} · ${formatNumber(row.hits)} hit${row.hits === 1 ? '' : 's'}${row.active ? where : ' · stopped'}`;
}

/** /monitor add TARGET KEYWORD... · /monitor list · /monitor stop ID */
export function monitorFeature(deps: FeatureDeps): Composer<BotContext> {
  const { engine, repos, monitors } = deps;
  const composer = new Composer<BotContext>();
  composer.command('monitor', async (ctx) => {
    const args = parseArgs(ctx.match, {});
    if (!args.ok) return refuse(ctx, args.message);
    const [sub, ...rest] = args.value.positionals;
    const action = sub?.value.toLowerCase();
    const stored = repos.monitors;
    if (stored === undefined) return refuse(ctx, NO_MONITORS);
    switch (action) {
      case 'add': {
        const [target, ...keywords] = rest;
        if (!target) return refuse(ctx, `Name a chat and the keywords to watch for.\n\n${USAGE}`);
        const checked = checkTarget(target.value);
        if (!checked.ok) return refuse(ctx, checked.message);
        if (keywords.length === 0) return refuse(ctx, `Give at least one keyword to watch for, like /monitor add ${target.value} bike.`);
        await submitFromChat(ctx, engine, {
          kind: 'monitor',
          params: { target: target.value, keywords: keywords.map((k) => k.value), createdBy: ctx.from?.id ?? null, reportChatId: ctx.chat?.id ?? null },
        });
        return;
      }
      case 'list': {
        if (rest.length > 0) return refuse(ctx, '/monitor list takes nothing after it.');
        const rows = await stored.listAll();
        const active = rows.filter((r) => r.active);
        const stopped = rows.filter((r) => !r.active).slice(0, Math.max(0, MAX_LISTED - active.length));
        if (rows.length === 0) return ctx.reply(`No monitors yet.\n\n${USAGE}`);
        const text = [`Monitors: ${active.length} active`, '', ...active.map(monitorLine), ...stopped.map(monitorLine)].join('\n');
        for (const part of splitMessage(text)) await ctx.reply(part, { link_preview_options: { is_disabled: true } });
        return;
      }
      case 'stop': {
        if (rest.length > 1) return refuse(ctx, 'Stop one monitor at a time: /monitor stop ID.');
        const id = parseId(rest[0]?.value, 'monitor', '/monitor stop ID (see /monitor list)');
        if (!id.ok) return refuse(ctx, id.message);
        const row = await stored.get(id.value);
        if (!row) return refuse(ctx, `There is no monitor #${id.value}. /monitor list shows them.`);
        if (!row.active) return refuse(ctx, `Monitor #${id.value} is already stopped.`);
        if (!(await monitors.stopMonitor(id.value))) return refuse(ctx, `Monitor #${id.value} is already stopped.`);
        ctx.setOutcome(`stopped monitor #${id.value}`);
        await ctx.reply(`⏹ Monitor #${id.value} on ${row.target} stopped.`);
        return;
      }
      case undefined:
        return ctx.reply(USAGE);
      default:
        return refuse(ctx, `/monitor does not know "${truncate(sub?.value ?? '', 30)}".\n\n${USAGE}`);
    }
  });
  return composer;
}
