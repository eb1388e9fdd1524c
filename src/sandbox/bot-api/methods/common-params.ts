import { badRequest } from '../errors.js';
import type { MethodContext } from './method-context.js';

/** Telegram's limit on a message text, in UTF-16 code units after trimming. */
export const TEXT_MAX_LENGTH = 4096;
export const CAPTION_MAX_LENGTH = 1024;
const PARSE_MODES = new Set(['html', 'markdown', 'markdownv2']);

/** `chat_id` of an open private chat. */
export function readChatId({ params, chats }: MethodContext): number {
  const raw = params.string('chat_id');
  if (raw === undefined || raw === '') throw badRequest('chat_id is empty');
  const chatId = /^-?\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(chatId) || chats.user(chatId) === undefined) throw badRequest('chat not found');
  return chatId;
}

/** `message_id`; inline messages (`inline_message_id`) do not exist in the sandbox. */
export function readMessageId({ params }: MethodContext, notFound: string): number {
  const messageId = params.integer('message_id');
  if (messageId === undefined) {
    if (params.has('inline_message_id')) throw badRequest(notFound);
    throw badRequest('message identifier is not specified');
  }
  return messageId;
}

/** A message text, trimmed as Telegram trims it. */
export function readText({ params }: MethodContext): string {
  const text = (params.string('text') ?? '').trim();
  if (text.length === 0) throw badRequest('message text is empty');
  if (text.length > TEXT_MAX_LENGTH) throw badRequest('message is too long');
  return text;
}

export function readCaption({ params }: MethodContext): string | undefined {
  const caption = params.string('caption')?.trim();
  if (caption === undefined || caption.length === 0) return undefined;
  if (caption.length > CAPTION_MAX_LENGTH) throw badRequest('message caption is too long');
  return caption;
}

export function readParseMode({ params }: MethodContext): string | undefined {
  const parseMode = params.string('parse_mode');
  if (parseMode === undefined || parseMode === '') return undefined;
  if (!PARSE_MODES.has(parseMode.toLowerCase())) throw badRequest(`unsupported parse_mode "${parseMode}"`);
  return parseMode;
}

/** The message a send replies to, from `reply_parameters` or the older `reply_to_message_id`. */
export function readReplyTo(context: MethodContext, chatId: number): number | undefined {
  const { params, chats } = context;
  const parameters = params.json('reply_parameters', "can't parse reply parameters JSON object");
  let messageId = params.integer('reply_to_message_id');
  let allowWithoutReply = params.boolean('allow_sending_without_reply') ?? false;
  if (typeof parameters === 'object' && parameters !== null) {
    const { message_id: id, allow_sending_without_reply: allow } = parameters as Record<string, unknown>;
    if (typeof id !== 'number') throw badRequest("can't parse reply parameters JSON object");
    messageId = id;
    allowWithoutReply = allow === true;
  }
  if (messageId === undefined) return undefined;
  if (chats.get(chatId, messageId) !== undefined) return messageId;
  if (allowWithoutReply) return undefined;
  throw badRequest('message to be replied not found');
}
