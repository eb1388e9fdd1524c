import type { Logger } from 'pino';
import type { Engine, SubmitResult } from '../engine.js';
import { recordCheckResults, startDailyChecks, type CheckScheduleOptions, type ScheduleEngine } from '../operations/check-schedule.js';
import { startHealthChecks, type HealthCheckOptions } from '../operations/health.js';
import type { SubmitRequest } from '../types.js';

export interface WorkerChecksOptions {
  /** The worker's engine: it lists only the accounts this worker holds. */
  readonly engine: Engine<unknown>;
  /**
   * Submits a check as the panel would: its row and its job in one transaction (FleetSubmitter), in the queue of
   * the account it is pinned to, which this worker works while it holds the account.
   */
  readonly submit: (request: SubmitRequest) => Promise<SubmitResult>;
  readonly logger: Logger;
  /** The periodic health checks of idle accounts; `enabled: false` turns them off. */
  readonly health?: HealthCheckOptions & {
    /** @default true */
    readonly enabled?: boolean;
  };
  /** The daily check round (README.md, "Account checks"). */
  readonly checks?: CheckScheduleOptions;
}

/**
 * The account checks of a worker of a fleet (docs/several-processes.md, "Checks"): the health checks and the daily
 * round of the accounts THIS worker holds, and what finished checks found recorded through its fenced account writes.
 * Each account is held by one worker at a time, so each is planned and checked by one process only, with no claim of
 * its own: the lease is the claim. The plan (`next_check_at`) is in the account's row, written before the lease is
 * handed off, so the next holder goes on with it rather than checking again.
 * @returns a function that stops recording (the rounds end with the engine's tasks)
 */
export function startWorkerChecks(options: WorkerChecksOptions): () => void {
  const { engine, submit, logger, health = {}, checks = {} } = options;
  const queue = (request: SubmitRequest): void => {
    submit(request).then(
      (result) => {
        // A refusal changes nothing: the account was removed or found dead meanwhile; the round plans again.
        if (result.kind === 'refused') logger.debug({ kind: request.kind, accountId: request.accountId, reason: result.reason }, 'a check was not queued');
      },
      (error: unknown) => logger.warn({ err: error, kind: request.kind, accountId: request.accountId }, 'could not queue a check; the next round tries again'),
    );
  };
  const queued: ScheduleEngine = {
    events: engine.events,
    tasks: engine.tasks,
    now: () => engine.now(),
    listAccounts: () => engine.listAccounts(),
    unfinishedOperations: (kind) => engine.unfinishedOperations(kind),
    recordCheck: (id, verdict, nextCheckAt) => engine.recordCheck(id, verdict, nextCheckAt),
    setNextCheck: (id, at) => engine.setNextCheck(id, at),
    submit: queue,
  };
  const stop = recordCheckResults(engine, logger, checks);
  // Taking an account up connected it, which proved its session: the first round comes a whole interval later.
  if (health.enabled ?? true) startHealthChecks(queued, { firstDelayMs: health.intervalMs ?? 600_000, ...health });
  if (checks.daily ?? true) startDailyChecks(queued, checks);
  return stop;
}
