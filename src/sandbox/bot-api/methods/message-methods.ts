import type { InlineKeyboardMarkup, Message } from '@grammyjs/types';
import { badRequest } from '../errors.js';
import { readReplyMarkup, sameMarkup } from '../inline-keyboard.js';
import { readChatId, readMessageId, readParseMode, readReplyTo, readText } from './common-params.js';
import type { MethodContext, MethodHandler } from './method-context.js';

export const NOT_MODIFIED =
  'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message';

const CHAT_ACTIONS = new Set([
  'typing',
  'upload_photo',
  'record_video',
  'upload_video',
  'record_voice',
  'upload_voice',
  'upload_document',
  'choose_sticker',
  'find_location',
  'record_video_note',
  'upload_video_note',
]);

function replyMarkup({ params }: MethodContext): ReturnType<typeof readReplyMarkup> {
  return readReplyMarkup(params.json('reply_markup', "can't parse reply keyboard markup JSON object"));
}

/** Edits take inline keyboards only; no `reply_markup` removes the keyboard, as in Telegram. */
function editMarkup(context: MethodContext): InlineKeyboardMarkup | undefined {
  const markup = replyMarkup(context);
  if (markup.kind === 'other') throw badRequest('inline keyboard expected');
  return markup.kind === 'inline' ? markup.markup : undefined;
}

/** A message of the bot that may be edited. */
function editableMessage(context: MethodContext, chatId: number, messageId: number) {
  const message = context.chats.get(chatId, messageId);
  if (message === undefined) throw badRequest('message to edit not found');
  if (message.sender !== 'bot') throw badRequest("message can't be edited");
  return message;
}

export const sendMessage: MethodHandler = (context): Message => {
  const chatId = readChatId(context);
  const text = readText(context);
  const parseMode = readParseMode(context);
  const markup = replyMarkup(context);
  const replyToMessageId = readReplyTo(context, chatId);
  const message = context.chats.add(chatId, 'bot', {
    text,
    parseMode,
    replyMarkup: markup.kind === 'inline' ? markup.markup : undefined,
    replyToMessageId,
  });
  return context.chats.toMessage(message);
};

export const editMessageText: MethodHandler = (context): Message => {
  const chatId = readChatId(context);
  const messageId = readMessageId(context, 'message to edit not found');
  const text = readText(context);
  const parseMode = readParseMode(context);
  const replyMarkup = editMarkup(context);
  const current = editableMessage(context, chatId, messageId);
  if (current.text === undefined) throw badRequest('there is no text in the message to edit');
  if (current.text === text && current.parseMode === parseMode && sameMarkup(current.replyMarkup, replyMarkup)) {
    throw badRequest(NOT_MODIFIED);
  }
  return context.chats.toMessage(context.chats.edit(chatId, messageId, { text, parseMode, replyMarkup, entities: undefined }));
};

export const editMessageReplyMarkup: MethodHandler = (context): Message => {
  const chatId = readChatId(context);
  const messageId = readMessageId(context, 'message to edit not found');
  const replyMarkup = editMarkup(context);
  const current = editableMessage(context, chatId, messageId);
  if (sameMarkup(current.replyMarkup, replyMarkup)) throw badRequest(NOT_MODIFIED);
  return context.chats.toMessage(context.chats.edit(chatId, messageId, { replyMarkup }));
};

export const deleteMessage: MethodHandler = (context): true => {
  const chatId = readChatId(context);
  const messageId = readMessageId(context, 'message to delete not found');
  if (context.chats.remove(chatId, messageId) === undefined) throw badRequest('message to delete not found');
  return true;
};

export const sendChatAction: MethodHandler = (context): true => {
  readChatId(context);
  const action = context.params.string('action');
  if (action === undefined || action === '') throw badRequest('action is empty');
  if (!CHAT_ACTIONS.has(action)) throw badRequest('wrong parameter action in request');
  return true;
};
