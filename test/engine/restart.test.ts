import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { registerSteps, STEPS } from './fixtures/steps-runner.js';
import { until } from '../until.js';
import { silentLogger } from './harness.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function openEngine(path: string, accounts: number): Promise<{ db: DatabaseHandle; engine: Engine }> {
  const db = createDatabase(path);
  const engine = createEngine({ db, logger: silentLogger(), scrapeConcurrency: 3 });
  registerSteps(engine, db);
  for (let i = 1; i <= accounts; i += 1) await engine.addAccount({ phone: `+1555000000${i}` });
  return { db, engine };
}

/** Every operation succeeded once, and each of its steps left exactly one effect. */
function expectExactlyOnce(db: DatabaseHandle, count: number): void {
  const statuses = db.sqlite.prepare('select status, count(*) as n from operations group by status').all();
  expect(statuses).toEqual([{ status: 'succeeded', n: count }]);
  const effects = db.sqlite.prepare('select operation_id, step, count(*) as n from effects group by operation_id, step having n <> 1').all();
  expect(effects).toEqual([]);
  expect(db.sqlite.prepare('select count(*) as n from effects').get()).toEqual({ n: count * STEPS });
  expect(db.sqlite.prepare('select total, succeeded from operation_stats where kind = ?').get('steps')).toEqual({ total: count, succeeded: count });
}

describe('Engine restart', () => {
  it('resumes interrupted and queued operations from their checkpoints after a stop, each completing exactly once', async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-restart-'));
    const path = join(dir, 'restart.db');
    const first = await openEngine(path, 3);
    await first.engine.start();
    // Stopped once a step has been checkpointed: then the work is surely midway, however slow the machine.
    const checkpointed = new Promise<void>((resolve) => first.engine.events.once('operation:progress', () => resolve()));
    const submitted = first.engine.submitMany(Array.from({ length: 12 }, () => ({ kind: 'steps' })));
    expect(submitted.every((r) => r.kind === 'queued')).toBe(true);
    await checkpointed;
    await first.engine.stop();
    first.db.close();

    const reopened = createDatabase(path);
    const midway = reopened.sqlite.prepare(`select count(*) as n from operations where status = 'queued' and checkpoint is not null`).get() as { n: number };
    expect(midway.n).toBeGreaterThan(0);
    expect(reopened.sqlite.prepare(`select count(*) as n from operations where status = 'running'`).get()).toEqual({ n: 0 });
    reopened.close();

    const second = createDatabase(path);
    const engine = createEngine({ db: second, logger: silentLogger(), scrapeConcurrency: 3 });
    registerSteps(engine, second);
    await engine.start();
    const ids = (second.sqlite.prepare('select id from operations').all() as Array<{ id: number }>).map((r) => r.id);
    await Promise.all(ids.map((id) => engine.waitFor(id)));
    await engine.stop();
    expectExactlyOnce(second, 12);
    second.close();
  });

  it('loses nothing when the process is killed with SIGKILL mid-run', async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-crash-'));
    const path = join(dir, 'crash.db');
    const count = 9;
    const worker = fork(join(import.meta.dirname, 'fixtures/crash-worker.ts'), [path, String(count)], {
      execArgv: ['--import', 'tsx'],
      stdio: 'ignore',
    });
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('exit', (code) => reject(new Error(`worker exited early with ${code}`)));
    });
    // Let it get partway, then pull the plug.
    const probe = createDatabase(path);
    const progressed = () => (probe.sqlite.prepare('select count(*) as n from effects').get() as { n: number }).n;
    await until(() => progressed() >= 8, 'eight steps of the worker');
    worker.kill('SIGKILL');
    await new Promise((resolve) => worker.once('exit', resolve));
    const done = progressed();
    expect(done).toBeLessThan(count * STEPS);
    expect((probe.sqlite.prepare(`select count(*) as n from operations where status = 'running'`).get() as { n: number }).n).toBeGreaterThan(0);
    probe.close();

    const { db, engine } = await openEngine(path, 0);
    await engine.start();
    const ids = (db.sqlite.prepare('select id from operations').all() as Array<{ id: number }>).map((r) => r.id);
    expect(ids).toHaveLength(count);
    await Promise.all(ids.map((id) => engine.waitFor(id)));
    await engine.stop();
    expectExactlyOnce(db, count);
    db.close();
  });
});
