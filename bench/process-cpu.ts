// CPU time of other processes (Linux /proc), so a bench spanning several processes can say where the CPU went.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** USER_HZ: the unit of /proc times (`getconf CLK_TCK`; 100 on every common Linux). */
function hz(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** User + system CPU time of process `pid` so far, in ms (resolution 1/USER_HZ); undefined once it is gone. */
export function processCpuMs(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of proc(5), i.e. 12 and 13 after the name (state is field 3).
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? (ticks * 1000) / hz() : undefined;
}

/** CPU time every core of the machine spent busy (not idle, not waiting for I/O) so far, in ms. */
export function machineBusyMs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  // cpu user nice system idle iowait irq softirq steal (guest time is already counted in user).
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  return ((user + nice + system + irq + softirq + steal) * 1000) / hz();
}

/** Named groups of processes, by pid. */
export type CpuGroups = Readonly<Record<string, readonly number[]>>;

/** CPU spent in a window, in ms: per group, and by the whole machine (every process, the kernel's own work too). */
export interface CpuSpent {
  readonly groups: Readonly<Record<string, number>>;
  readonly machine: number;
}

export interface CpuWindow {
  /** Ends the window: CPU per group since it opened, of the processes alive now. */
  close(groups: CpuGroups): CpuSpent;
}

/**
 * Opens a window over the processes `pids` (and the machine). A process of `close`'s groups not seen here counts
 * from 0, its whole life being inside the window near enough (a pool connection opened during the run); one that
 * ended before `close` is lost, so groups should be processes that outlive the window.
 */
export function openCpuWindow(pids: Iterable<number>): CpuWindow {
  const before = new Map<number, number>();
  for (const pid of pids) before.set(pid, processCpuMs(pid) ?? 0);
  const busy = machineBusyMs();
  return {
    close(groups) {
      const spent = (pid: number) => Math.max(0, (processCpuMs(pid) ?? 0) - (before.get(pid) ?? 0));
      return {
        groups: Object.fromEntries(Object.entries(groups).map(([name, list]) => [name, [...new Set(list)].reduce((sum, pid) => sum + spent(pid), 0)])),
        machine: machineBusyMs() - busy,
      };
    },
  };
}

/**
 * Waits until the machine's cores have been nearly idle for `windowMs` (busy at most `maxBusyCores` on average), or
 * `timeoutMs` passed; returns the busy cores last seen. On a machine shared with other work, a run that starts in a
 * busy moment measures that work as much as its own.
 */
export async function waitForIdleMachine(options: { maxBusyCores?: number; windowMs?: number; timeoutMs?: number } = {}): Promise<number> {
  const { maxBusyCores = 0.3, windowMs = 1000, timeoutMs = 20_000 } = options;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const busy0 = machineBusyMs();
    const t0 = performance.now();
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const cores = (machineBusyMs() - busy0) / (performance.now() - t0);
    if (cores <= maxBusyCores || performance.now() > deadline) return cores;
  }
}
