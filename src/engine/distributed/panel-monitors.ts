import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { AccountsRepository } from '../../db/repositories/accounts.js';
import type { MonitorsRepository } from '../../db/repositories/monitors.js';
import type { OperationsRepository } from '../../db/repositories/operations.js';
import type { SqlDatabase } from '../../db/sql/sql-port.js';
import { Priority } from '../rules/priorities.js';
import type { Account, AccountState, EngineEvents } from '../types.js';
import type { EventBus } from './event-bus.js';
import type { FleetEvents } from './fleet-events.js';
import { armInTransaction, rearmedBy } from './monitor-arming.js';
import type { OperationQueue } from './operation-queue.js';

export interface PanelMonitorsOptions {
  readonly db: SqlDatabase;
  readonly monitors: MonitorsRepository;
  readonly accounts: Pick<AccountsRepository, 'listByIds'>;
  readonly operations: Pick<OperationsRepository, 'insert'>;
  readonly queue: Pick<OperationQueue, 'enqueue' | 'wake'>;
  readonly bus: EventBus<FleetEvents>;
  /** The panel engine's events: an account a worker tells is dead has its monitors re-armed at once. */
  readonly events: EventEmitter<EngineEvents>;
  readonly logger: Logger;
  /**
   * How often the monitors whose account is gone or dead are looked for (a removal, or a death no worker told of).
   * @default 30000
   */
  readonly sweepEveryMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * Monitors as a panel of a fleet handles them (docs/several-processes.md, "Monitors"). `stopMonitor` marks the row
 * stopped and tells the workers (`monitor:stop`), so the one watching ends the watch at once (and one that missed it
 * ends it at its next hit, which its row refuses). The sweep re-arms the active monitors no worker will: those whose
 * account was removed or is dead go to the fleet unpinned, each in one transaction with its job (monitor-arming.ts),
 * and the worker that arms one places it on its account. Monitors of live accounts are their lease holders' to re-arm.
 */
export class PanelMonitors {
  readonly #o: PanelMonitorsOptions;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #offDead: (() => void) | undefined;
  #sweeping: Promise<number[]> | undefined;
  #again = false;

  constructor(options: PanelMonitorsOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  /** Stops a monitor: false when it was not active. A lost `monitor:stop` only delays the end to the next hit. */
  async stopMonitor(monitorId: number): Promise<boolean> {
    const { monitors, bus, logger } = this.#o;
    const stopped = await monitors.stop(monitorId, this.#now());
    if (stopped) await bus.publish('monitor:stop', monitorId).catch((error: unknown) => logger.warn({ err: error, monitorId }, 'could not tell the workers a monitor stopped'));
    return stopped;
  }

  /** Sweeps now, then every `sweepEveryMs` and whenever an account is told dead. */
  start(): void {
    if (this.#timer !== undefined) return;
    const sweep = () => void this.sweep().catch((error: unknown) => this.#o.logger.warn({ err: error }, 'could not re-arm the monitors of gone or dead accounts'));
    this.#timer = setInterval(sweep, this.#o.sweepEveryMs ?? 30_000);
    this.#timer.unref();
    const onAccount = (account: Account, previous: AccountState) => {
      if (account.state === 'dead' && previous !== 'dead') sweep();
    };
    this.#o.events.on('account:state', onAccount);
    this.#offDead = () => this.#o.events.off('account:state', onAccount);
    sweep();
  }

  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#offDead?.();
    this.#offDead = undefined;
  }

  /**
   * Re-arms, unpinned, each active monitor whose account is gone or dead and that nothing arms yet. One sweep at a
   * time; one asked for meanwhile runs after it.
   * @returns the ids of the operations submitted
   */
  sweep(): Promise<number[]> {
    if (this.#sweeping) {
      this.#again = true;
      return this.#sweeping;
    }
    const run = async (): Promise<number[]> => {
      const submitted: number[] = [];
      do {
        this.#again = false;
        submitted.push(...(await this.#sweepOnce()));
      } while (this.#again);
      return submitted;
    };
    this.#sweeping = run().finally(() => {
      this.#sweeping = undefined;
    });
    return this.#sweeping;
  }

  async #sweepOnce(): Promise<number[]> {
    const { db, monitors, accounts, operations, queue, bus, logger } = this.#o;
    const active = await monitors.listActive();
    const placed = active.flatMap((m) => (m.accountId === null ? [] : [m.accountId]));
    const byId = new Map((await accounts.listByIds(placed)).map((row) => [row.id, row]));
    const submitted: number[] = [];
    for (const monitor of active) {
      if (rearmedBy(monitor, monitor.accountId === null ? undefined : byId.get(monitor.accountId)) !== 'fleet') continue;
      const id = await db.transaction(async (tx) => {
        const inserted = await armInTransaction(tx, monitor.id, {
          dialect: db.dialect,
          operations,
          // Still where this sweep found it: a worker that armed it meanwhile has placed it on a live account.
          placedOn: (accountId) => accountId === monitor.accountId,
          pinnedAccountId: null,
          now: this.#now(),
        });
        if (inserted !== undefined) await queue.enqueue(tx, { operationId: inserted, kind: 'monitor', accountId: null, priority: Priority.monitoring });
        return inserted;
      });
      if (id !== undefined) submitted.push(id);
    }
    if (submitted.length > 0) {
      logger.info({ operations: submitted }, 're-armed the monitors of gone or dead accounts on the fleet');
      queue.wake();
      await bus.publish('queue:wake').catch((error: unknown) => logger.debug({ err: error }, 'could not wake the workers'));
    }
    return submitted;
  }
}
