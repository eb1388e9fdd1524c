import type { AccountsRepository } from '../../db/repositories/accounts.js';
import type { OperationsRepository } from '../../db/repositories/operations.js';
import type { SqlDatabase } from '../../db/sql/sql-port.js';
import type { SubmitResult } from '../engine.js';
import { insertedRow, type AnyDefinition } from '../live-operation.js';
import type { NewOperation } from '../operation-store.js';
import { priorityOf } from '../rules/priorities.js';
import type { Operation, OperationType, RunnerDefinition, SubmitRequest } from '../types.js';
import { toOperation } from '../operation-view.js';
import type { OperationQueue } from './operation-queue.js';

export interface FleetSubmitterOptions {
  readonly db: SqlDatabase;
  readonly operations: OperationsRepository;
  readonly accounts: AccountsRepository;
  readonly queue: OperationQueue;
  /** The runners the workers run: their kinds, parameter checks and priorities decide what is accepted. */
  readonly definitions: readonly RunnerDefinition<never, unknown, never, unknown>[];
  /** @default Date.now */
  readonly now?: () => number;
}

type Checked = { readonly kind: 'ok'; readonly row: NewOperation; readonly type: OperationType } | { readonly kind: 'refused'; readonly result: SubmitResult };

/**
 * Submits operations to the workers (docs/several-processes.md): each is checked as the engine would check it (its
 * kind, its parameters, its account), then its row (R9) and its job are written in ONE transaction, so there is never
 * a job without a row nor a row that no worker will hear of. Pinned work goes to its account's queue, the rest to the
 * unassigned one, which workers pull from when they have an account free.
 */
export class FleetSubmitter {
  readonly #options: FleetSubmitterOptions;
  readonly #runners: Map<string, AnyDefinition>;

  constructor(options: FleetSubmitterOptions) {
    this.#options = options;
    this.#runners = new Map(options.definitions.map((def) => [def.kind, def as unknown as AnyDefinition]));
  }

  /** Submits one operation; a refusal changes nothing. */
  async submit(request: SubmitRequest): Promise<SubmitResult> {
    const [result] = await this.submitMany([request]);
    return result as SubmitResult;
  }

  /** Submits many operations in one transaction; refused ones are reported in place and change nothing. */
  async submitMany(requests: readonly SubmitRequest[]): Promise<SubmitResult[]> {
    const { db, operations, queue, now = Date.now } = this.#options;
    const checked = await Promise.all(requests.map((request) => this.#check(request)));
    const at = now();
    const results = await db.transaction(async (tx) => {
      const out: SubmitResult[] = [];
      for (const c of checked) {
        if (c.kind === 'refused') {
          out.push(c.result);
          continue;
        }
        const id = await operations.insert(c.row, at, tx);
        await queue.enqueue(tx, { operationId: id, kind: c.row.kind, accountId: c.row.pinnedAccountId, priority: c.row.priority });
        out.push({ kind: 'queued', operation: queuedView(id, c.row, c.type, at) });
      }
      return out;
    });
    queue.wake();
    return results;
  }

  async #check(request: SubmitRequest): Promise<Checked> {
    const refuse = (reason: Extract<SubmitResult, { kind: 'refused' }>['reason'], message: string): Checked => ({ kind: 'refused', result: { kind: 'refused', reason, message } });
    const def = this.#runners.get(request.kind);
    if (!def) return refuse('invalid', `Unknown operation "${request.kind}".`);
    let params: unknown = request.params ?? null;
    if (def.parse) {
      try {
        params = def.parse(params);
      } catch (error) {
        return refuse('invalid', (error as Error).message);
      }
    }
    const pinned = request.accountId ?? null;
    if (pinned !== null) {
      const account = await this.#options.accounts.get(pinned);
      if (account === undefined) return refuse('not_found', `Account #${pinned} does not exist.`);
      if (account.health === 'dead') return refuse('dead', `Account #${pinned} is dead: its session no longer works.`);
    }
    const priority = priorityOf(request.priority, def.priority, def.type);
    if (priority === undefined) return refuse('invalid', 'The priority must be a whole number.');
    return {
      kind: 'ok',
      type: def.type,
      row: {
        kind: def.kind,
        params,
        pinnedAccountId: pinned,
        priority,
        requestedBy: request.requestedBy ?? null,
        reportChatId: request.reportChatId ?? null,
        parentId: request.parentId ?? null,
      },
    };
  }
}

function queuedView(id: number, row: NewOperation, type: OperationType, at: number): Operation {
  return toOperation(insertedRow(row, id, at), type, row.pinnedAccountId);
}
