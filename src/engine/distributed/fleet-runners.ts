import type { MemberStoreLike } from '../../db/repositories/member-store.js';
import type { Engine } from '../engine.js';
import { checkOperation, type CheckOptions } from '../operations/check.js';
import { healthOperation } from '../operations/health.js';
import { joinOperation } from '../operations/join.js';
import type { monitorOperation } from '../operations/monitor.js';
import { proxyCheckOperation } from '../operations/proxy-check.js';
import { scrapeOperation } from '../operations/scrape.js';
import { sendOperation } from '../operations/send.js';
import type { RunnerDefinition } from '../types.js';

export interface FleetRunnersOptions {
  /** Chats and members, through the SQL port (`createPortMemberStore`). */
  readonly members: MemberStoreLike;
  /** When an account last sent a message that went out (epoch ms), or null: the pacing of sends. */
  readonly lastSentAt: (accountId: number) => number | null | Promise<number | null>;
  /**
   * Telegram's cap on a listed member list (the sandbox world's own, offline).
   * @default 10000
   */
  readonly participantsCap?: number;
  /**
   * The monitor runner (`monitorOperation`), built by the caller, who keeps its watches: a worker ends them when the
   * panel stops a monitor (worker-monitors.ts); a panel only checks what it submits with it.
   */
  readonly monitor: ReturnType<typeof monitorOperation>;
  /**
   * Where health checks and account checks record the profile Telegram gave (a worker's engine, whose account
   * writes are fenced by the lease). A panel builds the list only to check what it submits, and runs nothing.
   * @default ignores it (a panel)
   */
  readonly recordHealthCheck?: Engine<unknown>['recordHealthCheck'];
  /** How account checks wait for @SpamBot (README.md, "Account checks"). */
  readonly checks?: CheckOptions;
}

/**
 * The operations workers of a fleet run (docs/deploy.md): scrape, join, send and monitor, and the account's own
 * checks — health (getMe), proxy check (one ping) and account check (session and @SpamBot). The panel builds the same
 * list to check what it submits; the workers register it.
 */
export function fleetRunners(options: FleetRunnersOptions): RunnerDefinition<never, unknown, never, unknown>[] {
  const { members, lastSentAt, participantsCap, monitor, recordHealthCheck = () => undefined } = options;
  const reports = { recordHealthCheck };
  // The clients are GramJS's; the engine holds them as `unknown`, as in one process (operations/index.ts).
  return [
    scrapeOperation({ members, ...(participantsCap === undefined ? {} : { participantsCap }) }),
    joinOperation({ members }),
    sendOperation({ members, lastSentAt }),
    monitor,
    healthOperation(reports),
    proxyCheckOperation(),
    checkOperation(reports, options.checks),
  ] as unknown as RunnerDefinition<never, unknown, never, unknown>[];
}
