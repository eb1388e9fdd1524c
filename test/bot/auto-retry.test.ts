import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBot, startPolling } from '../../src/bot/index.js';
import type { Polling } from '../../src/bot/run.js';
import { loadConfig } from '../../src/config.js';
import type { BotApiCall } from '../../src/sandbox/bot-api/index.js';
import { createHarness, silentLogger, type Harness } from '../engine/harness.js';
import { TOKEN, startServer } from '../sandbox/bot-api/helpers.js';
import { until } from '../until.js';
import { ADMIN } from './harness.js';

/** Taken before the test shortens one timer. */
const realSetTimeout = globalThis.setTimeout;
const admin = { id: ADMIN, first_name: 'Ada' };
/** Distinctive, so no other timer of the panel asks for exactly this long. */
const RETRY_AFTER_S = 7;

let polling: Polling | undefined;
let engineHarness: Harness | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await polling?.stop();
  await engineHarness?.engine.stop();
  engineHarness?.db.close();
  polling = undefined;
  engineHarness = undefined;
});

describe('the panel under Telegram flood limits', () => {
  it('waits the retry_after of a 429 and then sends, through @grammyjs/auto-retry', async () => {
    const { server, url } = await startServer({ longPollSecondMs: 20, users: [admin] });
    engineHarness = await createHarness(1);
    // The panel's own retry path, as in production: createBot installs auto-retry by default.
    const bot = createBot({
      config: loadConfig({ ADMIN_IDS: String(ADMIN), BOT_TOKEN: TOKEN }),
      logger: silentLogger(),
      engine: engineHarness.engine,
      db: engineHarness.db,
      monitors: { stopMonitor: () => false },
      apiRoot: url,
    });
    polling = await startPolling(bot);

    // auto-retry sleeps with setTimeout(1000 * retry_after): that one wait is recorded and made short,
    // so the test proves the panel waited as told without sleeping 7 real seconds.
    const waits: number[] = [];
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((callback: () => void, ms?: number) => {
      if (ms === RETRY_AFTER_S * 1000) {
        waits.push(ms);
        return realSetTimeout(callback, 1);
      }
      return realSetTimeout(callback, ms);
    }) as typeof setTimeout);

    const calls: BotApiCall[] = [];
    server.onCall((call) => {
      if (call.method === 'sendMessage') calls.push(call);
    });
    server.tooManyRequests({ method: 'sendMessage', count: 2, retryAfter: RETRY_AFTER_S });
    const panel = server.waitFor((m) => m.text?.startsWith('📟 Switchboard status') ?? false);
    server.userSends(admin, '/status');
    expect((await panel).chatId).toBe(ADMIN);
    // The message is stored as the call runs; its answer is reported a moment later.
    await until(() => calls.length === 3, 'the answer to the third sendMessage');
    expect(calls.map((c) => [c.status, c.description])).toEqual([
      [429, `Too Many Requests: retry after ${RETRY_AFTER_S}`],
      [429, `Too Many Requests: retry after ${RETRY_AFTER_S}`],
      [200, undefined],
    ]);
    expect(waits).toEqual([RETRY_AFTER_S * 1000, RETRY_AFTER_S * 1000]);
  });
});
