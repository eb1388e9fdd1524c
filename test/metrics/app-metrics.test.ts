import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import type { Account, Engine } from '../../src/engine/index.js';
import type { WorldInput } from '../../src/sandbox/index.js';
import { panelApps } from '../e2e/panel-app.js';
import { submitOk, worldAccounts } from '../e2e/telegram-harness.js';
import { silentLogger } from '../engine/harness.js';
import { valueOf } from './prometheus-text.js';

const panel = panelApps('switchboard-metrics-');

const world: WorldInput = {
  latencyMs: 0,
  accounts: worldAccounts(2),
  chats: [{ id: 6001, kind: 'supergroup', username: 'metricschat', title: 'Metrics', members: { from: 1, count: 300 } }],
  // The second account's first member list meets a long flood wait: it cools down.
  faults: [{ account: '+15550000002', method: 'channels.GetParticipants', afterCalls: 0, error: 'FLOOD_WAIT_600', times: 1 }],
};

const urlOf = (app: App): string => {
  const url = app.metrics?.url;
  if (!url) throw new Error('the app serves no metrics');
  return url;
};
const scrape = async (app: App): Promise<string> => (await fetch(`${urlOf(app)}/metrics`)).text();
const accountOf = (engine: Engine<unknown>, phone: string): Account => {
  const account = engine.listAccounts().find((a) => a.phone === phone);
  if (!account) throw new Error(`no account ${phone}`);
  return account;
};
/** Resolves when `account` reaches `state`. */
const reaches = (engine: Engine<unknown>, id: number, state: Account['state']): Promise<void> =>
  new Promise((resolve) => {
    const listener = (account: Account) => {
      if (account.id !== id || account.state !== state) return;
      engine.events.off('account:state', listener);
      resolve();
    };
    engine.events.on('account:state', listener);
  });

describe('Metrics and health of the panel (METRICS_PORT)', () => {
  it('serves /metrics and /healthz for the running panel, and real operations move the numbers', async () => {
    const app = await panel.start(world, { env: { METRICS_PORT: '0', WORKER_NAME: 'panel-under-test' } });
    const url = urlOf(app);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', role: 'all', worker: 'panel-under-test', database: 'ok', engine: 'running' });

    const first = accountOf(app.engine, '+15550000001');
    const second = accountOf(app.engine, '+15550000002');
    const done = await app.engine.waitFor(submitOk(app.engine, { kind: 'scrape', accountId: first.id, params: { target: '@metricschat' } }).id);
    expect(done.status).toBe('succeeded');
    let text = await scrape(app);
    expect(valueOf(text, 'switchboard_operations_total', { kind: 'scrape', outcome: 'succeeded', role: 'all', worker: 'panel-under-test' })).toBe(1);
    expect(valueOf(text, 'switchboard_flood_waits_total')).toBe(0);
    expect(valueOf(text, 'switchboard_scrape_limit')).toBe(5);

    // A scrape pinned to the second account meets the flood wait: the account cools down and the scrape
    // waits for it, until it is cancelled.
    const cooling = reaches(app.engine, second.id, 'cooling');
    const pinned = submitOk(app.engine, { kind: 'scrape', accountId: second.id, params: { target: '@metricschat' } });
    await cooling;
    text = await scrape(app);
    expect(valueOf(text, 'switchboard_flood_waits_total')).toBe(1);
    expect(valueOf(text, 'switchboard_accounts', { state: 'cooling' })).toBe(1);
    expect(valueOf(text, 'switchboard_queue_depth')).toBe(1);
    app.engine.cancel(pinned.id);
    expect((await app.engine.waitFor(pinned.id)).status).toBe('cancelled');
    text = await scrape(app);
    expect(valueOf(text, 'switchboard_operations_total', { kind: 'scrape', outcome: 'cancelled' })).toBe(1);
    expect(valueOf(text, 'switchboard_queue_depth')).toBe(0);
    expect(valueOf(text, 'switchboard_lease_takeovers_total')).toBe(0);

    await app.stop();
    expect(app.metrics?.url).toBeUndefined();
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('serves nothing without METRICS_PORT', async () => {
    const app = await panel.start(world, { env: { ACCOUNTS_THREAD: 'off' } });
    expect(app.metrics).toBeUndefined();
  });

  it('stops the start with one line naming METRICS_PORT when the port is in use', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      await expect(panel.start(world, { env: { METRICS_PORT: String(port), ACCOUNTS_THREAD: 'off' } })).rejects.toThrow(
        `METRICS_PORT ${port} is in use by another program: choose another port or unset METRICS_PORT`,
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it.each([
    ['DATABASE_URL', { DATABASE_URL: 'postgres://switchboard:pg-secret@127.0.0.1:5432/switchboard' }],
    ['ROLE=worker', { ROLE: 'worker', DATABASE_URL: 'postgresql://switchboard:pg-secret@127.0.0.1/switchboard' }],
    ['ROLE=panel', { ROLE: 'panel', DATABASE_URL: 'postgresql://switchboard:pg-secret@127.0.0.1/switchboard' }],
  ])('refuses %s before opening anything: one process runs on SQLite, a panel and workers on PostgreSQL', async (_, env) => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-pg-'));
    try {
      const config = loadConfig({ DATABASE_PATH: join(dir, 'panel.db'), METRICS_PORT: '0', ...env });
      const error = await createApp({ config, logger: silentLogger() }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).variable).toBe('DATABASE_URL');
      expect((error as Error).message).toMatch(/^DATABASE_URL is set, but one process \(ROLE=all\) keeps everything in SQLite at DATABASE_PATH: on PostgreSQL run one process with ROLE=panel/);
      expect((error as Error).message).not.toContain('pg-secret');
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
