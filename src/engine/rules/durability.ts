// R9 durability (README, "Engine rules"): operations are rows in SQLite before they run (admission inserts
// them first); queued and running work survives a crash or restart and resumes from its checkpoint; the
// checkpoint and the rows it covers are written in one transaction (saveWith), so members are upserted
// idempotently and nothing is lost or duplicated.
import type { AnyDefinition, LiveOp } from '../live-operation.js';
import type { OperationStore, StoredOperation } from '../operation-store.js';
import type { CheckpointStore } from '../types.js';

/**
 * At start: every operation left queued or running by the last process is taken up again. One that was
 * running goes back to queued (its run died with the process) and resumes from its checkpoint; one whose
 * kind no runner handles any more fails saying so. `resume` is called for each, in id order, as it is
 * read, so it is placed before the next is looked at. Answers how many were resumed.
 */
export function resumeUnfinished(
  ops: OperationStore,
  runners: ReadonlyMap<string, AnyDefinition>,
  now: () => number,
  resume: (row: StoredOperation, def: AnyDefinition) => void,
): number {
  let resumed = 0;
  for (const row of ops.unfinished()) {
    const def = runners.get(row.kind);
    if (!def) {
      ops.finish(row, { status: 'failed', errorKind: 'invalid', errorMessage: `No runner for operation kind "${row.kind}".`, durationMs: 0 }, null, now());
      continue;
    }
    if (row.status === 'running') {
      ops.requeue(row.id, row.notBefore, null, now());
      row.status = 'queued';
    }
    resumed += 1;
    resume(row, def);
  }
  return resumed;
}

/** The runner's checkpoint: persisted in the operation's row, mirrored in memory for the next attempt. */
export function checkpointStore(op: LiveOp, ops: OperationStore, now: () => number): CheckpointStore {
  const id = op.row.id;
  return {
    get: () => op.row.checkpoint,
    save: (value) => {
      ops.saveCheckpoint(id, value, now());
      Object.assign(op.row, { checkpoint: value });
    },
    saveWith: async (write, next) => {
      const { result, value } = await ops.saveCheckpointWith(id, now(), write, next);
      Object.assign(op.row, { checkpoint: value });
      return result;
    },
    adopt: (value) => {
      Object.assign(op.row, { checkpoint: value });
    },
  };
}
