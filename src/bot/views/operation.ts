import { InlineKeyboard } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import type { JoinResult } from '../../engine/operations/join.js';
import type { MonitorResult } from '../../engine/operations/monitor.js';
import type { ScrapeResult } from '../../engine/operations/scrape.js';
import type { SendResult } from '../../engine/operations/send.js';
import type { Operation } from '../../engine/types.js';
import { callbackData } from '../callback-data.js';
import { failureReason, formatDuration, formatNumber, operationTitle, progressBar } from '../format.js';
import type { MessageContent } from '../message-editor.js';
import { coverageSplit, foundOf } from './coverage.js';

/** A progress reading, to derive the rate from. */
export interface ProgressSample {
  readonly at: number;
  readonly done: number;
}

export interface RenderContext {
  readonly now: number;
  /** The first reading of the current run; the rate is measured from it. */
  readonly first?: ProgressSample;
  /** `#2 +15550000002`, when the operation is placed on an account. */
  readonly account?: string;
}

export const isFinished = (op: Pick<Operation, 'status'>): boolean => op.status === 'succeeded' || op.status === 'failed' || op.status === 'cancelled';

/** Items per second since `first`, or null until a second has passed. */
export function progressRate(op: Operation, ctx: RenderContext): number | null {
  if (!ctx.first) return null;
  const seconds = (ctx.now - ctx.first.at) / 1000;
  if (seconds < 1) return null;
  return Math.max(0, (op.progress.done - ctx.first.done) / seconds);
}

/** The progress message of an operation: live while it runs, a ✅/❌/⏹ summary when it has ended. */
export function renderOperation(op: Operation, ctx: RenderContext): MessageContent {
  if (isFinished(op)) return renderFinal(op);
  const title = operationTitle(op);
  const lines: string[] = [];
  if (op.status === 'queued') {
    lines.push(`🕒 ${title}`, op.attempts > 0 ? `Waiting to try again (attempt ${op.attempts + 1})…` : 'Waiting for a free account…');
    // Why it is waiting again: the last attempt's reason (a flood cooldown, a dead account…).
    if (op.error) lines.push(op.error.message);
  } else {
    lines.push(`⏳ ${title}`);
    const { done, total } = op.progress;
    const rate = progressRate(op, ctx);
    const rateText = rate === null ? null : `${formatNumber(rate)}/s`;
    if (total !== null && total > 0) {
      const fraction = Math.min(1, done / total);
      lines.push(`${progressBar(fraction)} ${Math.floor(fraction * 100)}%`);
      const eta = rate !== null && rate > 0 && done < total ? `about ${formatDuration(((total - done) / rate) * 1000)} left` : null;
      lines.push([`${formatNumber(done)} / ${formatNumber(total)}`, rateText, eta].filter(Boolean).join(' · '));
    } else if (done > 0) {
      lines.push([`${formatNumber(done)} so far`, rateText].filter(Boolean).join(' · '));
    } else {
      lines.push('Starting…');
    }
  }
  if (op.notice && op.status === 'running') lines.push(`⏸ ${op.notice}`);
  if (ctx.account) lines.push(`Account ${ctx.account}`);
  return { text: lines.join('\n'), keyboard: new InlineKeyboard().text('⏹ Cancel', callbackData.operation(op.id, 'cancel')) };
}

function renderFinal(op: Operation): MessageContent {
  const title = operationTitle(op);
  if (op.status === 'cancelled') {
    const done = op.progress.done > 0 ? `\nStopped after ${formatNumber(op.progress.done)}; what was found is kept.` : '';
    return { text: `⏹ ${title} cancelled.${done}` };
  }
  if (op.status === 'failed') return { text: `❌ ${title} failed: ${failureReason(op)}` };
  const summary = summarize(op);
  return { text: [`✅ ${title} done`, ...summary.lines].join('\n'), ...(summary.keyboard ? { keyboard: summary.keyboard } : {}) };
}

/** Where the members came from, for a result that does not tell its coverage (stored before it was counted). */
function sourceWords(r: ScrapeResult): string {
  if (r.source === 'messages') return 'authors of recent messages (the member list is hidden)';
  return r.mode === 'deep' ? "the member list, searched past Telegram's listing cap" : 'the member list';
}

function summarize(op: Operation): { lines: string[]; keyboard?: InlineKeyboardMarkup } {
  const took = op.startedAt !== null && op.finishedAt !== null ? op.finishedAt - op.startedAt : null;
  switch (op.kind) {
    case 'scrape': {
      const r = op.result as ScrapeResult | null;
      if (!r) break;
      const lines = [
        `${r.title}${r.username ? ` (@${r.username})` : ''}`,
        `Found ${foundOf(r)}.`,
        coverageSplit(r) ?? `Source: ${sourceWords(r)}`,
        `New: ${formatNumber(r.new)} · already known: ${formatNumber(r.known)}`,
        `Took ${formatDuration(r.durationMs)}.`,
      ];
      if (r.note) lines.push(`Note: ${r.note}`);
      const keyboard = new InlineKeyboard()
        .text('📄 Export CSV', callbackData.exportChat(r.chatId))
        .text('📗 Excel', callbackData.exportChat(r.chatId, 'xlsx'))
        .text('🧾 JSON', callbackData.exportChat(r.chatId, 'json'))
        .row()
        .text('📊 Stats', callbackData.chatStats(r.chatId));
      return { lines, keyboard };
    }
    case 'join': {
      const r = op.result as JoinResult | null;
      if (!r) break;
      return { lines: [r.alreadyMember ? `Already a member of ${r.title}.` : `Joined ${r.title}.`] };
    }
    case 'send': {
      const r = op.result as SendResult | null;
      if (!r) break;
      return { lines: [`Message delivered to ${r.to}.`] };
    }
    case 'monitor': {
      const r = op.result as MonitorResult | null;
      if (!r) break;
      const keywords = (op.params as { keywords?: string[] } | null)?.keywords ?? [];
      return { lines: [`Monitor #${r.monitorId} is watching ${r.title} for: ${keywords.join(', ')}.`, 'Stop it with /monitor stop ' + r.monitorId + '.'] };
    }
  }
  return { lines: took === null ? [] : [`Took ${formatDuration(took)}.`] };
}
