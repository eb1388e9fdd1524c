import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_DEVICE_PROFILE } from '../../../src/engine/clients/device-profile.js';
import { sessionString } from '../../../src/engine/clients/session-string.js';
import { buildTelegramClient } from '../../../src/engine/clients/telegram-client.js';
import { startWorldThread, WorldThreadError, type WorldThread } from '../../../src/sandbox/host/world-thread.js';
import { parseWorld, sandboxTransport, type TraceEntry } from '../../../src/sandbox/index.js';
import { silentLogger } from '../../engine/harness.js';
import { ALPHA, testWorldInput } from '../helpers.js';

let dir: string;
let thread: WorldThread | undefined;
afterEach(async () => {
  await thread?.stop();
  thread = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('World thread', () => {
  it('does host the world off this thread, serve it on a loopback port and write the trace there', async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-world-thread-'));
    const tracePath = join(dir, 'trace.jsonl');
    thread = await startWorldThread({ world: parseWorld(testWorldInput({ latencyMs: 2 })), tracePath, logger: silentLogger() });
    expect(thread.address).toMatch(/^127\.0\.0\.1:\d+$/);
    const info = await thread.endpoint.info();
    const alpha = info.accounts.find((a) => a.phone === ALPHA)!;
    const client = buildTelegramClient(
      { session: await sessionString(alpha.dcId, alpha.authKey), credentials: { apiId: 31337, apiHash: 'a'.repeat(32) }, device: DEFAULT_DEVICE_PROFILE },
      { transport: sandboxTransport(thread.endpoint), connectionRetries: 1 },
    );
    await client.connect();
    expect((await client.getMe()).firstName).toBe('Alpha');
    await client.destroy();
    // Each line is written before its request is answered.
    const lines = readFileSync(tracePath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TraceEntry);
    expect(lines.find((l) => l.method === 'InitConnection')).toMatchObject({ account: ALPHA, apiId: 31337, proxy: null });
    expect(lines.some((l) => l.method === 'users.GetUsers' && 'ok' in l)).toBe(true);
  });

  it('does refuse to start with a plain message when the port is taken', async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-world-thread-'));
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const start = startWorldThread({ world: parseWorld(testWorldInput()), port, logger: silentLogger() });
      await expect(start).rejects.toThrow(WorldThreadError);
      await expect(start).rejects.toThrow(/could not start: .*EADDRINUSE/);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
