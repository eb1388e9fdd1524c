// R5 task registry (README, "Engine rules"): every background task (operation run, monitor, health check,
// timer) is registered under its account; removing an account or shutting down cancels all of its tasks
// within the cleanup budget (5 s by default) and reports the ones that did not end in time.
import { OperationAbortedError, type AbortKind } from '../errors.js';
import type { OperationType } from '../types.js';

/** Scope of a task: an account id, or `engine` for work that belongs to no account yet. */
export type TaskScope = number | 'engine';

export interface TaskInfo {
  readonly id: number;
  readonly scope: TaskScope;
  readonly name: string;
  readonly type: OperationType | 'timer' | 'health';
  readonly startedAt: number;
}

interface Entry extends TaskInfo {
  readonly controller: AbortController;
  done: Promise<void>;
}

/** The result of cancelling a scope: what ended in time and what did not. */
export interface CancelReport {
  readonly cancelled: number;
  /** Tasks still running when the grace period ran out (they were abandoned, not awaited). */
  readonly stragglers: readonly TaskInfo[];
}

/**
 * Every background task (operation run, monitor, health check, timer) is registered here under its
 * account (R5), so that removing an account or shutting down can cancel all of it and know when it ended.
 */
export class TaskRegistry {
  readonly #scopes = new Map<TaskScope, Map<number, Entry>>();
  #nextId = 1;

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Runs `task` as a registered task. The returned promise settles with the task; the entry is removed
   * when it settles. `task` receives a signal aborted by `cancel`/`cancelScope`.
   */
  run<T>(
    scope: TaskScope,
    name: string,
    type: TaskInfo['type'],
    task: (signal: AbortSignal) => Promise<T>,
    controller: AbortController = new AbortController(),
  ): Promise<T> {
    const entry: Entry = { id: this.#nextId++, scope, name, type, startedAt: this.now(), controller, done: Promise.resolve() };
    let tasks = this.#scopes.get(scope);
    if (!tasks) {
      tasks = new Map();
      this.#scopes.set(scope, tasks);
    }
    tasks.set(entry.id, entry);
    const result = (async () => task(controller.signal))();
    entry.done = result.then(
      () => this.#remove(entry),
      () => this.#remove(entry),
    );
    return result;
  }

  /**
   * Registers a timer: `fire` runs after `ms` unless the task is cancelled first. The timer counts as
   * a task until it fires or is cancelled.
   */
  timer(scope: TaskScope, name: string, ms: number, fire: () => void, onCancel?: (reason: unknown) => void): AbortController {
    const controller = new AbortController();
    void this.run(
      scope,
      name,
      'timer',
      (signal) =>
        new Promise<void>((resolve) => {
          const timeout = setTimeout(() => {
            signal.removeEventListener('abort', abort);
            resolve();
            fire();
          }, Math.max(0, ms));
          const abort = () => {
            clearTimeout(timeout);
            resolve();
            onCancel?.(signal.reason);
          };
          signal.addEventListener('abort', abort, { once: true });
        }),
      controller,
    );
    return controller;
  }

  #remove(entry: Entry): void {
    const tasks = this.#scopes.get(entry.scope);
    if (!tasks) return;
    tasks.delete(entry.id);
    if (tasks.size === 0) this.#scopes.delete(entry.scope);
  }

  list(scope?: TaskScope): TaskInfo[] {
    const scopes = scope === undefined ? [...this.#scopes.values()] : [this.#scopes.get(scope) ?? new Map<number, Entry>()];
    return scopes.flatMap((tasks) => [...tasks.values()].map(({ id, scope: s, name, type, startedAt }) => ({ id, scope: s, name, type, startedAt })));
  }

  count(scope?: TaskScope): number {
    if (scope !== undefined) return this.#scopes.get(scope)?.size ?? 0;
    let n = 0;
    for (const tasks of this.#scopes.values()) n += tasks.size;
    return n;
  }

  /**
   * Aborts every task of `scope` and waits until they have ended, at most `graceMs`.
   */
  async cancelScope(scope: TaskScope, kind: AbortKind, message: string, graceMs = 5000): Promise<CancelReport> {
    const tasks = [...(this.#scopes.get(scope)?.values() ?? [])];
    return this.#cancel(tasks, kind, message, graceMs);
  }

  /** Aborts every task of every scope and waits, at most `graceMs` in all. */
  async cancelAll(kind: AbortKind, message: string, graceMs = 5000): Promise<CancelReport> {
    const tasks = [...this.#scopes.values()].flatMap((m) => [...m.values()]);
    return this.#cancel(tasks, kind, message, graceMs);
  }

  async #cancel(tasks: Entry[], kind: AbortKind, message: string, graceMs: number): Promise<CancelReport> {
    for (const entry of tasks) {
      if (!entry.controller.signal.aborted) entry.controller.abort(new OperationAbortedError(kind, message));
    }
    const finished = new Set<number>();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.all(tasks.map((entry) => entry.done.then(() => finished.add(entry.id)))),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
    if (timer) clearTimeout(timer);
    const stragglers = tasks
      .filter((entry) => !finished.has(entry.id))
      .map(({ id, scope, name, type, startedAt }) => ({ id, scope, name, type, startedAt }));
    for (const s of stragglers) {
      const entry = this.#scopes.get(s.scope)?.get(s.id);
      if (entry) this.#remove(entry);
    }
    return { cancelled: tasks.length - stragglers.length, stragglers };
  }
}
