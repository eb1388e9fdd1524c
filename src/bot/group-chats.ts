import { Composer } from 'grammy';
import type { Chat, ChatMember } from 'grammy/types';
import type { Logger } from 'pino';
import type { MonitorsRepository } from '../db/repositories/monitors.js';
import type { SchedulesRepository } from '../db/repositories/schedules.js';
import { readCommand } from './audit.js';
import type { BotContext } from './context.js';
import { truncate } from './format.js';

export interface GroupChatsOptions {
  readonly adminIds: readonly number[];
  readonly schedules: Pick<SchedulesRepository, 'list'>;
  /** Absent where monitors are not kept. */
  readonly monitors?: Pick<MonitorsRepository, 'listActive'>;
  readonly logger: Logger;
}

const PRESENT: ReadonlySet<ChatMember['status']> = new Set(['creator', 'administrator', 'member']);
const isGroup = (chat: Chat | undefined): boolean => chat?.type === 'group' || chat?.type === 'supergroup';

/** `/cmd@other_bot`: a bot that reads every group message (an administrator) sees those too. */
function meantForAnotherBot(ctx: BotContext): boolean {
  const message = ctx.message;
  if (message === undefined) return false;
  const text = message.text ?? message.caption ?? '';
  const entity = (message.entities ?? message.caption_entities ?? []).find((e) => e.type === 'bot_command' && e.offset === 0);
  const at = entity === undefined ? -1 : text.slice(0, entity.length).indexOf('@');
  return entity !== undefined && at >= 0 && text.slice(at + 1, entity.length).toLowerCase() !== ctx.me.username.toLowerCase();
}

function chatName(chat: Chat): string {
  const title = 'title' in chat && chat.title ? `“${truncate(chat.title, 60)}”` : 'a group';
  return `${title} (chat ${chat.id})`;
}

/**
 * The panel in groups, in front of the admin filter (README, "Groups"):
 * - added to a group by an admin (`my_chat_member`), the bot says hello there with the chat id that
 *   /schedule and REPORT_CHAT_ID take; added by anyone else, it leaves at once, so strangers cannot
 *   put it in their groups;
 * - removed from a group (or it left), it tells the admins privately when schedules or monitors
 *   still send there, since those will fail until it is back;
 * - in groups, only admins' messages and commands go on: service messages, strangers' chatter and
 *   commands for other bots (`/cmd@other_bot`) are dropped here, so the admin filter does not answer
 *   every passer-by (a stranger's command still gets its one refusal).
 */
export function groupChatsFeature(options: GroupChatsOptions): Composer<BotContext> {
  const { adminIds, schedules, monitors, logger } = options;
  const admins = new Set(adminIds);
  const composer = new Composer<BotContext>();

  composer.on('my_chat_member', async (ctx) => {
    const { chat, from, old_chat_member: before, new_chat_member: after } = ctx.myChatMember;
    // In private chats this is a user blocking or unblocking the bot: nothing to do.
    if (!isGroup(chat)) return;
    const wasIn = PRESENT.has(before.status);
    const isIn = PRESENT.has(after.status);
    if (!wasIn && isIn) {
      if (!admins.has(from.id)) {
        logger.warn({ chatId: chat.id, addedBy: from.id }, 'added to a group by someone who is not an admin; leaving it');
        ctx.setOutcome('left a group a stranger added it to');
        await ctx.api.leaveChat(chat.id).catch((error: unknown) => logger.warn({ err: error, chatId: chat.id }, 'could not leave a group'));
        return;
      }
      ctx.setOutcome(`added to group ${chat.id}`);
      await ctx.reply(
        [
          `👋 Switchboard is here. This chat's id is ${chat.id}.`,
          `/schedule add "0 9 * * *" sends a daily report here; REPORT_CHAT_ID=${chat.id} makes this chat the default for scheduled reports and account alerts.`,
          'Monitors added here (/monitor add) alert here. Only the panel’s admins can command me.',
        ].join('\n'),
      );
      return;
    }
    if (wasIn && !isIn) {
      const scheduled = (await schedules.list()).filter((s) => s.chatId === chat.id);
      const watching = ((await monitors?.listActive()) ?? []).filter((m) => m.reportChatId === chat.id);
      logger.info({ chatId: chat.id, by: from.id, schedules: scheduled.length, monitors: watching.length }, 'the bot is no longer in a group');
      if (from.id === ctx.me.id || (scheduled.length === 0 && watching.length === 0)) return;
      const what = [
        ...scheduled.map((s) => `schedule #${s.id} (/schedule remove ${s.id})`),
        ...watching.map((m) => `monitor #${m.id} (/monitor stop ${m.id})`),
      ];
      const text = `⚠️ I was removed from ${chatName(chat)}. ${what.join(', ')} ${what.length === 1 ? 'sends' : 'send'} there and will fail until an admin adds me back.`;
      for (const adminId of adminIds) {
        await ctx.api.sendMessage(adminId, text).catch((error: unknown) => logger.warn({ err: error, adminId }, 'could not tell an admin the bot was removed from a group'));
      }
    }
  });

  composer.on('message', async (ctx, next) => {
    if (!isGroup(ctx.chat)) return next();
    const fromAdmin = ctx.from !== undefined && admins.has(ctx.from.id);
    const speaks = ctx.message.text !== undefined || ctx.message.document !== undefined;
    if (meantForAnotherBot(ctx)) {
      ctx.setOutcome('ignored: meant for another bot');
      return;
    }
    if (speaks && (fromAdmin || readCommand(ctx) !== undefined)) return next();
    // Service messages (members joining…) and strangers' chatter are not for the panel.
  });

  return composer;
}
