export { createBotApiServer, type BotApiServer, type BotApiServerOptions } from './bot-api-server.js';
export type { BotChatMessage, BotMessageEvent, ChatUser } from './chat-store.js';
export type { UserDocument, UserPressOptions } from './user-actions.js';
export type { BotMessagePredicate } from './wait-for.js';
export type { FileAccess, StoredFile } from './file-store.js';
export { BotApiError, UserActionError, WaitForTimeoutError, BotApiServerStoppedError } from './errors.js';
export { SUPPORTED_METHODS } from './methods/method-table.js';
export { NOT_MODIFIED } from './methods/message-methods.js';
export { TEXT_MAX_LENGTH, CAPTION_MAX_LENGTH } from './methods/common-params.js';
