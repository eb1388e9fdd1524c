import type { ProcessRole } from '../config.js';
import { redactText } from '../logger.js';

/** Where the engine of this process stands: only `running` is healthy. */
export type EnginePhase = 'starting' | 'running' | 'stopping';

interface HealthFacts {
  readonly role: ProcessRole;
  readonly worker: string;
  /** Whole seconds since the process's app was built. */
  readonly uptimeSeconds: number;
  readonly database: 'ok' | 'failing';
  readonly engine: EnginePhase;
}

/** What `GET /healthz` answers (README: Metrics and health): 200 with `ok`, 503 with `unhealthy`. */
export type HealthReport = (HealthFacts & { readonly status: 'ok' }) | (HealthFacts & { readonly status: 'unhealthy'; readonly reason: string });

export interface HealthOptions {
  readonly role: ProcessRole;
  readonly workerName: string;
  /** Asks the database a trivial question; throws or rejects when it does not answer. */
  readonly pingDatabase: () => unknown;
  readonly enginePhase: () => EnginePhase;
  /**
   * How long the database may take to answer before it counts as failing, in ms.
   * @default 2000
   */
  readonly pingTimeoutMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/** The health check of `/healthz`; `uptimeSeconds` counts from this call. */
export function createHealthCheck({ role, workerName, pingDatabase, enginePhase, pingTimeoutMs = 2000, now = Date.now }: HealthOptions): () => Promise<HealthReport> {
  const startedAt = now();
  return async () => {
    const problems: string[] = [];
    const databaseProblem = await ping(pingDatabase, pingTimeoutMs);
    if (databaseProblem !== null) problems.push(databaseProblem);
    const engine = enginePhase();
    if (engine !== 'running') problems.push(`the engine is ${engine}`);
    const facts: HealthFacts = {
      role,
      worker: workerName,
      uptimeSeconds: Math.max(0, Math.floor((now() - startedAt) / 1000)),
      database: databaseProblem === null ? 'ok' : 'failing',
      engine,
    };
    return problems.length === 0 ? { status: 'ok', ...facts } : { status: 'unhealthy', reason: problems.join('; '), ...facts };
  };
}

/** null when the database answered in time, else why not in plain words (a URL's password scrubbed). */
async function ping(pingDatabase: () => unknown, timeoutMs: number): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`the database did not answer within ${timeoutMs} ms`), timeoutMs);
    timer.unref();
  });
  try {
    const answered = Promise.resolve()
      .then(pingDatabase)
      .then(
        () => null,
        (error: unknown) => `the database does not answer: ${redactText(error instanceof Error ? error.message : String(error))}`,
      );
    return await Promise.race([answered, late]);
  } finally {
    clearTimeout(timer);
  }
}
