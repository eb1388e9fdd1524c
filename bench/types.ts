/** One figure measured by a benchmark. */
export interface BenchResult {
  /** What was measured, e.g. `members.storeMembers`. */
  readonly name: string;
  readonly value: number;
  /** Unit of `value`, e.g. `rows/s`. */
  readonly unit: string;
  /** The same figure for the reference implementation, when there is one. */
  readonly baseline?: number;
  /** `value / baseline`. */
  readonly ratio?: number;
  /** The goal in words, e.g. `ratio >= 0.8`. */
  readonly target?: string;
  /**
   * Whether the target was met. When left out, the runner derives it from a `target` of the form
   * `ratio <= N`, `ratio >= N`, `value <= N` or `value >= N`.
   */
  readonly pass?: boolean;
  /** One line of context printed under the table, e.g. what a figure means or why it is missing. */
  readonly note?: string;
}
