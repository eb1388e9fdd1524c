import type { MessageEntity } from '@grammyjs/types';

/**
 * The `bot_command` entities Telegram attaches to a user's text: `/word` or `/word@botname`
 * at the start or after whitespace. grammY's `bot.command()` matches on these, not on the text.
 * Offsets are UTF-16 code units, as JavaScript indexes strings, which is what the Bot API counts.
 */
export function botCommandEntities(text: string): MessageEntity[] {
  const entities: MessageEntity[] = [];
  const pattern = /(^|\s)(\/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?)(?![A-Za-z0-9_@])/g;
  for (const match of text.matchAll(pattern)) {
    const command = match[2] ?? '';
    const offset = (match.index ?? 0) + (match[1] ?? '').length;
    entities.push({ type: 'bot_command', offset, length: command.length });
  }
  return entities;
}
