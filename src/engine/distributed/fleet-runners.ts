import type { MemberStoreLike } from '../../db/repositories/member-store.js';
import { joinOperation } from '../operations/join.js';
import type { monitorOperation } from '../operations/monitor.js';
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
}

/**
 * The operations workers of a fleet run, so far: scrape, join, send and monitor (docs/deploy.md). The panel builds the
 * same list to check what it submits; the workers register it. Checks and proxy checks need one process.
 */
export function fleetRunners(options: FleetRunnersOptions): RunnerDefinition<never, unknown, never, unknown>[] {
  const { members, lastSentAt, participantsCap, monitor } = options;
  // The clients are GramJS's; the engine holds them as `unknown`, as in one process (operations/index.ts).
  return [
    scrapeOperation({ members, ...(participantsCap === undefined ? {} : { participantsCap }) }),
    joinOperation({ members }),
    sendOperation({ members, lastSentAt }),
    monitor,
  ] as unknown as RunnerDefinition<never, unknown, never, unknown>[];
}
