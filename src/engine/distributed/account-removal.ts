import type { AccountsRepository } from '../../db/repositories/accounts.js';
import type { OperationsRepository } from '../../db/repositories/operations.js';
import type { SqlExecutor } from '../../db/sql/sql-port.js';
import type { StoredOperation } from '../operation-store.js';
import type { OperationQueue } from './operation-queue.js';

export interface AccountRemovalDeps {
  readonly accounts: Pick<AccountsRepository, 'delete'>;
  readonly operations: Pick<OperationsRepository, 'unfinishedForAccounts' | 'finish' | 'requeue' | 'unassign'>;
  readonly queue: Pick<OperationQueue, 'enqueue'>;
}

/** What became of the work bound to a removed account, by operation id. */
export interface RemovedAccountWork {
  /** Pinned to it: failed, as in one process (`no_account`); the rows as they were before. */
  readonly failed: readonly StoredOperation[];
  /** Placed on it but free to run elsewhere: back in `op-unassigned`, their checkpoints kept. */
  readonly handedBack: readonly number[];
}

/**
 * Deletes an account inside the caller's transaction `tx`, with the work still bound to it in the database handled
 * as one process handles a removed account's queue (AccountAdmin.remove): work pinned to it fails, other work moves
 * on (here: back to the unassigned queue, for whichever worker has an account free). Without this, work bound to it
 * whose job waits in the account's own queue would stay queued for good: nobody works the queue of an account that
 * is gone. A worker's engine handles its own copies too (AccountAdmin.remove): whichever write lands second changes
 * nothing (a finish fenced by the removed account's lease is refused; a job for work already taken up is dropped).
 * The caller makes sure nobody else holds the account (the holder's fenced transaction, or lockUnheldAccount).
 */
export async function removeAccountIn(
  tx: SqlExecutor,
  deps: AccountRemovalDeps,
  accountId: number,
  now: number,
): Promise<RemovedAccountWork> {
  const { accounts, operations, queue } = deps;
  const failed: StoredOperation[] = [];
  const handedBack: number[] = [];
  const message = `Account #${accountId} was removed.`;
  for (const row of await operations.unfinishedForAccounts([accountId], tx)) {
    if (row.pinnedAccountId === accountId) {
      await operations.finish(row, { status: 'failed', errorKind: 'no_account', errorMessage: message, durationMs: 0 }, null, now, tx);
      failed.push(row);
      continue;
    }
    // A run nobody holds any more (its worker let the account go, or died): queued again, from its checkpoint.
    if (row.status === 'running') await operations.requeue(row.id, null, null, now, tx);
    await operations.unassign(row.id, now, tx);
    await queue.enqueue(tx, { operationId: row.id, kind: row.kind, accountId: null, priority: row.priority });
    handedBack.push(row.id);
  }
  await accounts.delete(accountId, tx);
  return { failed, handedBack };
}
