import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { createMembersRepository } from '../../src/db/repositories/members.js';
import { createCheckpointWriter } from '../../src/engine/checkpoint-writer.js';

let dir: string | undefined;
const open: DatabaseHandle[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Two connections to one WAL file, as the engine's thread and the accounts thread have. */
function twoConnections(): [DatabaseHandle, DatabaseHandle] {
  dir = mkdtempSync(join(tmpdir(), 'switchboard-checkpoint-'));
  const path = join(dir, 'db.sqlite');
  const first = createDatabase(path);
  const second = createDatabase(path, { migrate: false, busyTimeoutMs: 0 });
  open.push(first, second);
  first.sqlite.prepare(`insert into operations (kind, status, params, priority, created_at, updated_at) values ('scrape', 'running', '{}', 5, 1, 1)`).run();
  return [first, second];
}

describe('CheckpointWriter', () => {
  it('does hold the write lock from the start, so a page that reads first is never refused its writes by the other thread', () => {
    const [mine, other] = twoConnections();
    const members = createMembersRepository(mine);
    members.upsertChat({ id: 1001, kind: 'supergroup' });
    const writer = createCheckpointWriter(mine);
    let otherWrite: unknown;
    const saved = writer.saveWith(
      1,
      2,
      () => {
        // The page reads first. A deferred transaction would now hold only a read snapshot: the other
        // connection could commit, and the page's first write would fail at once with SQLITE_BUSY.
        expect(members.countMembers(1001)).toBe(0);
        try {
          other.sqlite.prepare(`update operations set updated_at = 99 where id = 1`).run();
        } catch (error) {
          otherWrite = error;
        }
        return members.storeMembers(1001, [{ id: 5, username: 'five' }], { source: 'participants', now: 2 });
      },
      { page: 1 },
    );
    expect(saved.result.inserted).toBe(1);
    expect(otherWrite).toMatchObject({ code: 'SQLITE_BUSY' });
    expect(other.sqlite.prepare('select checkpoint from operations where id = 1').pluck().get()).toBe('{"page":1}');
  });
});
