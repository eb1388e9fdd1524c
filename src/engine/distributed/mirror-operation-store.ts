import { isDeepStrictEqual } from 'node:util';
import type { SqlExecutor } from '../../db/sql/sql-port.js';
import type { FinishRecord, NewOperation, OperationStore, StoredOperation } from '../operation-store.js';
import type { FailureKind, OperationStatus } from '../types.js';
import { PanelOnlyError } from './mirror-account-store.js';
import type { WriteBehind } from './write-behind.js';

/** The operations table as a worker writes it: each write on the executor it is given (a fenced transaction). */
export interface OperationWrites {
  markRunning(id: number, accountId: number, now: number, tx: SqlExecutor): Promise<unknown>;
  progress(id: number, done: number, total: number | null, now: number, tx: SqlExecutor): Promise<unknown>;
  assign(id: number, accountId: number, now: number, tx: SqlExecutor): Promise<unknown>;
  unassign(id: number, now: number, tx: SqlExecutor): Promise<boolean>;
  saveCheckpoint(id: number, value: unknown, now: number, tx: SqlExecutor): Promise<unknown>;
  lockedCheckpoint(id: number, tx: SqlExecutor): Promise<unknown>;
  requeue(id: number, notBefore: number | null, error: { kind: FailureKind; message: string } | null, now: number, tx: SqlExecutor): Promise<unknown>;
  finish(op: StoredOperation, record: FinishRecord, accountId: number | null, now: number, tx: SqlExecutor): Promise<unknown>;
  recordRetry(kind: string, now: number, tx: SqlExecutor): Promise<unknown>;
  recordFlood(kind: string, accountId: number | null, operationId: number | null, method: string | null, seconds: number, action: 'slept' | 'cooled', now: number, tx: SqlExecutor): Promise<unknown>;
  setReportMessage(id: number, chatId: number | null, messageId: number | null, now: number, tx: SqlExecutor): Promise<unknown>;
}

/**
 * Runs `body` in a transaction that first checks this worker still holds `accountId`'s lease (its epoch), so a write
 * of a stale holder is refused (docs/several-processes.md, fencing); `null` runs it unfenced (no account involved).
 */
export type Fence = <T>(accountId: number | null, body: (tx: SqlExecutor) => Promise<T>) => Promise<T>;

/** The write-behind lane of an operation's writes: in order among themselves, side by side with other operations'. */
const laneOf = (id: number): string => `operation:${id}`;

/** Most time a reported progress waits for a write of its own, in ms (as in one process). */
const PROGRESS_WRITE_MS = 250;

/**
 * The engine's OperationStore on a worker of several (docs/several-processes.md): the rows it works on are held in
 * memory (`remember`, from the job or the takeover that brought them), and every change is written behind, in the
 * order of its operation (each operation's writes are a lane of the write-behind: one operation's page being committed
 * does not hold up another's), fenced by the lease of the account the operation is bound to. The one write a runner waits for, a checkpoint with
 * its data, resolves only once committed, as on SQLite. Operations are created by the panel, so `insert` refuses.
 */
