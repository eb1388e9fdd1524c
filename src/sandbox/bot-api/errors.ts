import type { ResponseParameters } from '@grammyjs/types';

/**
 * An error answer of the Bot API. Method handlers throw it from wherever a parameter turns out wrong;
 * the HTTP layer turns it into `{ ok: false, error_code, description }` with the same HTTP status,
 * exactly as Telegram answers.
 */
export class BotApiError extends Error {
  override readonly name = 'BotApiError';
  /** Telegram's `error_code`, also the HTTP status: 400, 401, 404, 409, 413 … */
  readonly errorCode: number;
  /** Telegram's `description`, e.g. `Bad Request: chat not found`. */
  readonly description: string;
  /** Telegram's `parameters`: `retry_after` of a 429, `migrate_to_chat_id` of an upgraded group. */
  readonly parameters: ResponseParameters | undefined;

  constructor(errorCode: number, description: string, parameters?: ResponseParameters) {
    super(`${errorCode}: ${description}`);
    this.errorCode = errorCode;
    this.description = description;
    this.parameters = parameters;
  }
}

/** Telegram's flood answer: `Too Many Requests: retry after N` with `parameters.retry_after` N. */
export function tooManyRequests(retryAfter: number): BotApiError {
  return new BotApiError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });
}

/** A 403 answer; `what` is the text after Telegram's `Forbidden: ` prefix. */
export function forbidden(what: string): BotApiError {
  return new BotApiError(403, `Forbidden: ${what}`);
}

/** A 400 answer; `what` is the text after Telegram's `Bad Request: ` prefix. */
export function badRequest(what: string): BotApiError {
  return new BotApiError(400, `Bad Request: ${what}`);
}

/** Something a simulated user tried that the Telegram app would not let them do (press a missing button…). */
export class UserActionError extends Error {
  override readonly name = 'UserActionError';
  readonly chatId: number;
  readonly messageId: number | undefined;

  constructor(message: string, context: { chatId: number; messageId?: number }) {
    super(message);
    this.chatId = context.chatId;
    this.messageId = context.messageId;
  }
}

/** `waitFor` saw no matching bot message in time. The message lists what the bot did send, for diagnosis. */
export class WaitForTimeoutError extends Error {
  override readonly name = 'WaitForTimeoutError';
  readonly timeoutMs: number;
  /** One line per recent bot message or edit, oldest first. */
  readonly recent: readonly string[];

  constructor(timeoutMs: number, recent: readonly string[]) {
    const seen = recent.length === 0 ? 'the bot sent nothing' : `recent bot messages:\n  ${recent.join('\n  ')}`;
    super(`waitFor: no bot message matched within ${timeoutMs} ms; ${seen}`);
    this.timeoutMs = timeoutMs;
    this.recent = recent;
  }
}

/** A wait was still open when the server stopped. */
export class BotApiServerStoppedError extends Error {
  override readonly name = 'BotApiServerStoppedError';

  constructor() {
    super('the local Bot API server stopped');
  }
}

/** Exchanges of the local Bot API server broke the Bot API specification; the message lists them. */
export class ConformanceViolationError extends Error {
  override readonly name = 'ConformanceViolationError';
  /** One line per violation: `getChat result.accepted_gift_types: missing required field gifts_from_channels`. */
  readonly violations: readonly string[];

  constructor(violations: readonly string[]) {
    super(`${violations.length} Bot API conformance violation${violations.length === 1 ? '' : 's'}:\n  ${violations.join('\n  ')}`);
    this.violations = violations;
  }
}
