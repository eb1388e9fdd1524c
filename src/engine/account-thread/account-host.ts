import type { TelegramClient } from 'telegram';
import type { DatabaseHandle } from '../../db/client.js';
import { BudgetOverrunError, type BudgetAction } from '../budget.js';
import { createCheckpointWriter } from '../checkpoint-writer.js';
import type { TelegramClientFactory } from '../clients/client-factory.js';
import { classifyError, type Failure } from '../errors.js';
import { classifyTelegramError, telegramRunners } from '../operations/index.js';
import type { RunContext, RunnerDefinition } from '../types.js';
import type { AccountThreadData, FromThread, RunOrder, ToThread } from './protocol.js';

/** The thread's end of the channel (a worker's parentPort, or one side of a MessageChannel in tests). */
export interface HostPort {
  postMessage(message: FromThread): void;
  on(event: 'message', listener: (message: ToThread) => void): unknown;
}

export interface AccountHostOptions {
  readonly port: HostPort;
  readonly db: DatabaseHandle;
  readonly clients: TelegramClientFactory;
  readonly data: Pick<AccountThreadData, 'scrape' | 'send'>;
  /**
   * Clock in ms.
   * @default Date.now
   */
  readonly now?: () => number;
}

/** How often a run's progress and checkpoint reach the engine at most, in ms. */
const REPORT_MS = 50;

const failureOf = (error: unknown): Failure => classifyTelegramError(error) ?? classifyError(error);

/**
 * The accounts thread's work: it holds the accounts' GramJS clients, runs the runners on them when the
 * engine says so, and reports back (progress, checkpoints it wrote, background tasks, monitor hits, the
 * outcome). The engine keeps every decision: which account, when, and what an outcome means.
 */
