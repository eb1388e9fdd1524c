import type { Logger } from 'pino';
import type { Engine } from '../engine.js';
import type { Operation, SubmitRequest } from '../types.js';
import type { CheckResult } from './check.js';

export interface CheckScheduleOptions {
  /**
   * Whether every account is checked once a day by itself.
   * @default true
   */
  readonly daily?: boolean;
  /**
   * Time from one check of an account to its next, in ms.
   * @default 86400000 (24 h)
   */
  readonly intervalMs?: number;
  /**
   * The next check comes up to this much earlier or later, at random, so a fleet's checks never go all
   * at once, in ms.
   * @default 3600000 (1 h)
   */
  readonly jitterMs?: number;
  /**
   * An account never checked is first checked this long after the round starts (plus up to `jitterMs`),
   * so a start never begins with a burst of checks, in ms.
   * @default 300000 (5 min)
   */
  readonly firstDelayMs?: number;
  /**
   * After a check that could not finish (the account offline, @SpamBot silent), the next try comes this
   * much later, in ms.
   * @default 3600000 (1 h)
   */
  readonly retryMs?: number;
  /**
   * The longest the round sleeps before looking again (accounts added meanwhile get planned), in ms.
   * @default 600000 (10 min)
   */
  readonly wakeMs?: number;
  /**
   * Random numbers in [0, 1) for the jitter.
   * @default Math.random
   */
  readonly random?: () => number;
}

/** What the round needs of the engine; `submit` may queue the check elsewhere (a worker's submitter, fleet-checks.ts). */
export type ScheduleEngine = Pick<Engine<unknown>, 'events' | 'now' | 'recordCheck' | 'setNextCheck' | 'listAccounts' | 'tasks' | 'unfinishedOperations'> & {
  submit(request: SubmitRequest): unknown;
};

function resolve(options: CheckScheduleOptions) {
  return {
    intervalMs: options.intervalMs ?? 86_400_000,
    jitterMs: options.jitterMs ?? 3_600_000,
    firstDelayMs: options.firstDelayMs ?? 300_000,
    retryMs: options.retryMs ?? 3_600_000,
    wakeMs: options.wakeMs ?? 600_000,
    random: options.random ?? Math.random,
  };
}

/**
 * Records what every finished check found (an admin's /check and the daily round alike): the verdict,
 * and the next daily check 24 h ± the jitter later. An answer nobody could read changes nothing but the
 * plan; a check that could not finish is tried again `retryMs` later.
 */
export function recordCheckResults(engine: ScheduleEngine, logger: Logger, options: CheckScheduleOptions = {}): () => void {
  const o = resolve(options);
  const listener = (op: Operation) => {
    if (op.kind !== 'check') return;
    const accountId = op.accountId ?? op.pinnedAccountId;
    if (accountId === null) return;
    const now = engine.now();
    const next = now + o.intervalMs + Math.round((o.random() * 2 - 1) * o.jitterMs);
    if (op.status === 'succeeded') {
      const { verdict } = op.result as CheckResult;
      if (verdict.kind === 'unrecognised') {
        logger.warn({ accountId, answer: verdict.text }, '@SpamBot gave an answer the check does not know; nothing changed');
        engine.setNextCheck(accountId, next);
      } else {
        engine.recordCheck(accountId, verdict, next);
      }
      return;
    }
    // A dead account is not checked again until it logs in again (and the round plans it then).
    engine.setNextCheck(accountId, op.error?.kind === 'dead' ? null : now + o.retryMs);
  };
  engine.events.on('operation:finished', listener);
  return () => engine.events.off('operation:finished', listener);
}

/**
 * The daily round (README.md, "Account checks"): each account is checked when its `next_check_at` comes, at the
 * lowest priority, so it never delays admins' work. The plan is stored, so a restart checks nothing early.
 */
export function startDailyChecks(engine: ScheduleEngine, options: CheckScheduleOptions = {}): void {
  const o = resolve(options);
  const tick = () => {
    const now = engine.now();
    const pending = new Set(engine.unfinishedOperations('check').map((op) => op.pinnedAccountId));
    let soonest = now + o.wakeMs;
    for (const account of engine.listAccounts()) {
      // A paused account runs nothing; it is checked once resumed, when its time has come.
      if (account.state === 'dead' || account.paused) continue;
      let due = account.nextCheckAt;
      if (due === null) {
        due = now + o.firstDelayMs + Math.round(o.random() * o.jitterMs);
        engine.setNextCheck(account.id, due);
      }
      if (due <= now && !pending.has(account.id)) {
        engine.submit({ kind: 'check', accountId: account.id, params: { trigger: 'daily' } });
        // Planned again now, so that neither this round nor a restart submits it twice; the result replans it.
        due = now + o.retryMs;
        engine.setNextCheck(account.id, due);
      }
      if (due > now) soonest = Math.min(soonest, due);
    }
    engine.tasks.timer('engine', 'daily checks', soonest - now, tick);
  };
  engine.tasks.timer('engine', 'daily checks', 0, tick);
}
