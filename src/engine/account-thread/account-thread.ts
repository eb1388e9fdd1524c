import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { startModuleWorker } from '../../worker-thread.js';
import { relayLog } from '../../worker-log.js';
import { BUDGET_ACTIONS } from '../budget.js';
import { OperationAbortedError, OperationFailure } from '../errors.js';
import type { RunnerReports, TelegramRunners } from '../operations/index.js';
import type { ClientFactory, ClientRequest } from '../options.js';
import type { RunContext, RunnerDefinition } from '../types.js';
import type { AccountThreadData, FromThread, ToThread } from './protocol.js';

/** What the engine holds for an account whose client lives in the accounts thread. */
export interface AccountHandle {
  readonly accountId: number;
}

export interface AccountThreadOptions extends Omit<AccountThreadData, 'logLevel'> {
  /** Receives the thread's log lines. */
  readonly logger: Logger;
  /**
   * Called when the thread dies unexpectedly (every client it held is gone).
   * @default undefined
   */
  readonly onCrash?: (error: Error) => void;
}

export interface AccountThread {
  /** The engine's client factory: connects and disconnects accounts in the thread. */
  readonly clients: ClientFactory<AccountHandle>;
  /** Stand-ins with the same kinds, metadata and parsing as `local`, whose work runs in the thread. */
  remote(local: TelegramRunners): TelegramRunners;
  /** Where the thread's monitor hits and health checks go (the engine, once it exists). */
  reportTo(reports: RunnerReports): void;
  /** Disconnects every account and ends the thread. */
  stop(): Promise<void>;
}

/** The accounts thread could not start, or died. */
export class AccountThreadError extends Error {
  override readonly name = 'AccountThreadError';
}

