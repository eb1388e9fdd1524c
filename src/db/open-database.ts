import type { Logger } from 'pino';
import { createDatabase, type DatabaseHandle, type DatabaseOptions } from './client.js';
import { DatabaseError } from './database-error.js';
import { redactDatabaseUrl } from './database-url.js';
import { openPostgresDatabase, type PostgresDatabaseHandle, type PostgresDatabaseOptions } from './postgres-client.js';

/**
 * Either database. Both carry the SQL port as `sql`, which is all the repositories use; `dialect` tells them apart
 * for what only one has (the SQLite connection, the PostgreSQL pool).
 */
export type AnyDatabaseHandle = DatabaseHandle | PostgresDatabaseHandle;

export interface OpenDatabaseOptions {
  /**
   * DATABASE_URL (`postgres://` or `postgresql://`): when set, PostgreSQL, which several processes may share;
   * when undefined, the SQLite file at `path`.
   * @default undefined
   */
  url?: string;
  /** The SQLite file (DATABASE_PATH), or `:memory:`; unused with `url`. */
  path: string;
  /** Told of failures of idle PostgreSQL connections. */
  logger: Pick<Logger, 'warn'>;
  /**
   * Options of the SQLite database.
   * @default {}
   */
  sqlite?: DatabaseOptions;
  /**
   * Options of the PostgreSQL database.
   * @default {}
   */
  postgres?: Omit<PostgresDatabaseOptions, 'logger'>;
}

/** Opens and migrates the database the configuration names: PostgreSQL when there is a URL, SQLite otherwise. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<AnyDatabaseHandle> {
  const { url, path, logger, sqlite = {}, postgres = {} } = options;
  if (url !== undefined) {
    if (!/^postgres(ql)?:\/\//i.test(url)) {
      throw new DatabaseError('DATABASE_URL must start with postgres:// or postgresql://', redactDatabaseUrl(url) ?? '(an unreadable database URL)');
    }
    return openPostgresDatabase(url, { ...postgres, logger });
  }
  return createDatabase(path, sqlite);
}
