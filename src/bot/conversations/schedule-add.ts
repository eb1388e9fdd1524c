import type { Context } from 'grammy';
import type { FeatureDeps } from '../deps.js';
import { addSchedule, resolveReportChat } from '../features/schedule.js';
import type { ArgResult } from '../ports.js';
import { Dialog, type DialogOptions, type PanelConversation } from './dialog.js';

const CRON_PROMPT = [
  'When should the report come? Send a cron expression (read in UTC): minute hour day-of-month month day-of-week.',
  'For example 0 9 * * * is every day at 09:00, 0 9 * * 1 every Monday at 09:00; @daily and @hourly work too.',
  '',
  '/cancel stops.',
].join('\n');
const CHAT_PROMPT = 'Which chat should get the reports? Send here for this chat, or a chat id like -1001234567890.';

/** A cron typed in quotes, as the one-line command wants it, is read all the same. */
const unquote = (text: string): string => text.trim().replace(/^["'“„«‘](.*)["'”“»’]$/s, '$1');

/** /schedule add without a cron expression: cron → chat, then added like `/schedule add "CRON" CHAT`. */
export function scheduleAddConversation(deps: FeatureDeps, dialog: Omit<DialogOptions, 'command'>) {
  const { scheduler } = deps.services;
  return async function scheduleAdd(conversation: PanelConversation, ctx: Context): Promise<void> {
    const talk = new Dialog(conversation, ctx, { ...dialog, command: '/schedule add' });
    // Whether a cron fires again depends on the time now: checked outside the replay.
    const cron = await talk.askFor(CRON_PROMPT, (text) => talk.run(() => scheduler.check(unquote(text))));
    const chatId = await talk.askFor(CHAT_PROMPT, (text): ArgResult<number> | Promise<ArgResult<number>> =>
      /^\s*(here|this( chat)?)\s*$/i.test(text) ? { ok: true, value: talk.chatId } : talk.run((outside) => resolveReportChat(outside, text, 'send here for this chat')),
    );
    await talk.run((outside) => addSchedule(outside, scheduler, cron, chatId));
  };
}
