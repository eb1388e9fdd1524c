import type { InlineKeyboardButton, InlineKeyboardMarkup } from '@grammyjs/types';
import { badRequest } from './errors.js';

/** What a `reply_markup` parameter asked for. */
export type ReplyMarkupParam =
  | { readonly kind: 'none' }
  | { readonly kind: 'inline'; readonly markup: InlineKeyboardMarkup | undefined }
  /** A reply keyboard, its removal or force_reply: accepted, but not part of the message. */
  | { readonly kind: 'other' };

const CALLBACK_DATA_MAX_BYTES = 64;
const BUTTON_KINDS = [
  'url',
  'callback_data',
  'web_app',
  'login_url',
  'switch_inline_query',
  'switch_inline_query_current_chat',
  'switch_inline_query_chosen_chat',
  'copy_text',
  'callback_game',
  'pay',
] as const;

/**
 * Checks a parsed `reply_markup` the way Telegram does. An inline keyboard comes back normalized:
 * empty rows dropped, `undefined` when no button is left (Telegram shows no keyboard then).
 */
export function readReplyMarkup(value: unknown): ReplyMarkupParam {
  if (value === undefined || value === null) return { kind: 'none' };
  if (typeof value !== 'object' || Array.isArray(value)) throw badRequest("can't parse reply keyboard markup JSON object");
  if (!('inline_keyboard' in value)) return { kind: 'other' };
  const rows = value.inline_keyboard;
  if (!Array.isArray(rows) || !rows.every((row) => Array.isArray(row))) {
    throw badRequest('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays');
  }
  const keyboard = (rows as unknown[][]).map((row) => row.map(readButton)).filter((row) => row.length > 0);
  return { kind: 'inline', markup: keyboard.length === 0 ? undefined : { inline_keyboard: keyboard } };
}

function readButton(value: unknown): InlineKeyboardButton {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest("can't parse inline keyboard button: InlineKeyboardButton must be an Object");
  }
  const button = withoutNulls(value as Record<string, unknown>);
  if (typeof button.text !== 'string') throw badRequest(`can't parse inline keyboard button: Field "text" must be of type String`);
  if (!BUTTON_KINDS.some((kind) => kind in button)) {
    throw badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
  }
  if ('callback_data' in button) {
    const data = button.callback_data;
    if (typeof data !== 'string' || Buffer.byteLength(data) === 0 || Buffer.byteLength(data) > CALLBACK_DATA_MAX_BYTES) {
      throw badRequest('BUTTON_DATA_INVALID');
    }
  }
  if ('url' in button && !isButtonUrl(button.url)) throw badRequest('BUTTON_URL_INVALID');
  return button as unknown as InlineKeyboardButton;
}

function isButtonUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    return ['http:', 'https:', 'tg:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

function withoutNulls(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== null && v !== undefined));
}

/** Whether two keyboards look the same to a user (key order does not matter). */
export function sameMarkup(a: InlineKeyboardMarkup | undefined, b: InlineKeyboardMarkup | undefined): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : v,
  ) ?? 'none';
}

/** Every callback_data of a keyboard. */
export function callbackDataOf(markup: InlineKeyboardMarkup | undefined): string[] {
  return (markup?.inline_keyboard ?? []).flat().flatMap((button) => ('callback_data' in button ? [button.callback_data] : []));
}
