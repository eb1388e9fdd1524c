import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { guardConformance } from './sandbox/bot-api/conformance-guard.js';
import { until } from './until.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('App', () => {
  it('starts in sandbox mode with no configuration, says so, and stops cleanly', async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-app-'));
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk.toString());
        callback();
      },
    });
    const config = loadConfig({ DATABASE_PATH: join(dir, 'app.db') });
    const app = await createApp({ config, logger: createLogger({ destination }) });
    guardConformance(app.botApi);
    await app.start();
    expect(lines.join('')).toContain('sandbox mode');
    // The demo world's logged-in accounts are registered and connected.
    const accounts = app.engine.listAccounts();
    expect(accounts.length).toBeGreaterThanOrEqual(3);
    await until(() => app.engine.listAccounts().every((a) => a.state === 'idle'), 'every account to be connected and idle');
    await app.stop();
    await app.stop();
    expect(lines.join('')).toContain('Switchboard stopped');
    expect(() => app.db.sqlite.prepare('select 1')).toThrow(/not open/);
  });
});
