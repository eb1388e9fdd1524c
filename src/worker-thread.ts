import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread running the module at `url`. Run from TypeScript sources (`npm start` through tsx,
 * the tests through vitest) the thread registers tsx first, as a fresh thread knows nothing of the
 * parent's loaders; a compiled build loads the module as it is.
 */
export function startModuleWorker(url: URL, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, options);
  // Resolved here: an eval'd worker resolves bare names from the working directory, which may be anywhere.
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/**
 * Lowers the calling thread's scheduling priority (nice `niceness`) so that it yields the CPU to the main
 * thread: background work (decoding Telegram answers, simulating Telegram) must not delay the panel's
 * answers. On Linux a thread is a task with its own nice value (setpriority(2), NOTES), reachable by its
 * thread id through /proc/thread-self; elsewhere this does nothing. Returns whether it took effect.
 * Not the lowest nice: these threads hold SQLite's write lock at times, and starving them behind other
 * processes would stall the panel's own writes (and slow everything on a busy machine).
 */
export function lowerThreadPriority(niceness = 10): boolean {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, niceness);
    return true;
  } catch {
    return false;
  }
}
