import type { MessageEntity } from '@grammyjs/types';
import { botCommandEntities } from '../bot-api/entities.js';

/**
 * The entities Telegram finds in any text by itself, as its apps show them: links (`https://…`,
 * `t.me/…`), `@username` mentions and `/commands` (https://core.telegram.org/api/entities: url, mention and
 * bot_command are detected by the server). Offsets are UTF-16 code units.
 */
export function autoEntities(text: string): MessageEntity[] {
  const found: MessageEntity[] = [...botCommandEntities(text)];
  // A link ends before trailing punctuation, as Telegram's detector leaves "see https://x.org." without the dot.
  for (const match of text.matchAll(/(?<![\w@/])(?:https?:\/\/|t\.me\/)[^\s<>"]+/gi)) {
    const url = match[0].replace(/[.,;:!?)\]}'"]+$/, '');
    found.push({ type: 'url', offset: match.index, length: url.length });
  }
  for (const match of text.matchAll(/(?<![\w@./])@[A-Za-z][A-Za-z0-9_]{2,31}(?![\w@])/g)) {
    found.push({ type: 'mention', offset: match.index, length: match[0].length });
  }
  return found;
}

/** `extra` entities that overlap none of `entities` are added to them, in offset order. */
export function withEntities(entities: readonly MessageEntity[], extra: readonly MessageEntity[]): MessageEntity[] {
  const overlaps = (a: MessageEntity, b: MessageEntity) => a.offset < b.offset + b.length && b.offset < a.offset + a.length;
  const kept: MessageEntity[] = [...entities];
  for (const entity of extra) if (!kept.some((other) => overlaps(entity, other))) kept.push(entity);
  return kept.sort((a, b) => a.offset - b.offset || b.length - a.length);
}
