/** A database could not be opened, reached or migrated. Its message names the file or the URL without a password. */
export class DatabaseError extends Error {
  override readonly name = 'DatabaseError';
  constructor(
    message: string,
    /** The SQLite file path, `:memory:`, or the PostgreSQL URL with its password left out. */
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
