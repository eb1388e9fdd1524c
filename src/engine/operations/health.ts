import { Api, type TelegramClient } from 'telegram';
import type { Engine } from '../engine.js';
import { OperationFailure } from '../errors.js';
import type { RunnerDefinition, SubmitRequest } from '../types.js';

export interface HealthResult {
  readonly userId: number;
  readonly username: string | null;
  readonly firstName: string | null;
}

/**
 * getMe as an operation, so it queues behind the account's work like anything else (R1: never two
 * requests of one account at once). Dead sessions are caught by the engine's classifier (R10).
 */
export function healthOperation(engine: Pick<Engine<unknown>, 'recordHealthCheck'>): RunnerDefinition<null, TelegramClient | undefined, never, HealthResult> {
  return {
    kind: 'health',
    type: 'other',
    internal: true,
    priority: 0,
    timeoutMs: 60_000,
    run: async ({ account, signal }) => {
      if (!account.client) throw new OperationFailure({ kind: 'error', message: `Account #${account.id} has no Telegram client.` });
      signal.throwIfAborted();
      const [me] = await account.client.invoke(new Api.users.GetUsers({ id: [new Api.InputUserSelf()] }));
      if (!(me instanceof Api.User)) throw new OperationFailure({ kind: 'dead', message: 'Telegram no longer returns this account.' });
      const profile = { telegramUserId: me.id.toJSNumber(), username: me.username ?? null, firstName: me.firstName ?? null };
      engine.recordHealthCheck(account.id, profile);
      return { userId: profile.telegramUserId, username: profile.username, firstName: profile.firstName };
    },
  };
}

export interface HealthCheckOptions {
  /**
   * Time between two checks of an idle account, in ms.
   * @default 600000 (10 min)
   */
  readonly intervalMs?: number;
  /**
   * Time from the start to the first round, in ms. A worker of a fleet waits a whole interval: it just connected the
   * accounts it takes up, which proved their sessions.
   * @default the interval, at most 5000
   */
  readonly firstDelayMs?: number;
}

/** Where health checks are submitted: the engine itself, or a worker's submitter that queues them (fleet-checks.ts). */
export type HealthCheckEngine = Pick<Engine<unknown>, 'listAccounts' | 'tasks'> & { submit(request: SubmitRequest): unknown };

/** Checks every idle account periodically (busy ones prove their health by working). */
export function startHealthChecks(engine: HealthCheckEngine, options: HealthCheckOptions = {}): void {
  const { intervalMs = 600_000, firstDelayMs = Math.min(intervalMs, 5_000) } = options;
  const tick = () => {
    for (const account of engine.listAccounts()) {
      if (account.load === 0 && (account.state === 'idle' || account.state === 'monitoring')) {
        engine.submit({ kind: 'health', accountId: account.id });
      }
    }
    engine.tasks.timer('engine', 'health checks', intervalMs, tick);
  };
  engine.tasks.timer('engine', 'health checks', firstDelayMs, tick);
}
