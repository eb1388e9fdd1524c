import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase } from '../../../src/db/client.js';
import { createMonitorsRepository } from '../../../src/db/repositories/monitors.js';
import { createAccountStore } from '../../../src/engine/account-store.js';
import { registerTelegramOperations, type TelegramOperations, type TelegramRunners } from '../../../src/engine/operations/index.js';
import { parseMonitorParams } from '../../../src/engine/operations/monitor.js';
import type { RunnerDefinition } from '../../../src/engine/types.js';
import { until } from '../../until.js';
import { createHarness, type Harness } from '../harness.js';

/** Monitor and scrape runners that hold their account until they are stopped: work piles up behind them. */
function holdingRunners(): TelegramRunners {
  const hold = (kind: string, type: 'monitoring' | 'scraping') =>
    ({
      kind,
      type,
      ...(kind === 'monitor' ? { parse: parseMonitorParams } : {}),
      run: ({ signal }: { signal: AbortSignal }) =>
        new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true })),
    }) as unknown as RunnerDefinition<never, never, never, unknown>;
  return { definitions: [hold('monitor', 'monitoring'), hold('scrape', 'scraping')] as unknown as TelegramRunners['definitions'], stopMonitor: () => Promise.resolve(false), abortMonitor: () => false };
}

let dir: string | undefined;
let running: Harness | undefined;
afterEach(async () => {
  await running?.engine.stop();
  running?.db.close();
  running = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A panel's engine with the Telegram operations' re-arming, on the database at `path`. */
async function panel(path: string, newAccounts: number): Promise<{ harness: Harness; operations: TelegramOperations }> {
  const db = createDatabase(path);
  let operations: TelegramOperations | undefined;
  const harness = await createHarness(newAccounts, {
    db,
    register: (engine) => {
      operations = registerTelegramOperations(engine, { db, health: { enabled: false } }, holdingRunners());
    },
  });
  running = harness;
  return { harness, operations: operations! };
}

describe('Monitor re-arming', () => {
  it('does not arm a monitor twice after a restart, however much work waits before it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-rearm-'));
    const path = join(dir, 'rearm.db');
    const first = await panel(path, 2);
    const monitor = await createMonitorsRepository(first.harness.db).create({ target: '@watched', keywords: ['bike'] });
    const { engine } = first.harness;
    // Both accounts are busy, so the monitor's operation waits, and more than a thousand newer ones after it.
    engine.submitMany(Array.from({ length: 2 }, () => ({ kind: 'scrape', params: { target: '@busy' } })));
    await until(() => engine.metrics().active.scraping === 2, 'both accounts busy');
    expect(engine.submit({ kind: 'monitor', accountId: 1, params: { target: '@watched', keywords: ['bike'], monitorId: monitor.id } }).kind).toBe('queued');
    engine.submitMany(Array.from({ length: 1100 }, () => ({ kind: 'scrape', params: { target: '@busy' } })));
    await engine.stop();
    // The monitor's account comes back cooling down (a flood wait), so its operation still waits when the
    // restarted panel re-arms the monitors.
    createAccountStore(first.harness.db).setCooldown(1, Date.now() + 3_600_000, Date.now());
    first.harness.db.close();
    running = undefined;

    const second = await panel(path, 0);
    await second.operations.start();
    expect(second.harness.engine.getAccount(1)?.state).toBe('cooling');
    const armed = second.harness.engine.unfinishedOperations('monitor');
    expect(armed.map((op) => (op.params as { monitorId: number }).monitorId)).toEqual([monitor.id]);
    expect(second.harness.engine.unfinishedOperations()).toHaveLength(1 + 1102);
  });
});
