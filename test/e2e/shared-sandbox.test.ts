import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { TraceEntry, WorldInput } from '../../src/sandbox/index.js';
import { silentLogger } from '../engine/harness.js';
import { worldAccounts } from './telegram-harness.js';

const run = promisify(execFile);

const WORLD: WorldInput = {
  latencyMs: 1,
  participantsCap: 10_000,
  accounts: worldAccounts(2),
  chats: [
    { id: 1001, kind: 'supergroup', username: 'firstchat', title: 'First', members: { from: 1, count: 300 } },
    { id: 1002, kind: 'supergroup', username: 'secondchat', title: 'Second', members: { from: 5001, count: 450 } },
  ],
};

let dir: string | undefined;
let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('One simulated Telegram shared by two processes', () => {
  it('does serve the world of one process to another, whose scrape lands in the first one’s trace', async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-shared-'));
    const worldPath = join(dir, 'world.json');
    const tracePath = join(dir, 'trace.jsonl');
    writeFileSync(worldPath, JSON.stringify(WORLD));
    app = await createApp({
      config: loadConfig({ DATABASE_PATH: join(dir, 'first.db'), SANDBOX_WORLD: worldPath, SANDBOX_TRACE: tracePath, SANDBOX_SERVE: '127.0.0.1:0' }),
      logger: silentLogger(),
      polling: false,
    });
    await app.start();
    const address = app.sandbox?.address;
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);

    const { stdout } = await run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures/connected-panel.ts'), '@secondchat'], {
      env: {
        ...process.env,
        TELEGRAM_MODE: 'sandbox',
        // Its own app credential: the first process's trace tells its connections apart by it.
        API_ID: '777',
        API_HASH: 'b'.repeat(32),
        SANDBOX_CONNECT: address,
        DATABASE_PATH: join(dir, 'second.db'),
        LOG_LEVEL: 'silent',
      },
      timeout: 60_000,
    });
    const outcome = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { status: string; found: number; accounts: string[] };
    expect(outcome).toMatchObject({ status: 'succeeded', found: 450 });
    // The world's logged-in accounts came from the serving process, with their sessions.
    expect(outcome.accounts).toEqual(['+15550000001', '+15550000002']);

    const trace = readFileSync(tracePath, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as TraceEntry);
    const second = trace.filter((t) => t.method === 'InitConnection' && t.apiId === 777);
    expect(second.length).toBeGreaterThanOrEqual(1);
    // The first process scraped nothing: every member listing in its trace is the second's.
    const listings = trace.filter((t) => t.method === 'channels.GetParticipants' && 'ok' in t);
    expect(listings.length).toBeGreaterThanOrEqual(3);
    expect(app.engine.listOperations({ limit: 10 }).filter((op) => op.kind === 'scrape')).toEqual([]);
  });
});
