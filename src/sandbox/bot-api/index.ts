export { createBotApiServer, type BotApiServer, type BotApiServerOptions } from './bot-api-server.js';
export type { BotChatMessage, BotMessageEvent, ChatInfo, ChatUser, GroupMember, ServiceEvent } from './chat-store.js';
export type { ChatKind, MemberStatus } from './chat-members.js';
export type { UserDocument, UserMessageOptions, UserPressOptions } from './user-actions.js';
export type { CreateGroupOptions } from './group-actions.js';
export type { BotMessagePredicate } from './wait-for.js';
export type { FileAccess, StoredFile } from './file-store.js';
export type { TooManyRequestsRule } from './flood-control.js';
export type { BotApiCall } from './http-handler.js';
export {
  createConformanceRecorder,
  formatViolation,
  type BotApiExchange,
  type ConformanceRecorder,
  type ConformanceRecorderOptions,
  type ConformanceViolation,
} from './conformance/recorder.js';
export { loadBotApiSpec, parseBotApiSpec, type BotApiSpec } from './conformance/bot-api-spec.js';
export { BotApiError, UserActionError, WaitForTimeoutError, BotApiServerStoppedError, ConformanceViolationError } from './errors.js';
export { SUPPORTED_METHODS } from './methods/method-table.js';
export { NOT_MODIFIED } from './methods/message-methods.js';
export { TEXT_MAX_LENGTH, CAPTION_MAX_LENGTH } from './methods/common-params.js';
