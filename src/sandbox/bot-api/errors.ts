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

  constructor(errorCode: number, description: string) {
    super(`${errorCode}: ${description}`);
    this.errorCode = errorCode;
    this.description = description;
  }
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
