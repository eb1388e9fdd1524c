import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { createWorkerApp } from '../src/worker-app.js';
import { silentLogger } from './engine/harness.js';

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
});
