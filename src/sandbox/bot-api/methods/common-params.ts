import { isPresent } from '../chat-members.js';
import type { ChatInfo } from '../chat-store.js';
import { badRequest, forbidden } from '../errors.js';
import type { MethodContext } from './method-context.js';

/** Telegram's limit on a message text, in UTF-16 code units after trimming. */
export const TEXT_MAX_LENGTH = 4096;
export const CAPTION_MAX_LENGTH = 1024;
const PARSE_MODES = new Set(['html', 'markdown', 'markdownv2']);

/**
 * What a call does with a chat, which decides whether a chat the bot left still answers: `read`
 * (getChat, getChatMember of the bot, leaveChat), `members` (the member list) or `write` (send, edit,
 * delete). The names follow telegram-bot-api's AccessRights.
 */
export type ChatAccess = 'read' | 'members' | 'write';

/**
 * `chat_id`: a known chat's id, or `@username` of a public supergroup. A group the bot is not part of
 * is refused as in telegram-bot-api (Client::check_chat_access in
 * https://github.com/tdlib/telegram-bot-api/blob/master/telegram-bot-api/Client.cpp): a basic group
 * still answers reads, a private supergroup nothing; writes need the bot to be a member.
 */
export function readChatId(context: MethodContext, access: ChatAccess = 'write'): number {
  const chat = readChat(context, access);
  return chat.id;
}

export function readChat({ params, chats }: MethodContext, access: ChatAccess = 'write'): ChatInfo {
  const raw = params.string('chat_id')?.trim();
  if (raw === undefined || raw === '') throw badRequest('chat_id is empty');
  const chat = raw.startsWith('@') ? chats.chatByUsername(raw.slice(1)) : /^-?\d+$/.test(raw) ? chats.chat(Number(raw)) : undefined;
  if (chat === undefined) throw badRequest('chat not found');
  checkAccess(chat, access);
  return chat;
}

function checkAccess(chat: ChatInfo, access: ChatAccess): void {
  if (chat.kind === 'private' || isPresent(chat.botStatus)) return;
  const where = chat.kind === 'group' ? 'group chat' : 'supergroup chat';
  if (chat.kind === 'group') {
    if (access === 'read') return;
    throw forbidden(chat.botStatus === 'kicked' ? `bot was kicked from the ${where}` : `bot is not a member of the ${where}`);
  }
  if (chat.botStatus === 'kicked') throw forbidden(`bot was kicked from the ${where}`);
  // A public supergroup stays readable to anyone; a private one only to its members.
  if (chat.username !== undefined && access !== 'write') return;
  throw forbidden(`bot is not a member of the ${where}`);
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