interface PendingRun {
  readonly ctx: RunContext<unknown, AccountHandle | undefined, unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Runs the accounts' GramJS work in a thread of its own: GramJS spends about 16 ms of CPU decoding one
 * 200-member page, and on the bot's thread five scrapes would keep the panel from answering. The engine
 * stays here and decides everything (R1–R10); the thread holds the clients and runs the runners on them.
 */
export async function startAccountThread(options: AccountThreadOptions): Promise<AccountThread> {
  const { logger, onCrash, ...rest } = options;
  const data: AccountThreadData = { ...rest, logLevel: logger.level };
  const entry = new URL(import.meta.url.endsWith('.ts') ? './account-thread-entry.ts' : './account-thread-entry.js', import.meta.url);
  const worker: Worker = startModuleWorker(entry, { workerData: data });
  const post = (message: ToThread) => worker.postMessage(message);

  const requests = new Map<number, { resolve: () => void; reject: (error: unknown) => void }>();
  const runs = new Map<number, PendingRun>();
  const tasks = new Map<number, { resolve: () => void; reject: (error: unknown) => void }>();
  let nextRequest = 1;
  let nextRun = 1;
  let stopping = false;
  let dead: Error | undefined;
  let onReady: (() => void) | undefined;
  let onStopped: (() => void) | undefined;

  const failAll = (error: Error) => {
    // Whatever the dead thread's runs were granted may have been spent: it all stays counted.
    for (const { ctx } of runs.values()) {
      for (const action of BUDGET_ACTIONS) while (ctx.budget.remaining(action) > 0) ctx.budget.take(action);
    }
    for (const waiter of [...requests.values(), ...runs.values(), ...tasks.values()]) waiter.reject(error);
    requests.clear();
    runs.clear();
    tasks.clear();
  };

  const receive = (message: FromThread): void => {
    switch (message.t) {
      case 'batch':
        for (const each of message.messages) receive(each);
        return;
      case 'log':
        relayLog(logger, message);
        return;
      case 'ready':
        onReady?.();
        return;
      case 'stopped':
        onStopped?.();
        return;
      case 'connected':
      case 'disconnected': {
        requests.get(message.req)?.resolve();
        requests.delete(message.req);
        return;
      }
      case 'connect-failed': {
        requests.get(message.req)?.reject(new OperationFailure(message.failure));
        requests.delete(message.req);
        return;
      }
      case 'progress':
        runs.get(message.run)?.ctx.progress(message.done, message.total);
        return;
      case 'checkpoint':
        runs.get(message.run)?.ctx.checkpoint.adopt(message.value);
        return;
      case 'spent':
        try {
          runs.get(message.run)?.ctx.budget.take(message.action);
        } catch (error) {
          logger.error({ err: error, run: message.run }, 'the accounts thread spent more than it was granted');
        }
        return;
      case 'spawn': {
        const pending = runs.get(message.run);
        if (!pending) {
          post({ t: 'task-abort', task: message.task });
          return;
        }
        pending.ctx.spawn(message.name, message.type, (signal) => {
          const ended = new Promise<void>((resolve, reject) => tasks.set(message.task, { resolve, reject }));
          signal.addEventListener('abort', () => post({ t: 'task-abort', task: message.task }), { once: true });
          return ended;
        });
        return;
      }
      case 'task-ended': {
        const task = tasks.get(message.task);
        tasks.delete(message.task);
        if (message.failure) task?.reject(new OperationFailure(message.failure));
        else task?.resolve();
        return;
      }
      case 'result':
      case 'failed': {
        const pending = runs.get(message.run);
        runs.delete(message.run);
        if (message.t === 'result') pending?.resolve(message.value);
        else pending?.reject(new OperationFailure(message.failure));
        return;
      }
      case 'monitor-hit':
        reports?.onHit(message.hit);
        return;
      case 'health':
        reports?.recordHealthCheck(message.accountId, { ...message.profile });
        return;
    }
  };
  worker.on('message', receive);
  let reports: RunnerReports | undefined;

  const died = (error: Error) => {
    if (dead) return;
    dead = error;
    failAll(error);
    if (!stopping) {
      logger.error({ err: error }, 'the accounts thread died; its accounts are disconnected');
      onCrash?.(error);
    }
  };
  worker.on('error', (error) => died(new AccountThreadError(`the accounts thread failed: ${error.message}`, { cause: error })));
  worker.on('exit', (code) => died(new AccountThreadError(`the accounts thread exited (code ${code})`)));

  await new Promise<void>((resolve, reject) => {
    onReady = resolve;
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new AccountThreadError(`the accounts thread exited while starting (code ${code})`)));
  });

  const request = (make: (req: number) => ToThread): Promise<void> => {
    if (dead) return Promise.reject(dead);
    const req = nextRequest++;
    return new Promise<void>((resolve, reject) => {
      requests.set(req, { resolve, reject });
      post(make(req));
    });
  };

  const clients: ClientFactory<AccountHandle> = {
    async connect(clientRequest: ClientRequest, signal: AbortSignal) {
      signal.throwIfAborted();
      const connected = request((req) => ({ t: 'connect', req, request: clientRequest }));
      // GramJS cannot abandon a connect half-way: an abort answers now, and a late success is undone.
      const aborted = new Promise<never>((_resolve, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason instanceof Error ? signal.reason : new OperationAbortedError('cancelled', 'Aborted')), { once: true });
      });
      try {
        await Promise.race([connected, aborted]);
      } catch (error) {
        if (signal.aborted) void connected.then(() => request((req) => ({ t: 'disconnect', req, accountId: clientRequest.accountId }))).catch(() => undefined);
        throw error;
      }
      return { accountId: clientRequest.accountId };
    },
    async disconnect(handle: AccountHandle) {
      if (dead) return;
      await request((req) => ({ t: 'disconnect', req, accountId: handle.accountId }));
    },
  };

  const remoteDefinition = (definition: RunnerDefinition<never, never, never, unknown>): RunnerDefinition<never, never, never, unknown> => ({
    ...definition,
    run: ((ctx: RunContext<unknown, AccountHandle | undefined, unknown>) =>
      new Promise((resolve, reject) => {
        if (dead) {
          reject(dead);
          return;
        }
        const run = nextRun++;
        runs.set(run, { ctx, resolve, reject });
        post({
          t: 'run',
          order: {
            run,
            kind: definition.kind,
            operationId: ctx.operationId,
            params: ctx.params,
            accountId: ctx.account.id,
            phone: ctx.account.phone,
            attempt: ctx.attempt,
            checkpoint: ctx.checkpoint.get(),
            allowance: { join: ctx.budget.remaining('join'), send: ctx.budget.remaining('send'), resolve: ctx.budget.remaining('resolve') },
          },
        });
        if (ctx.signal.aborted) post({ t: 'abort', run });
        else ctx.signal.addEventListener('abort', () => post({ t: 'abort', run }), { once: true });
      })) as unknown as RunnerDefinition<never, never, never, unknown>['run'],
  });

  return {
    clients,
    remote(local) {
      return {
        definitions: local.definitions.map((d) => remoteDefinition(d as unknown as RunnerDefinition<never, never, never, unknown>)) as unknown as TelegramRunners['definitions'],
        async stopMonitor(monitorId) {
          // The monitor row is stopped here; the watch itself ends in the thread.
          const stopped = await local.stopMonitor(monitorId);
          if (!dead) post({ t: 'stop-monitor', monitorId });
          return stopped;
        },
        abortMonitor(monitorId) {
          if (!dead) post({ t: 'stop-monitor', monitorId });
          return !dead;
        },
      };
    },
    reportTo(target) {
      reports = target;
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      if (!dead) {
        const stopped = new Promise<void>((resolve) => (onStopped = resolve));
        post({ t: 'stop' });
        await Promise.race([stopped, once(worker, 'exit'), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
      }
      await worker.terminate();
    },
  };
}
