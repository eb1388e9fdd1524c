import type { Logger } from 'pino';

/**
 * What a process opened, closed in the reverse order at its stop, or when its start fails halfway: a close that
 * fails is logged and the others still run.
 */
export class Closers {
  readonly #closers: Array<() => Promise<void>> = [];
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Adds something to close; the last one added closes first. */
  push(close: () => Promise<void> | void): void {
    this.#closers.push(async () => close());
  }

  /** Closes everything added so far, once each. */
  async closeAll(): Promise<void> {
    for (const close of this.#closers.splice(0).reverse()) await close().catch((error: unknown) => this.#log.warn({ err: error }, 'closing failed'));
  }
}
