import { getMe, setMyCommands, getMyCommands, deleteMyCommands } from './bot-methods.js';
import { answerCallbackQuery } from './callback-methods.js';
import { getChat, getChatAdministrators, getChatMember, getChatMemberCount, leaveChat } from './chat-methods.js';
import { getFile, sendDocument, sendPhoto } from './file-methods.js';
import type { MethodHandler } from './method-context.js';
import { deleteMessage, editMessageReplyMarkup, editMessageText, sendChatAction, sendMessage } from './message-methods.js';
import { deleteWebhook, getUpdates, getWebhookInfo } from './update-methods.js';

const METHODS: Readonly<Record<string, MethodHandler>> = {
  getMe,
  getUpdates,
  deleteWebhook,
  getWebhookInfo,
  setMyCommands,
  getMyCommands,
  deleteMyCommands,
  getChat,
  getChatMember,
  getChatAdministrators,
  getChatMemberCount,
  leaveChat,
  sendMessage,
  editMessageText,
  editMessageReplyMarkup,
  deleteMessage,
  sendChatAction,
  answerCallbackQuery,
  sendDocument,
  sendPhoto,
  getFile,
};

/** Telegram matches method names without regard to case. */
const BY_LOWER_NAME = new Map(Object.entries(METHODS).map(([name, handler]) => [name.toLowerCase(), handler]));

/** The names of the Bot API methods the sandbox serves. */
export const SUPPORTED_METHODS: readonly string[] = Object.keys(METHODS);

export function findMethod(name: string): MethodHandler | undefined {
  return BY_LOWER_NAME.get(name.toLowerCase());
}
