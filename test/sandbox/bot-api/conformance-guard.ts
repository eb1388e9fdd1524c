import { afterEach } from 'vitest';
import type { BotApiServer } from '../../../src/sandbox/bot-api/index.js';

const watched = new Set<BotApiServer>();

/*
 * Registered when the first test harness imports this module, before the test file registers its own
 * hooks: vitest runs after-hooks last-registered first, so this check runs after the harnesses have
 * stopped their bots and servers, and sees every exchange.
 */
afterEach(() => {
  const servers = [...watched];
  watched.clear();
  for (const server of servers) server.conformance.assertNone();
});

/**
 * Fails the current test, after it ends, when any exchange of `server` broke the Bot API
 * specification; the error names the method and the field. Every harness that starts a local Bot API
 * server (or an app with one) passes it here. Returns the server.
 */
export function guardConformance<T extends BotApiServer | undefined>(server: T): T {
  if (server !== undefined) watched.add(server);
  return server;
}