export function hostAccounts(options: AccountHostOptions): { stopped: Promise<void> } {
  const { port, db, clients, now = Date.now } = options;
  // Messages of one turn (a page's checkpoint and progress) travel together: one wake-up of the engine's thread.
  let outbox: FromThread[] = [];
  const flush = () => {
    const batch = outbox;
    outbox = [];
    if (batch.length === 1) port.postMessage(batch[0]!);
    else if (batch.length > 1) port.postMessage({ t: 'batch', messages: batch });
  };
  const post = (message: FromThread) => {
    if (outbox.push(message) === 1) setImmediate(flush);
  };
  // A scrape reports progress and a checkpoint with every page. The engine needs the newest of each, not
  // every one: they are sent at most every REPORT_MS per run, and always before anything else the run
  // says (a spawned task, its outcome), so the engine never decides on an old checkpoint.
  const reports = new Map<number, { progress?: { done: number; total: number | null | undefined }; checkpoint?: { value: unknown } }>();
  let reportTimer: ReturnType<typeof setTimeout> | undefined;
  const sendReports = (run?: number) => {
    for (const [id, report] of run === undefined ? reports : [[run, reports.get(run)] as const]) {
      if (!report) continue;
      if (report.checkpoint) post({ t: 'checkpoint', run: id, value: report.checkpoint.value });
      if (report.progress) post({ t: 'progress', run: id, ...report.progress });
      reports.delete(id);
    }
  };
  const report = (run: number, part: { progress?: { done: number; total: number | null | undefined }; checkpoint?: { value: unknown } }) => {
    reports.set(run, { ...reports.get(run), ...part });
    reportTimer ??= setTimeout(() => {
      reportTimer = undefined;
      sendReports();
    }, REPORT_MS);
  };
  const checkpoints = createCheckpointWriter(db);
  const runners = telegramRunners(
    { db, scrape: options.data.scrape, send: options.data.send },
    {
      onHit: (hit) => post({ t: 'monitor-hit', hit }),
      recordHealthCheck: (accountId, profile) => post({ t: 'health', accountId, profile }),
    },
  );
  const definitions = new Map<string, RunnerDefinition<never, TelegramClient | undefined, never, unknown>>(runners.definitions.map((d) => [d.kind, d]));
  const accounts = new Map<number, TelegramClient>();
  const runs = new Map<number, AbortController>();
  const tasks = new Map<number, AbortController>();
  let nextTask = 1;
  let resolveStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));

  const run = async (order: RunOrder) => {
    const controller = new AbortController();
    runs.set(order.run, controller);
    try {
      const definition = definitions.get(order.kind);
      if (!definition) throw new Error(`the accounts thread has no runner for "${order.kind}"`);
      let checkpoint = order.checkpoint;
      const keep = (value: unknown) => {
        checkpoint = value;
        report(order.run, { checkpoint: { value } });
      };
      // The grant is spent here, where the calls are made: no round trip can let a call slip past it.
      const left: Record<BudgetAction, number> = { ...order.allowance };
      const context: RunContext<unknown, TelegramClient | undefined, unknown> = {
        operationId: order.operationId,
        params: order.params,
        attempt: order.attempt,
        budget: {
          take: (action) => {
            if (left[action] <= 0) throw new BudgetOverrunError(action, order.allowance[action]);
            left[action] -= 1;
            sendReports(order.run);
            post({ t: 'spent', run: order.run, action });
          },
          remaining: (action) => left[action],
        },
        account: { id: order.accountId, phone: order.phone, client: accounts.get(order.accountId) },
        signal: controller.signal,
        progress: (done, total) => report(order.run, { progress: { done, total } }),
        checkpoint: {
          get: () => checkpoint,
          save: (value) => {
            checkpoints.save(order.operationId, value, now());
            keep(value);
          },
          saveWith: (write, next) => {
            const { result, value } = checkpoints.saveWith(order.operationId, now(), write, next);
            keep(value);
            return Promise.resolve(result);
          },
          adopt: (value) => (checkpoint = value),
        },
        spawn: (name, type, task) => {
          const id = nextTask++;
          const own = new AbortController();
          tasks.set(id, own);
          sendReports(order.run);
          post({ t: 'spawn', run: order.run, task: id, name, type });
          task(own.signal).then(
            () => post({ t: 'task-ended', task: id, failure: null }),
            (error: unknown) => post({ t: 'task-ended', task: id, failure: own.signal.aborted ? null : failureOf(error) }),
          ).finally(() => tasks.delete(id));
        },
      };
      const value = await (definition.run as (ctx: typeof context) => Promise<unknown>)(context);
      sendReports(order.run);
      post({ t: 'result', run: order.run, value });
    } catch (error) {
      sendReports(order.run);
      post({ t: 'failed', run: order.run, failure: failureOf(error) });
    } finally {
      runs.delete(order.run);
    }
  };

  const stop = async () => {
    if (reportTimer !== undefined) clearTimeout(reportTimer);
    sendReports();
    for (const controller of [...runs.values(), ...tasks.values()]) controller.abort(new Error('The accounts thread is stopping'));
    await Promise.all([...accounts.entries()].map(([id, client]) => clients.disconnect(client, id).catch(() => undefined)));
    accounts.clear();
    post({ t: 'stopped' });
    resolveStopped();
  };

  port.on('message', (message: ToThread) => {
    switch (message.t) {
      case 'connect': {
        const { accountId } = message.request;
        const previous = accounts.get(accountId);
        accounts.delete(accountId);
        // One client per account: a connect that finds an old one (a reconnect) closes it first.
        const closed = previous ? clients.disconnect(previous, accountId).catch(() => undefined) : Promise.resolve();
        closed.then(() => clients.connect(message.request, new AbortController().signal)).then(
          (client) => {
            accounts.set(accountId, client);
            post({ t: 'connected', req: message.req });
          },
          (error: unknown) => post({ t: 'connect-failed', req: message.req, failure: failureOf(error) }),
        );
        return;
      }
      case 'disconnect': {
        const client = accounts.get(message.accountId);
        accounts.delete(message.accountId);
        const done = client ? clients.disconnect(client, message.accountId).catch(() => undefined) : Promise.resolve();
        void done.then(() => post({ t: 'disconnected', req: message.req }));
        return;
      }
      case 'run':
        void run(message.order);
        return;
      case 'abort':
        runs.get(message.run)?.abort(new Error('Aborted by the engine'));
        return;
      case 'task-abort':
        tasks.get(message.task)?.abort(new Error('Aborted by the engine'));
        return;
      case 'stop-monitor':
        // The row was stopped by the main thread; only the watch lives here.
        runners.abortMonitor(message.monitorId);
        return;
      case 'stop':
        void stop();
        return;
    }
  });
  post({ t: 'ready' });
  return { stopped };
}
