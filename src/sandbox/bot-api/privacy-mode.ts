import { isPresent } from './chat-members.js';
import type { BotChatMessage, ChatInfo } from './chat-store.js';

/**
 * Whether Telegram hands a message of a chat to the bot. Private chats: always. Groups: only while the
 * bot is in them, and in privacy mode (the default; getMe's can_read_all_group_messages is false)
 * only service messages, commands and replies to the bot, unless the bot is an administrator
 * (https://core.telegram.org/bots/features#privacy-mode). A command meant for another bot
 * (`/cmd@other_bot`) does not count. Telegram also passes a command without `@` only when the bot was
 * the last bot to write in the group; the sandbox has no other bots, so such commands always pass.
 */
export function reachesBot(chat: ChatInfo, message: BotChatMessage, botUsername: string, repliesToBot: boolean): boolean {
  if (chat.kind === 'private') return true;
  if (!isPresent(chat.botStatus)) return false;
  if (chat.botStatus === 'administrator' || message.service !== undefined || repliesToBot) return true;
  const text = message.text ?? message.caption ?? '';
  const entities = message.entities ?? message.captionEntities ?? [];
  return entities.some((entity) => {
    if (entity.type !== 'bot_command') return false;
    const command = text.slice(entity.offset, entity.offset + entity.length);
    const at = command.indexOf('@');
    return at < 0 || command.slice(at + 1).toLowerCase() === botUsername.toLowerCase();
  });
}
