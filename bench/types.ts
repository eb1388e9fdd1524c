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
}