export class MirrorOperations implements OperationStore {
  readonly #rows = new Map<number, StoredOperation>();
  /** The account each held operation is bound to: its next lease holder resumes it (placed, or running there). */
  readonly #bound = new Map<number, number>();
  readonly #progress = new Map<number, { done: number; total: number | null; at: number; account: number | null }>();
  readonly #writes: WriteBehind;
  readonly #repo: OperationWrites;
  readonly #fence: Fence;
  #progressTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(writes: WriteBehind, repo: OperationWrites, fence: Fence) {
    this.#writes = writes;
    this.#repo = repo;
    this.#fence = fence;
  }

  /** Holds a row read from the database, before the engine adopts it. */
  remember(row: StoredOperation): void {
    this.#rows.set(row.id, row);
    const account = row.assignedAccountId ?? row.pinnedAccountId;
    if (account !== null) this.#bound.set(row.id, account);
  }

  /** How many held operations are bound to the account. */
  boundCount(accountId: number): number {
    let count = 0;
    for (const account of this.#bound.values()) if (account === accountId) count += 1;
    return count;
  }

  /** The account a held operation is bound to, if any. */
  boundTo(id: number): number | undefined {
    return this.#bound.get(id);
  }

  insert(_row: NewOperation): number {
    throw new PanelOnlyError('submitting an operation');
  }

  insertMany(_rows: NewOperation[]): number[] {
    throw new PanelOnlyError('submitting operations');
  }

  placed(id: number, accountId: number, now: number): void {
    this.#bound.set(id, accountId);
    this.#write(id, 'assign', (tx) => this.#repo.assign(id, accountId, now, tx));
  }

  markRunning(id: number, accountId: number, now: number): void {
    this.#bound.set(id, accountId);
    this.#write(id, 'running', (tx) => this.#repo.markRunning(id, accountId, now, tx));
  }

  progress(id: number, done: number, total: number | null, now: number): void {
    this.#progress.set(id, { done, total, at: now, account: this.#bound.get(id) ?? null });
    this.#progressTimer ??= setTimeout(() => this.#writeProgress(), PROGRESS_WRITE_MS);
  }

  saveCheckpoint(id: number, value: unknown, now: number): void {
    this.#write(id, 'checkpoint', (tx) => this.#repo.saveCheckpoint(id, value, now, tx));
  }

  async saveCheckpointWith<R, K>(id: number, now: number, write: (tx?: SqlExecutor) => R | Promise<R>, next: K | ((result: R) => K)): Promise<{ result: R; value: K }> {
    // What the last attempt wrote, once it got as far as COMMIT: a connection lost then leaves its outcome unknown.
    let sent: { result: R; value: K } | undefined;
    // Behind every earlier write of this operation, so the checkpoint never lands before the "running" it follows. Tried
    // again while the database is unreachable: the page is stored exactly once, since a retry first looks whether
    // the attempt before it committed (the stored checkpoint is then the one it wrote), and otherwise stores it anew.
    const account = this.#bound.get(id) ?? null;
    return this.#writes.run(`checkpoint of #${id}`, () =>
      this.#fence(account, async (tx) => {
        if (sent !== undefined && isDeepStrictEqual(await this.#repo.lockedCheckpoint(id, tx), sent.value)) return sent;
        sent = undefined;
        const result = await write(tx);
        const value = typeof next === 'function' ? (next as (r: R) => K)(result) : next;
        await this.#repo.saveCheckpoint(id, value, now, tx);
        sent = { result, value };
        return sent;
      }),
      laneOf(id),
    );
  }

  requeue(id: number, notBefore: number | null, error: { kind: FailureKind; message: string } | null, now: number): void {
    this.#write(id, 'requeue', (tx) => this.#repo.requeue(id, notBefore, error, now, tx));
  }

  finish(op: StoredOperation, record: FinishRecord, accountId: number | null, now: number, committed?: () => void): void {
    this.#flushProgressOf(op.id);
    const bound = this.#bound.get(op.id) ?? accountId;
    void this.#writes
      .push(`finish #${op.id}`, () => this.#fence(bound, async (tx) => void (await this.#repo.finish(op, record, accountId, now, tx))), laneOf(op.id))
      .then(() => {
        this.#rows.delete(op.id);
        this.#bound.delete(op.id);
        committed?.();
      });
  }

  /**
   * Gives a held operation back to the fleet (EngineOptions.handBack): behind its earlier writes and fenced by the
   * account it was bound to, its row is taken off that account and `enqueue` hands it out again, in one transaction;
   * then this worker forgets it. Resolves true once committed, false when the row was no longer queued (nothing changed).
   */
  handBack(id: number, now: number, enqueue: (tx: SqlExecutor) => Promise<void>): Promise<boolean> {
    this.#flushProgressOf(id);
    const account = this.#bound.get(id) ?? null;
    this.#bound.delete(id);
    return this.#writes
      .run(`hand-back of #${id}`, () =>
        this.#fence(account, async (tx) => {
          if (!(await this.#repo.unassign(id, now, tx))) return false;
          await enqueue(tx);
          return true;
        }),
        laneOf(id),
      )
      .finally(() => {
        if (!this.#bound.has(id)) this.#rows.delete(id);
      });
  }

  /** Writes are on their way already; {@link settled} waits for them. */
  flush(): void {
    this.#writeProgress();
  }

  /** Resolves once every write made so far has committed (or been dropped). */
  async settled(): Promise<void> {
    this.#writeProgress();
    await this.#writes.settled();
  }

  /** Lets go of the operations bound to an account this worker gave up; their rows are its next holder's now. */
  forgetBoundTo(accountId: number): void {
    for (const [id, account] of this.#bound) {
      if (account !== accountId) continue;
      this.#bound.delete(id);
      this.#rows.delete(id);
      this.#progress.delete(id);
    }
  }

  recordRetry(kind: string, now: number): void {
    void this.#writes.push(`retry of ${kind}`, () => this.#fence(null, async (tx) => void (await this.#repo.recordRetry(kind, now, tx))));
  }

  recordFlood(kind: string, accountId: number | null, operationId: number | null, method: string | null, seconds: number, action: 'slept' | 'cooled', now: number): void {
    void this.#writes.push(`flood of ${kind}`, () =>
      this.#fence(null, async (tx) => void (await this.#repo.recordFlood(kind, accountId, operationId, method, seconds, action, now, tx))),
    );
  }

  setReportMessage(id: number, chatId: number | null, messageId: number | null, now: number): void {
    this.#write(id, 'report message', (tx) => this.#repo.setReportMessage(id, chatId, messageId, now, tx));
  }

  get(id: number): StoredOperation | undefined {
    return this.#rows.get(id);
  }

  /** Nothing to resume at start: a worker takes up each account's operations when it takes the account's lease. */
  unfinished(): StoredOperation[] {
    return [];
  }

  recent(limit: number, offset = 0, status?: OperationStatus, excludeKinds: readonly string[] = []): StoredOperation[] {
    return [...this.#rows.values()]
      .filter((row) => (status === undefined || row.status === status) && !excludeKinds.includes(row.kind))
      .sort((a, b) => b.id - a.id)
      .slice(offset, offset + limit);
  }

  /**
   * Queues a write about operation `id`, fenced by the account it is bound to now: by the time the write runs the
   * account may have been let go (its lease lost, {@link forgetBoundTo}) or the operation placed elsewhere, and the
   * write must still be refused unless this worker holds the account it was made under.
   */
  #write(id: number, what: string, write: (tx: SqlExecutor) => Promise<unknown>, account = this.#bound.get(id) ?? null): void {
    void this.#writes.push(`${what} of #${id}`, () => this.#fence(account, async (tx) => void (await write(tx))), laneOf(id));
  }

  #flushProgressOf(id: number): void {
    const latest = this.#progress.get(id);
    if (latest === undefined) return;
    this.#progress.delete(id);
    this.#write(id, 'progress', (tx) => this.#repo.progress(id, latest.done, latest.total, latest.at, tx), latest.account);
  }

  #writeProgress(): void {
    if (this.#progressTimer !== undefined) clearTimeout(this.#progressTimer);
    this.#progressTimer = undefined;
    for (const id of [...this.#progress.keys()]) this.#flushProgressOf(id);
  }
}
