import { Composer } from 'grammy';
import { checkTarget, DAYS_FLAG, JOIN_FLAG, LIMIT_FLAG, parseArgs } from '../args.js';
import { readCommand } from '../audit.js';
import type { BotContext } from '../context.js';
import type { FeatureDeps } from '../deps.js';
import { truncate } from '../format.js';
import type { ArgResult } from '../ports.js';
import { refuse } from '../reply.js';
import { onAction } from '../screen.js';

const FLAGS = { limit: LIMIT_FLAG, days: DAYS_FLAG, join: JOIN_FLAG } as const;

/**
 * Most chats in one request.
 * @default 500
 */
export const MAX_BULK_TARGETS = 500;
/** Largest .txt list accepted, in bytes. */
export const MAX_LIST_BYTES = 256 * 1024;

const USAGE = 'Scrape many chats at once: /bulk @one @two https://t.me/three — or send a .txt file with one chat a line (caption /bulk, options like --limit 1000 allowed).';

/**
 * Checks a list of targets: every one must be a chat (all or nothing, so a typo never half-submits),
 * duplicates are dropped, and there is a cap.
 */
export function checkTargets(entries: ReadonlyArray<{ readonly value: string; readonly where: string }>): ArgResult<string[]> {
  if (entries.length === 0) return { ok: false, message: `Name at least one chat. ${USAGE}` };
  const bad: string[] = [];
  const seen = new Set<string>();
  const targets: string[] = [];
  for (const entry of entries) {
    const checked = checkTarget(entry.value);
    if (!checked.ok) {
      bad.push(`${entry.where}: ${checked.message}`);
      continue;
    }
    const key = JSON.stringify(checked.value).toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    targets.push(entry.value);
  }
  if (bad.length > 0) {
    const shown = bad.slice(0, 10).map((line) => truncate(line, 200));
    const more = bad.length > 10 ? `\n…and ${bad.length - 10} more` : '';
    return { ok: false, message: `Nothing was submitted: ${bad.length} of ${entries.length} are not chats.\n${shown.join('\n')}${more}` };
  }
  if (targets.length > MAX_BULK_TARGETS) return { ok: false, message: `That is ${targets.length} chats; one /bulk takes at most ${MAX_BULK_TARGETS}. Split the list.` };
  return { ok: true, value: targets };
}

/** /bulk TARGET... or a .txt document, one target a line. */
export function bulkFeature(deps: FeatureDeps): Composer<BotContext> {
  const { engine, services, logger } = deps;
  const composer = new Composer<BotContext>();

  const submit = async (ctx: BotContext, targets: readonly string[], flags: Readonly<Record<string, number | boolean>>) => {
    const chatId = ctx.chat?.id;
    if (chatId === undefined) return;
    const params = {
      ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
      ...(flags.days !== undefined ? { days: flags.days } : {}),
      join: flags.join === true,
    };
    // Children report through the group's single message, not one message each.
    const results = await engine.submitMany(targets.map((target) => ({ kind: 'scrape', params: { target, ...params }, requestedBy: ctx.from?.id ?? null })));
    const queued = results.flatMap((r, i) => (r.kind === 'queued' ? [{ operation: r.operation, target: targets[i] as string }] : []));
    const refused = results.flatMap((r, i) => (r.kind === 'refused' ? [`${targets[i]}: ${r.message}`] : []));
    if (queued.length === 0) return refuse(ctx, `Nothing was submitted.\n${refused.slice(0, 10).join('\n')}`);
    const group = await services.bulk.track(chatId, queued);
    ctx.setOutcome(`submitted ${queued.length} as group #${group}`);
    if (refused.length > 0) await ctx.reply(`${refused.length} could not be submitted:\n${refused.slice(0, 10).join('\n')}`);
  };

  composer.command('bulk', async (ctx, next) => {
    // A .txt list with the caption /bulk is handled below.
    if (ctx.message?.document) return next();
    const args = parseArgs(ctx.match, FLAGS);
    if (!args.ok) return refuse(ctx, args.message);
    const checked = checkTargets(args.value.positionals.map((t, i) => ({ value: t.value, where: `${i + 1}. ${truncate(t.value, 40)}` })));
    if (!checked.ok) return refuse(ctx, checked.message);
    await submit(ctx, checked.value, args.value.flags);
  });

  composer.on('message:document', async (ctx, next) => {
    const doc = ctx.message.document;
    const command = readCommand(ctx);
    const isList = doc.mime_type === 'text/plain' || /\.txt$/i.test(doc.file_name ?? '');
    if (command && command.command !== 'bulk') return next();
    if (!isList) {
      if (!command && ctx.message.caption) return next();
      return refuse(ctx, `Send the list as a .txt file with one chat a line. ${USAGE}`);
    }
    const args = parseArgs(command?.args ?? '', FLAGS);
    if (!args.ok) return refuse(ctx, args.message);
    if (args.value.positionals.length > 0) return refuse(ctx, 'Put the chats in the file, not in the caption; the caption may hold only /bulk and options.');
    if (doc.file_size !== undefined && doc.file_size > MAX_LIST_BYTES) return refuse(ctx, `The list is too big (${Math.round(doc.file_size / 1024)} KB); send at most ${MAX_LIST_BYTES / 1024} KB.`);
    let text: string;
    try {
      const file = await ctx.getFile();
      if (!file.file_path) throw new Error('no file_path');
      const bytes = await services.downloadFile(file.file_path);
      if (bytes.length > MAX_LIST_BYTES) return refuse(ctx, `The list is too big; send at most ${MAX_LIST_BYTES / 1024} KB.`);
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch (error) {
      logger.warn({ err: error }, 'could not read a /bulk list');
      return refuse(ctx, 'I could not read that file. Send a plain UTF-8 .txt file with one chat a line.');
    }
    const entries = text
      .split(/\r?\n/)
      .map((line, i) => ({ value: line.replace(/#.*$/, '').trim(), where: `line ${i + 1}` }))
      .filter((e) => e.value !== '');
    const checked = checkTargets(entries);
    if (!checked.ok) return refuse(ctx, checked.message);
    await submit(ctx, checked.value, args.value.flags);
  });

  onAction(composer, 'bulk', async (ctx, action) => {
    const n = await services.bulk.cancel(action.id);
    if (n === undefined) {
      await ctx.answerCallbackQuery({ text: 'That bulk request has already finished.' });
      return;
    }
    ctx.setOutcome(`cancelled ${n} of group #${action.id}`);
    await ctx.answerCallbackQuery({ text: n === 0 ? 'Everything has already ended.' : `Stopping ${n} scrape${n === 1 ? '' : 's'}…` });
  });

  return composer;
}
