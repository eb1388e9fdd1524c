/** Time and timers, injectable so tests drive them (fake timers or a hand-made clock); the bot, the engine and the lease keeper share it. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * The process clock. It looks the globals up on every call, so timers faked after this module was
 * loaded (vitest's `useFakeTimers`) still apply.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const handle = globalThis.setTimeout(callback, ms);
    // A pending edit, alert, QR code or lease renewal must not keep the process alive on shutdown.
    if (typeof handle === 'object' && handle !== null && 'unref' in handle) (handle as { unref(): void }).unref();
    return handle;
  },
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};
