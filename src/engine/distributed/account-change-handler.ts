import type { Logger } from 'pino';
import type { SessionCipher } from '../../db/session-crypto.js';
import type { Engine } from '../engine.js';
import { parseProxyUrl, type ProxySetting } from '../proxy-url.js';
import type { EventBus } from './event-bus.js';
import type { AccountChange, AccountChangeOutcome, FleetEvents } from './fleet-events.js';

export interface AccountChangeHandlerOptions {
  /** The worker's engine: it removes an account and changes its proxy as in one process. */
  readonly engine: Pick<Engine<unknown>, 'getAccount' | 'removeAccount' | 'setProxy'>;
  readonly bus: EventBus<FleetEvents>;
  /** Opens the proxy the panel sealed (SESSION_SECRET). */
  readonly cipher: SessionCipher;
  /** Whether this worker holds the account's lease now. */
  readonly holds: (accountId: number) => boolean;
  /**
   * The removal of an account's row the engine just made, written behind and fenced by the lease: resolves true once
   * committed, false when refused (MirrorAccounts.removal).
   */
  readonly removal: (accountId: number) => Promise<boolean> | undefined;
  /** Stops working a removed account's queue and drops its waiting jobs (OperationQueue.forgetAccountQueue). */
  readonly dropQueue: (accountId: number) => Promise<void>;
  /** The worker's name, for the admin's answer. */
  readonly workerName: string;
  readonly logger: Logger;
}

/**
 * The worker's side of `account:change` (docs/several-processes.md): the holder of an account — and only it, since its
 * lane and connection are here and its writes are fenced by the lease — removes it or connects it through another
 * proxy, as the engine of one process does, and answers the panel with `account:changed`. Changes to one account are
 * carried out one after the other, in the order they arrive.
 * @returns a function that stops listening
 */
export function handleAccountChanges(options: AccountChangeHandlerOptions): () => void {
  const { bus, holds, engine, logger } = options;
  const chains = new Map<number, Promise<void>>();
  const off = bus.subscribe((event, args) => {
    if (event !== 'account:change') return;
    const [accountId, change, requestId] = args as FleetEvents['account:change'];
    // Another worker's account: its holder answers.
    if (!holds(accountId) || engine.getAccount(accountId) === undefined) return;
    const next = (chains.get(accountId) ?? Promise.resolve())
      .then(() => carryOut(options, accountId, change))
      .catch((error: unknown): AccountChangeOutcome => {
        logger.error({ err: error, accountId, change: change.kind }, 'could not change an account at the panel’s request');
        return { kind: 'refused', message: `Worker ${options.workerName} could not change account #${accountId}: ${error instanceof Error ? error.message : String(error)}` };
      })
      .then((outcome) => {
        logger.info({ accountId, change: change.kind, outcome: outcome.kind }, 'account changed at the panel’s request');
        return bus.publish('account:changed', requestId, outcome);
      })
      .catch((error: unknown) => logger.warn({ err: error, accountId }, 'could not answer the panel'));
    chains.set(accountId, next);
    void next.then(() => {
      if (chains.get(accountId) === next) chains.delete(accountId);
    });
  });
  return off;
}

async function carryOut(options: AccountChangeHandlerOptions, accountId: number, change: AccountChange): Promise<AccountChangeOutcome> {
  const { engine, cipher, removal, dropQueue, workerName, logger } = options;
  if (change.kind === 'proxy') {
    let proxy: ProxySetting | null = null;
    if (change.sealed !== null) {
      const parsed = parseProxyUrl(cipher.decrypt(change.sealed));
      // The panel read this URL before sealing it: a failure here means another SESSION_SECRET, never a bad URL.
      if (!parsed.ok) return { kind: 'refused', message: `Worker ${workerName} could not read the proxy it was given: ${parsed.reason}. Nothing was changed.` };
      proxy = parsed.proxy;
    }
    const result = await engine.setProxy(accountId, proxy);
    return result.kind === 'ok' ? { kind: 'proxy', account: result.account, reconnect: result.reconnect } : { kind: 'refused', message: result.message };
  }
  // Its runs end and its client disconnects here first, as in one process; then its row goes, fenced by the lease.
  const result = await engine.removeAccount(accountId);
  if (result.kind !== 'ok') return { kind: 'refused', message: result.message };
  const written = await removal(accountId);
  if (written !== true) {
    return {
      kind: 'refused',
      message: `Worker ${workerName} disconnected account #${accountId} but could not delete its row (its lease passed on meanwhile); its next holder connects it again. Try again.`,
    };
  }
  await dropQueue(accountId).catch((error: unknown) => logger.warn({ err: error, accountId }, 'could not empty a removed account’s queue'));
  return { kind: 'removed', account: result.account };
}
