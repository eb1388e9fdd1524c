/**
 * The engine's documented defaults (README: Configuration, Engine rules R3, R4, R7): the one source the
 * engine, the configuration and the runners all read, so that they cannot drift apart.
 */
export const ENGINE_DEFAULTS = Object.freeze({
  /** R4: scrapes at once across all accounts. */
  scrapeConcurrency: 5,
  /** R3: waiting for a busy account. */
  queueWaitMs: 60_000,
  /** R3: acquiring an account's lock. */
  lockMs: 30_000,
  /** R3: how long each type of operation may run. */
  run: Object.freeze({ scraping: 300_000, monitoring: 3_600_000, sending: 60_000, other: 300_000 }),
  /** R7: FLOOD_WAIT up to this is slept through; above it the account cools down and the work moves. */
  floodSleepThresholdS: 60,
  /** Sending: the least time between two messages of one account. */
  send: Object.freeze({ minIntervalMs: 30_000 }),
  /** Budgets per account: joins and messages per UTC day, username look-ups per UTC hour (README: Budgets). */
  budgets: Object.freeze({ join: 20, send: 50, resolve: 100 }),
});
