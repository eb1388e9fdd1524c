import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { afterEach } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { BotApiServer } from '../../src/sandbox/bot-api/index.js';
import type { TraceEntry, WorldInput } from '../../src/sandbox/index.js';
import { silentLogger } from '../engine/harness.js';
import { guardConformance } from '../sandbox/bot-api/conformance-guard.js';

export interface PanelStartOptions {
  /**
   * More environment for the configuration, over the test's own database, world and trace.
   * @default {}
   */
  readonly env?: Readonly<Record<string, string>>;
  /** @default silentLogger() */
  readonly logger?: Logger;
  /**
   * How often progress messages may be edited, in ms.
   * @default 100
   */
  readonly progressIntervalMs?: number;
}

/**
 * The whole panel as `npm start` builds it (sandbox world, engine, GramJS, the local Bot API server under
 * the conformance check, the real grammY bot), in a directory of its own per test: its database file
 * outlives a restart within the test; the panel is stopped and the directory removed after each test.
 */
export function panelApps(prefix: string) {
  let dir: string | undefined;
  let app: App | undefined;
  afterEach(async () => {
    await app?.stop();
    app = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  const path = (file: string) => {
    if (!dir) throw new Error('no panel was started in this test');
    return join(dir, file);
  };
  return {
    async start(world: WorldInput, options: PanelStartOptions = {}): Promise<App> {
      dir ??= mkdtempSync(join(tmpdir(), prefix));
      const worldPath = join(dir, 'world.json');
      writeFileSync(worldPath, JSON.stringify(world));
      const config = loadConfig({ DATABASE_PATH: join(dir, 'panel.db'), SANDBOX_WORLD: worldPath, SANDBOX_TRACE: join(dir, 'trace.jsonl'), ...options.env });
      app = await createApp({ config, logger: options.logger ?? silentLogger(), botOptions: { progressIntervalMs: options.progressIntervalMs ?? 100 } });
      guardConformance(app.botApi);
      await app.start();
      return app;
    },
    /** A file in this test's directory. */
    path,
    /** Every request the sandbox served so far (complete once the panel has stopped). */
    trace(): TraceEntry[] {
      return readFileSync(path('trace.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as TraceEntry);
    },
  };
}

/** The panel's embedded Bot API server. */
export function botApiOf(app: App): BotApiServer {
  if (!app.botApi) throw new Error('no embedded Bot API server');
  return app.botApi;
}
