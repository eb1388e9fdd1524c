import type { StoredOperation } from './operation-store.js';
import type { Operation, OperationType } from './types.js';

/** The public view of a stored operation: what events, `getOperation` and the bot see. */
export function toOperation(row: StoredOperation, type: OperationType, accountId: number | null, notice: string | null = null): Operation {
  return {
    id: row.id,
    kind: row.kind,
    type,
    params: row.params,
    status: row.status,
    priority: row.priority,
    pinnedAccountId: row.pinnedAccountId,
    accountId,
    attempts: row.attempts,
    progress: { done: row.progressDone, total: row.progressTotal },
    result: row.result ?? null,
    error: row.errorKind ? { kind: row.errorKind, message: row.errorMessage ?? '' } : null,
    notice,
    requestedBy: row.requestedBy,
    reportChatId: row.reportChatId,
    reportMessageId: row.reportMessageId,
    parentId: row.parentId,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  };
}
