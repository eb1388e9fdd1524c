import type { Logger } from 'pino';
import type { MemberStoreLike } from '../../db/repositories/member-store.js';
import type { MonitorsRepository } from '../../db/repositories/monitors.js';
import type { OperationsRepository } from '../../db/repositories/operations.js';
import type { Dialect } from '../../db/sql/sql-port.js';
import type { Engine } from '../engine.js';
import { monitorOperation } from '../operations/monitor.js';
import type { Account, AccountState, MonitorHit } from '../types.js';
import { EventBusError, type EventBus } from './event-bus.js';
import type { FleetEvents } from './fleet-events.js';
import { armInTransaction } from './monitor-arming.js';
import type { Fence, MirrorOperations } from './mirror-operation-store.js';

/** Longest text of a hit sent again after the whole one was too big for the bus (NOTIFY's 8000 bytes). */
const SHORT_HIT_TEXT = 1000;

export interface WorkerMonitorsOptions {
  readonly dialect: Dialect;
  readonly monitors: MonitorsRepository;
  readonly members: Pick<MemberStoreLike, 'findChat' | 'upsertChat'>;
  readonly operations: Pick<OperationsRepository, 'insert' | 'get'>;
  /** The worker's fenced transactions: a re-arm is written only while this worker holds the account's lease. */
  readonly fence: Fence;
  readonly mirror: Pick<MirrorOperations, 'remember'>;
  readonly engine: Pick<Engine<unknown>, 'events' | 'adopt' | 'getAccount' | 'emitMonitorHit'>;
  readonly bus: EventBus<FleetEvents>;
  readonly logger: Logger;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * A hit's text cut to what an alert can show, around the keyword when it sits late in the message (the alert's own
 * excerpt is shorter still): for a hit whose whole text does not fit on the bus.
 */
export function shortHit(hit: MonitorHit, max = SHORT_HIT_TEXT): MonitorHit {
  if (hit.text.length <= max) return hit;
  const at = hit.keyword.startsWith('/') ? -1 : hit.text.toLowerCase().indexOf(hit.keyword.toLowerCase());
  const start = at < max / 2 ? 0 : at - Math.floor(max / 3);
  return { ...hit, text: hit.text.slice(start, start + max) };
}

/**
 * Monitors on a worker of a fleet (docs/several-processes.md, "Monitors"): the monitor runner, whose watches live
 * here; each hit the engine emits is relayed to the panel (`monitor:hit`); a `monitor:stop` from the panel ends the
 * watch at once; an account that turns dead has its watches ended here (the panel re-arms its monitors elsewhere); and
 * the account this worker takes the lease of has its active monitors armed again ({@link rearmOn}).
 */
export class WorkerMonitors {
  /** The runner to register (through fleetRunners): its watches are this worker's. */
  readonly runner: ReturnType<typeof monitorOperation>;
  readonly #o: WorkerMonitorsOptions;
  readonly #now: () => number;
  readonly #off: Array<() => void> = [];

  constructor(options: WorkerMonitorsOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    const { logger } = options;
    this.runner = monitorOperation({
      members: options.members,
      monitors: options.monitors,
      onHit: (hit) => options.engine.emitMonitorHit(hit),
      onError: (monitorId, error) => logger.warn({ err: error, monitorId }, 'a monitor could not store a hit, its progress, or read back what it missed'),
      onCapped: (monitorId, sinceId, limit) => logger.warn({ monitorId, sinceId, limit }, 'a monitor armed again read back only the newest messages it missed'),
      now: this.#now,
    });
  }

  /** Starts relaying hits and hearing stops; idempotent. */
  start(): void {
    if (this.#off.length > 0) return;
    const { engine, bus, logger } = this.#o;
    const onHit = (hit: MonitorHit): void => void this.#publish(hit);
    const onAccount = (account: Account, previous: AccountState): void => {
      if (account.state !== 'dead' || previous === 'dead') return;
      const ended = this.runner.abortOn(account.id);
      if (ended.length > 0) logger.info({ accountId: account.id, monitors: ended }, 'the account is dead: its watches ended; the panel re-arms them elsewhere');
    };
    engine.events.on('monitor:hit', onHit);
    engine.events.on('account:state', onAccount);
    this.#off.push(
      () => engine.events.off('monitor:hit', onHit),
      () => engine.events.off('account:state', onAccount),
      bus.subscribe((event, args) => {
        if (event !== 'monitor:stop') return;
        const [monitorId] = args as FleetEvents['monitor:stop'];
        if (this.runner.abort(monitorId)) logger.info({ monitorId }, 'monitor stopped at the panel’s request');
      }),
    );
  }

  close(): void {
    for (const off of this.#off.splice(0)) off();
  }

  /**
   * Arms again the active monitors placed on an account this worker has just taken the lease of (and taken up): each
   * gets a monitor operation pinned to the account, inserted in a fenced transaction unless one arms it already
   * (monitor-arming.ts), then run here. A dead account's monitors are left to the panel.
   * @returns the ids of the operations it adopted
   */
  async rearmOn(accountId: number): Promise<number[]> {
    const { engine, monitors, fence, operations, mirror, dialect, logger } = this.#o;
    if (engine.getAccount(accountId)?.state === 'dead') return [];
    const adopted: number[] = [];
    for (const monitor of await monitors.activeOn(accountId)) {
      const id = await fence(accountId, (tx) =>
        armInTransaction(tx, monitor.id, { dialect, operations, placedOn: (placed) => placed === accountId, pinnedAccountId: accountId, now: this.#now() }),
      );
      if (id === undefined) continue;
      const row = await operations.get(id);
      if (row === undefined) continue;
      mirror.remember(row);
      engine.adopt(row);
      adopted.push(id);
    }
    if (adopted.length > 0) logger.info({ accountId, operations: adopted }, 'armed the monitors of an account again');
    return adopted;
  }

  async #publish(hit: MonitorHit): Promise<void> {
    const { bus, logger } = this.#o;
    try {
      await bus.publish('monitor:hit', hit);
    } catch (error) {
      const short = shortHit(hit);
      if (!(error instanceof EventBusError) || short === hit) {
        logger.warn({ err: error, monitorId: hit.monitorId }, 'could not tell the panel of a monitor hit');
        return;
      }
      await bus.publish('monitor:hit', short).catch((again: unknown) => logger.warn({ err: again, monitorId: hit.monitorId }, 'could not tell the panel of a monitor hit'));
    }
  }
}
