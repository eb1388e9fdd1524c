import { randomBytes } from 'node:crypto';
import { Api, type TelegramClient } from 'telegram';
import bigInt from 'big-integer';
import { OperationFailure } from '../errors.js';
import type { RunnerDefinition } from '../types.js';

export interface ProxyCheckResult {
  /** One request's round trip through the account's connection (and so its proxy), in ms. */
  readonly rttMs: number;
}

/** The kind /proxy check submits (README.md, "Proxies"). */
export const PROXY_CHECK = 'proxy-check';

/**
 * Times one MTProto `ping` on the account's connection, which goes through its proxy: the round trip the
 * proxy gives every request. An operation, so it waits for the account's running work like anything else
 * (R1) instead of measuring a connection that is busy with a scrape page.
 */
export function proxyCheckOperation(now: () => number = () => performance.now()): RunnerDefinition<null, TelegramClient | undefined, never, ProxyCheckResult> {
  return {
    kind: PROXY_CHECK,
    type: 'other',
    internal: true,
    timeoutMs: 30_000,
    run: async ({ account, signal }) => {
      if (!account.client) throw new OperationFailure({ kind: 'error', message: `Account #${account.id} has no Telegram client.` });
      signal.throwIfAborted();
      const started = now();
      await account.client.invoke(new Api.Ping({ pingId: bigInt(randomBytes(6).readUIntBE(0, 6)) }));
      return { rttMs: Math.round(now() - started) };
    },
  };
}
