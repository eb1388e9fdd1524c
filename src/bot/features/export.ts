import { Composer, type Api } from 'grammy';
import type { MemberReader } from '../../db/repositories/member-reader.js';
import type { ChatRow } from '../../db/schema.js';
import type { Target } from '../../engine/operations/targets.js';
import type { BotContext } from '../context.js';
import type { FeatureDeps } from '../deps.js';
import { describeFilter, parseExportRequest, type ExportRequest } from '../export/export-request.js';
import { chatName, FORMAT_NAME, sendExport, type ExportJob, type SendExportOptions } from '../export/send-export.js';
import { formatNumber } from '../format.js';
import { refuse } from '../reply.js';
import { onAction } from '../screen.js';

/** The stored chat a checked target names. */
export function findStoredChat(members: Pick<MemberReader, 'findChat'>, target: Target): Promise<ChatRow | undefined> {
  switch (target.kind) {
    case 'username':
      return members.findChat({ username: target.username });
    case 'invite':
      return members.findChat({ inviteHash: target.hash });
    case 'id':
      return members.findChat(target.id);
  }
}

type Members = Pick<MemberReader, 'findChat' | 'countMembers'>;

/** What an /export comes to before anything is sent: the jobs, or the answer when there is nothing to send. */
export type ExportPlan =
  | { readonly kind: 'send'; readonly jobs: readonly ExportJob[]; readonly empty: readonly ChatRow[] }
  | { readonly kind: 'refuse'; readonly message: string };

const listNames = (names: readonly string[]) => (names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`);

/**
 * Resolves the chats and counts what each file would hold. Any chat not stored (or with no stored
 * members) refuses the whole command, naming it, so an export never comes back short of a chat
 * silently; a filter that leaves a chat with nobody sends no empty file.
 */
export async function planExport(members: Members, request: ExportRequest, now: number): Promise<ExportPlan> {
  const chats: ChatRow[] = [];
  const unknown: string[] = [];
  const seen = new Map<number, string>();
  for (const { raw, target } of request.targets) {
    const chat = await findStoredChat(members, target);
    if (!chat || (await members.countMembers(chat.id)) === 0) {
      unknown.push(raw);
      continue;
    }
    const before = seen.get(chat.id);
    if (before !== undefined) return { kind: 'refuse', message: `${raw} is the same chat as ${before}: name each chat once.` };
    seen.set(chat.id, raw);
    chats.push(chat);
  }
  if (unknown.length > 0) {
    const them = unknown.length === 1 ? 'it' : 'them';
    return {
      kind: 'refuse',
      message: `Nothing is stored for ${listNames(unknown)} yet: scrape ${them} first with /scrape ${unknown[0]}.`,
    };
  }
  const filters = describeFilter(request.filter);
  const base = { format: request.format, filter: request.filter, extra: request.extra, now };
  if (request.common) {
    const [first, ...others] = chats as [ChatRow, ...ChatRow[]];
    const count = await members.countMembers(first.id, { filter: request.filter, alsoIn: others.map((c) => c.id), now });
    if (count === 0) {
      return {
        kind: 'refuse',
        message: `No stored member is in all of ${listNames(chats.map(chatName))}${filters ? ` (${filters})` : ''}. Nothing was sent.`,
      };
    }
    return { kind: 'send', jobs: [{ ...base, chats, count }], empty: [] };
  }
  const jobs: ExportJob[] = [];
  const empty: ChatRow[] = [];
  for (const chat of chats) {
    const count = await members.countMembers(chat.id, { filter: request.filter, now });
    if (count === 0) empty.push(chat);
    else jobs.push({ ...base, chats: [chat], count });
  }
  if (jobs.length === 0) {
    return { kind: 'refuse', message: `No stored member of ${listNames(chats.map(chatName))} passes the filters (${filters}). Nothing was sent.` };
  }
  return { kind: 'send', jobs, empty };
}

/**
 * Sends every job of a plan, then says which chats the filters left empty; an export that came in parts
 * is followed by a line listing them. Resolves to how many files were sent.
 */
export async function sendPlan(
  api: Pick<Api, 'sendDocument' | 'sendMessage'>,
  members: Pick<MemberReader, 'iterateMembers'>,
  chatId: number,
  plan: Extract<ExportPlan, { kind: 'send' }>,
  options: SendExportOptions = {},
): Promise<number> {
  let files = 0;
  for (const job of plan.jobs) {
    const sent = await sendExport(api, members, chatId, job, options);
    files += sent.files.length;
    if (sent.files.length > 1) {
      const names = job.chats.map(chatName).join(', ');
      await api.sendMessage(chatId, `${names}: ${formatNumber(sent.rows)} members in ${sent.files.length} files (${sent.files.join(', ')}), each under Telegram's 50 MB limit.`);
    }
  }
  const filter = plan.jobs[0]?.filter ?? {};
  if (plan.empty.length > 0) {
    const none = plan.empty.length === 1 ? 'it' : 'them';
    await api.sendMessage(chatId, `No stored member of ${listNames(plan.empty.map(chatName))} passes the filters (${describeFilter(filter)}): no file for ${none}.`);
  }
  return files;
}

/** /export TARGET... [options] and the Export buttons of a finished scrape. */
export function exportFeature(deps: FeatureDeps): Composer<BotContext> {
  const { repos, clock } = deps;
  const composer = new Composer<BotContext>();

  composer.command('export', async (ctx) => {
    const request = parseExportRequest(ctx.match);
    if (!request.ok) return refuse(ctx, request.message);
    const plan = await planExport(repos.members, request.value, clock.now());
    if (plan.kind === 'refuse') return refuse(ctx, plan.message);
    await ctx.replyWithChatAction('upload_document').catch(() => undefined);
    const files = await sendPlan(ctx.api, repos.members, ctx.chat.id, plan);
    ctx.setOutcome(`exported ${files} file${files === 1 ? '' : 's'}`);
  });

  onAction(composer, 'export', async (ctx, action) => {
    const chat = await repos.members.findChat(action.chatId);
    const count = chat ? await repos.members.countMembers(chat.id) : 0;
    if (!chat || count === 0 || !ctx.chat) {
      await ctx.answerCallbackQuery({ text: 'No members of that chat are stored any more.' });
      return;
    }
    await ctx.answerCallbackQuery({ text: `Preparing the ${FORMAT_NAME[action.format]}…` });
    const job: ExportJob = { chats: [chat], format: action.format, filter: {}, extra: false, count, now: clock.now() };
    const sent = await sendExport(ctx.api, repos.members, ctx.chat.id, job);
    ctx.setOutcome(`exported ${sent.files.length} file${sent.files.length === 1 ? '' : 's'}`);
  });

  return composer;
}
