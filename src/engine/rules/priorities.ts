// R2 priorities (README, "Engine rules"): monitoring 10 > scraping 5 > sending 1; higher runs first, and
// operations of equal priority run in the order they came (the lane's p-queue is FIFO within a priority).
/** Priorities of R2: higher runs first. types.ts re-exports it, so this file imports nothing from there (no cycle). */
export const Priority = { monitoring: 10, scraping: 5, sending: 1, other: 3 } as const;

/**
 * The priority an operation runs at: the one its request asks for, else its runner's, else its type's.
 * Undefined when that is not a whole number, which admission refuses: p-queue orders by
 * number, and a fraction or NaN there would quietly jump or lose its place.
 */
export function priorityOf(requested: number | undefined, defined: number | undefined, type: keyof typeof Priority): number | undefined {
  const priority = requested ?? defined ?? Priority[type];
  return Number.isSafeInteger(priority) ? priority : undefined;
}
