import type { MessageEntity } from '@grammyjs/types';

/** A text with its entities: what Telegram makes of a message sent with a parse mode. */
export interface FormattedText {
  readonly text: string;
  readonly entities: readonly MessageEntity[];
}

/** Tags of Telegram's HTML style and the entity each makes (https://core.telegram.org/bots/api#html-style). */
const SIMPLE_TAGS: Readonly<Record<string, MessageEntity['type']>> = {
  b: 'bold',
  strong: 'bold',
  i: 'italic',
  em: 'italic',
  u: 'underline',
  ins: 'underline',
  s: 'strikethrough',
  strike: 'strikethrough',
  del: 'strikethrough',
  'tg-spoiler': 'spoiler',
  code: 'code',
  pre: 'pre',
  blockquote: 'blockquote',
};

/** The only named character references the Bot API knows; numeric ones all work. */
const NAMED_REFERENCES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"' };

interface OpenTag {
  readonly name: string;
  readonly offset: number;
  readonly attributes: ReadonlyMap<string, string>;
}

/**
 * Applies `parse_mode: HTML` as Telegram does: the tags become entities, the character references text.
 * Undefined when Telegram would refuse it (`can't parse entities`): an unknown or unclosed tag, or a stray
 * `<` or `&`. The sandbox stores texts as the bot sent them, so the playground renders them through this.
 */
export function parseHtml(html: string): FormattedText | undefined {
  let text = '';
  const entities: MessageEntity[] = [];
  const open: OpenTag[] = [];
  let i = 0;
  while (i < html.length) {
    const char = html[i];
    if (char === '&') {
      const match = /^&(?:#(\d{1,7})|#x([0-9a-fA-F]{1,6})|([a-zA-Z]+));/.exec(html.slice(i, i + 12));
      if (match === null) return undefined;
      const code = match[1] !== undefined ? Number(match[1]) : match[2] !== undefined ? Number.parseInt(match[2], 16) : undefined;
      const decoded = code !== undefined ? (code <= 0x10ffff ? String.fromCodePoint(code) : undefined) : NAMED_REFERENCES[(match[3] ?? '').toLowerCase()];
      if (decoded === undefined) return undefined;
      text += decoded;
      i += match[0].length;
      continue;
    }
    if (char !== '<') {
      text += char;
      i += 1;
      continue;
    }
    const end = html.indexOf('>', i);
    if (end < 0) return undefined;
    const tag = html.slice(i + 1, end).trim();
    i = end + 1;
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim().toLowerCase();
      const opened = open.pop();
      if (opened === undefined || opened.name !== name) return undefined;
      const entity = entityOf(opened, text.length - opened.offset, text.slice(opened.offset));
      if (entity === undefined) return undefined;
      if (entity.length > 0) entities.push(entity);
      continue;
    }
    const parsed = /^([a-zA-Z-]+)(\s[\s\S]*)?$/.exec(tag);
    if (parsed === null) return undefined;
    const name = (parsed[1] ?? '').toLowerCase();
    if (!(name in SIMPLE_TAGS) && name !== 'a' && name !== 'span' && name !== 'tg-emoji') return undefined;
    const attributes = attributesOf(parsed[2] ?? '');
    if (attributes === undefined) return undefined;
    open.push({ name, offset: text.length, attributes });
  }
  if (open.length > 0) return undefined;
  // Telegram lists entities by offset, an outer entity before the ones inside it. Of two over the same
  // text the outer one closed last, so it was pushed last.
  const order = new Map(entities.map((entity, index) => [entity, index]));
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length || (order.get(b) ?? 0) - (order.get(a) ?? 0));
  return { text, entities: mergeCodeIntoPre(entities) };
}

function entityOf(tag: OpenTag, length: number, inner: string): MessageEntity | undefined {
  const offset = tag.offset;
  if (tag.name === 'a') {
    const href = tag.attributes.get('href') ?? '';
    const userId = /^tg:\/\/user\?id=(\d+)$/.exec(href)?.[1];
    if (userId !== undefined) return { type: 'text_mention', offset, length, user: { id: Number(userId), is_bot: false, first_name: inner } };
    return { type: 'text_link', offset, length, url: href };
  }
  if (tag.name === 'span') return tag.attributes.get('class') === 'tg-spoiler' ? { type: 'spoiler', offset, length } : undefined;
  if (tag.name === 'tg-emoji') return { type: 'custom_emoji', offset, length, custom_emoji_id: tag.attributes.get('emoji-id') ?? '' };
  if (tag.name === 'code') {
    const language = /^language-(.+)$/.exec(tag.attributes.get('class') ?? '')?.[1];
    // A language is remembered on the code entity for now; mergeCodeIntoPre moves it onto its pre.
    return language === undefined ? { type: 'code', offset, length } : ({ type: 'code', offset, length, language } as MessageEntity);
  }
  if (tag.name === 'blockquote' && tag.attributes.has('expandable')) return { type: 'expandable_blockquote', offset, length };
  const type = SIMPLE_TAGS[tag.name];
  return type === undefined ? undefined : ({ type, offset, length } as MessageEntity);
}

/** `<pre><code class="language-x">` is one pre entity with a language in Telegram, not two entities. */
function mergeCodeIntoPre(entities: MessageEntity[]): MessageEntity[] {
  const result: MessageEntity[] = [];
  for (const entity of entities) {
    const outer = result.at(-1);
    if (entity.type === 'code' && outer?.type === 'pre' && outer.offset === entity.offset && outer.length === entity.length) {
      const language = (entity as { language?: string }).language;
      if (language !== undefined) result[result.length - 1] = { ...outer, language };
      continue;
    }
    result.push(entity.type === 'code' ? { type: 'code', offset: entity.offset, length: entity.length } : entity);
  }
  return result;
}

/** `name="value"`, `name='value'`, `name=value` or a bare `name`; undefined when malformed. */
function attributesOf(source: string): Map<string, string> | undefined {
  const attributes = new Map<string, string>();
  const pattern = /\s*([a-zA-Z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/y;
  let at = 0;
  while (at < source.length) {
    if (source.slice(at).trim() === '') break;
    pattern.lastIndex = at;
    const match = pattern.exec(source);
    if (match === null) return undefined;
    const value = match[2] ?? match[3] ?? match[4] ?? '';
    attributes.set((match[1] ?? '').toLowerCase(), decodeReferences(value));
    at = pattern.lastIndex;
  }
  return attributes;
}

function decodeReferences(value: string): string {
  return value.replace(/&(?:#(\d{1,7})|#x([0-9a-fA-F]{1,6})|([a-zA-Z]+));/g, (whole, dec?: string, hex?: string, named?: string) => {
    const code = dec !== undefined ? Number(dec) : hex !== undefined ? Number.parseInt(hex, 16) : undefined;
    if (code !== undefined) return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    return NAMED_REFERENCES[(named ?? '').toLowerCase()] ?? whole;
  });
}
