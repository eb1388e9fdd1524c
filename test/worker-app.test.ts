import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import type { WorldInput } from '../src/sandbox/index.js';
import { createWorkerApp, type WorkerApp } from '../src/worker-app.js';
import { DatabaseLink } from './e2e/fleet-db-link.js';
import { Fleet } from './e2e/fleet-harness.js';
import { worldAccounts } from './e2e/telegram-harness.js';
import { silentLogger } from './engine/harness.js';
import { until } from './until.js';

const MEMBERS = 6000;
const WORLD: WorldInput = {
  latencyMs: 20,
  participantsCap: 10_000,
  accounts: worldAccounts(1),
  chats: [{ id: 3001, kind: 'supergroup', username: 'cutchat', title: 'Cut', members: { from: 300_000, count: MEMBERS } }],
};
/** Worker start, lease expiry (3 s) and a scrape; each wait ends as soon as its condition holds. */
const SLOW = { intervalMs: 20, tries: 3000 };

let fleet: Fleet | undefined;
let link: DatabaseLink | undefined;
let worker: WorkerApp | undefined;
afterEach(async () => {
  await link?.cut();
  await worker?.stop();
  await fleet?.stop();
  fleet = undefined;
  link = undefined;
  worker = undefined;
});

describe('createWorkerApp', () => {
  it('does refuse to start without DATABASE_URL, naming it', async () => {
    const config = loadConfig({});
    const error = await createWorkerApp({ config, logger: silentLogger() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe('DATABASE_URL');
  });

  it('does refuse a sandbox worker that would host a world of its own, naming SANDBOX_CONNECT', async () => {
    const config = loadConfig({ ROLE: 'worker', DATABASE_URL: 'postgres://switchboard:pg-secret@127.0.0.1:1/none' });
    const error = await createWorkerApp({ config, logger: silentLogger() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe('SANDBOX_CONNECT');
    expect((error as Error).message).not.toContain('pg-secret');
  });

  it('does stop within its cleanup budget when PostgreSQL is gone mid-scrape, and the next holder loses nothing', { timeout: 120_000 }, async () => {
    fleet = new Fleet({ world: WORLD, scrapeConcurrency: 1, leaseSeconds: 3 });
    await fleet.start();
    const f = fleet;
    link = await DatabaseLink.open(fleet.url);
    const submitted = await fleet.submitter.submitMany([{ kind: 'scrape', params: { target: '@cutchat' } }]);
    expect(submitted.every((r) => r.kind === 'queued')).toBe(true);
    const config = loadConfig({
      ROLE: 'worker',
      TELEGRAM_MODE: 'sandbox',
      DATABASE_URL: link.url,
      SANDBOX_CONNECT: fleet.address,
      WORKER_NAME: 'cut-off',
      LEASE_SECONDS: '3',
      SCRAPE_CONCURRENCY: '1',
    });
    worker = await createWorkerApp({ config, logger: silentLogger(), cleanupMs: 300 });
    await worker.start();
    const stored = async () => (await f.membersPerChat()).get(3001) ?? 0;
    await until(async () => (await stored()) > 0, 'the scrape to store a page', SLOW);

    await link.cut();
    let stopped = false;
    const stopping = worker.stop().then(() => {
      stopped = true;
    });
    await until(() => stopped, 'stop() to end with the database gone', SLOW);
    await stopping;
    expect(await stored()).toBeLessThan(MEMBERS);

    // Its lease runs out; the next holder resumes from the last checkpoint stored, as after a crash.
    const next = fleet.spawnWorker('next');
    await until(async () => ((await f.statuses()).succeeded ?? 0) === 1, 'the next holder to finish the scrape', SLOW);
    expect(await stored()).toBe(MEMBERS);
    const [row] = await fleet.db.sql.all<{ result: string }>(sql`select result from operations`);
    expect((JSON.parse(row?.result ?? '{}') as { found: number }).found).toBe(MEMBERS);
    expect(next.child.exitCode).toBeNull();
  });
});
