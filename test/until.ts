/**
 * The process's own setTimeout, taken before any test fakes timers: a poll must run on real time, or a
 * test on fake time would wait forever (or move its fake clock behind its back, as `vi.waitFor` does).
 */
const realSetTimeout = globalThis.setTimeout;

export interface UntilOptions {
  /**
   * Time between two checks, in ms.
   * @default 5
   */
  readonly intervalMs?: number;
  /**
   * Checks before giving up.
   * @default 2000 (10 s at the default interval, well inside the test timeout)
   */
  readonly tries?: number;
}

/**
 * Resolves as soon as `check()` is (or resolves to) true, checking every `intervalMs` of real time; rejects naming `what`
 * (or what it returns, called then) after `tries` checks. Tests wait with it for exactly what they assert next.
 */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string | (() => string | Promise<string>),
  options: UntilOptions = {},
): Promise<void> {
  const { intervalMs = 5, tries = 2000 } = options;
  for (let i = 0; i < tries; i += 1) {
    if (await check()) return;
    await new Promise((resolve) => realSetTimeout(resolve, intervalMs));
  }
  // A function names what was awaited only on a timeout: diagnostics taken then, not when the wait began.
  if (!(await check())) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : await what()}`);
}
