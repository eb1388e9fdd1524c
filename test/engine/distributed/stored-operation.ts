import type { StoredOperation } from '../../../src/engine/operation-store.js';

/** A stored row of a queued scrape, created at `createdAt`, with `fields` over it. */
export function storedOperation(id: number, fields: Partial<StoredOperation> = {}, createdAt = 1_800_000_000_000): StoredOperation {
  return {
    id,
    kind: 'scrape',
    params: {},
    pinnedAccountId: null,
    assignedAccountId: null,
    status: 'queued',
    priority: 5,
    attempts: 0,
    checkpoint: null,
    progressDone: 0,
    progressTotal: null,
    result: null,
    errorKind: null,
    errorMessage: null,
    requestedBy: null,
    reportChatId: null,
    reportMessageId: null,
    parentId: null,
    notBefore: null,
    createdAt,
    startedAt: null,
    finishedAt: null,
    ...fields,
  };
}
