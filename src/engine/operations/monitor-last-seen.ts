/**
 * The newest message a watch has looked at, written to the monitor's row behind the watch: at once the first time, then
 * at most once every `intervalMs` (a busy chat must not cost a write per message), and when the watch ends. A watch
 * killed between two writes loses at most `intervalMs` of progress: the next one reads those messages again, and the
 * hits' unique index makes that harmless.
 */
export class LastSeenWriter {
  #seen: number | undefined;
  #written: number | undefined;
  #lastWriteAt = Number.NEGATIVE_INFINITY;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #writing: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(
    private readonly write: (messageId: number) => Promise<void>,
    private readonly failed: (error: unknown) => void,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Notes that every message up to `messageId` was looked at. */
  seen(messageId: number): void {
    if (this.#closed || (this.#seen !== undefined && messageId <= this.#seen)) return;
    this.#seen = messageId;
    if (this.#timer !== undefined) return;
    const wait = this.#lastWriteAt + this.intervalMs - this.now();
    if (wait <= 0) this.#flush();
    else {
      this.#timer = setTimeout(() => this.#flush(), wait);
      // Progress to write is no reason to keep a process alive: close() writes it on a clean end.
      this.#timer.unref?.();
    }
  }

  /** Writes what is left and stops; resolves once written (or failed, told to `failed`). */
  async close(): Promise<void> {
    if (this.#closed) return this.#writing;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#flush();
    this.#closed = true;
    return this.#writing;
  }

  #flush(): void {
    this.#timer = undefined;
    const id = this.#seen;
    if (id === undefined || id === this.#written) return;
    this.#written = id;
    this.#lastWriteAt = this.now();
    // One write at a time, in order; each is monotone in the database anyway.
    this.#writing = this.#writing.then(() => this.write(id)).catch(this.failed);
  }
}
