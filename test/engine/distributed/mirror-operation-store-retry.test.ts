import { describe, expect, it } from 'vitest';
import type { SqlExecutor } from '../../../src/db/sql/sql-port.js';
import { MirrorOperations, type Fence, type OperationWrites } from '../../../src/engine/distributed/mirror-operation-store.js';
import { WriteBehind } from '../../../src/engine/distributed/write-behind.js';
import { silentLogger } from '../harness.js';

/** How the next transaction ends: committed, lost before its COMMIT (rolled back), or lost once committed. */
type Ending = 'commit' | 'lost-rolled-back' | 'lost-committed';

/**
 * An operations table of one checkpoint and a member list, behind a fence whose transactions can lose their
 * connection: the writes of a transaction are staged and applied only if it commits.
 */
function table(endings: Ending[]) {
  const committed = { checkpoint: undefined as unknown, members: [] as string[] };
  let staged: { checkpoint?: unknown; members: string[] } = { members: [] };
  const tx = {} as SqlExecutor;
  const repo = {
    saveCheckpoint: (_id: number, value: unknown) => {
      staged.checkpoint = value;
      return Promise.resolve();
    },
    lockedCheckpoint: () => Promise.resolve(committed.checkpoint),
  } as unknown as OperationWrites;
  const fence: Fence = async (_accountId, body) => {
    staged = { members: [] };
    const result = await body(tx);
    const ending = endings.shift() ?? 'commit';
    if (ending !== 'lost-rolled-back') {
      if ('checkpoint' in staged) committed.checkpoint = staged.checkpoint;
      committed.members.push(...staged.members);
    }
    if (ending !== 'commit') throw new Error('Connection terminated unexpectedly');
    return result;
  };
  const stage = (names: string[]) => {
    // Like the member store: a member already stored is not counted again.
    const fresh = names.filter((n) => !committed.members.includes(n));
    staged.members.push(...fresh);
    return Promise.resolve(fresh.length);
  };
  const operations = new MirrorOperations(new WriteBehind({ logger: silentLogger(), retryMs: 1 }), repo, fence);
  return { committed, operations, stage };
}

describe('MirrorOperations', () => {
  it('does store a page once when its commit went through but the connection was lost before the answer', async () => {
    const { committed, operations, stage } = table(['lost-committed']);
    let writes = 0;
    const saved = await operations.saveCheckpointWith(
      1,
      0,
      () => {
        writes += 1;
        return stage(['a', 'b']);
      },
      (inserted: number) => ({ offset: 2, inserted }),
    );
    expect(writes).toBe(1);
    expect(saved).toEqual({ result: 2, value: { offset: 2, inserted: 2 } });
    expect(committed).toEqual({ checkpoint: { offset: 2, inserted: 2 }, members: ['a', 'b'] });
  });

  it('does store a page again when the connection was lost before its commit', async () => {
    const { committed, operations, stage } = table(['lost-rolled-back', 'lost-rolled-back']);
    let writes = 0;
    const saved = await operations.saveCheckpointWith(
      1,
      0,
      () => {
        writes += 1;
        return stage(['a', 'b']);
      },
      (inserted: number) => ({ offset: 2, inserted }),
    );
    expect(writes).toBe(3);
    expect(saved).toEqual({ result: 2, value: { offset: 2, inserted: 2 } });
    expect(committed).toEqual({ checkpoint: { offset: 2, inserted: 2 }, members: ['a', 'b'] });
  });
});
