/**
 * Why a session could not be read, in plain words for the admin. The one error the readers in this folder
 * throw: whatever the bytes, a reader either returns sessions or throws this. The message never quotes the
 * input (it may hold an auth key).
 */
export class SessionReadError extends Error {
  override readonly name = 'SessionReadError';
  constructor(
    message: string,
    /** The format the input was taken for, when it got that far. */
    readonly format?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
