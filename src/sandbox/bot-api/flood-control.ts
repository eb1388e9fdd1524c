/** Calls to refuse with Telegram's 429 flood answer. */
export interface TooManyRequestsRule {
  /**
   * The method to refuse, in any case.
   * @default any method
   */
  readonly method?: string;
  /**
   * How many calls to refuse, counted from now.
   * @default 1
   */
  readonly count?: number;
  /**
   * The `retry_after` seconds of the answer. Telegram sends whole seconds, at least 1.
   * @default 1
   */
  readonly retryAfter?: number;
}

export interface FloodControl {
  add(rule: TooManyRequestsRule): void;
  /** The retry_after to refuse this call of `method` with, consuming one refusal; undefined to let it run. */
  take(method: string): number | undefined;
  /** Refusals not yet used. */
  pending(): number;
}

interface Armed {
  readonly method: string | undefined;
  remaining: number;
  readonly retryAfter: number;
}

/**
 * Injectable 429s. The answer's shape follows telegram-bot-api (Query::set_retry_after_error in
 * https://github.com/tdlib/telegram-bot-api/blob/master/telegram-bot-api/Query.cpp):
 * `Too Many Requests: retry after N` with `parameters.retry_after` N.
 */
export function createFloodControl(initial: readonly TooManyRequestsRule[] = []): FloodControl {
  let armed: Armed[] = [];
  const control: FloodControl = {
    add(rule) {
      const count = rule.count ?? 1;
      const retryAfter = rule.retryAfter ?? 1;
      if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`a 429 rule needs a whole count of at least 1 (got ${count})`);
      // telegram-bot-api turns a retry_after below 1 into a 500, so the sandbox never sends one.
      if (!Number.isSafeInteger(retryAfter) || retryAfter < 1) throw new RangeError(`retry_after must be a whole number of seconds, at least 1 (got ${retryAfter})`);
      armed.push({ method: rule.method?.toLowerCase(), remaining: count, retryAfter });
    },
    take(method) {
      const name = method.toLowerCase();
      const rule = armed.find((r) => r.method === undefined || r.method === name);
      if (rule === undefined) return undefined;
      rule.remaining -= 1;
      if (rule.remaining === 0) armed = armed.filter((r) => r !== rule);
      return rule.retryAfter;
    },
    pending: () => armed.reduce((sum, r) => sum + r.remaining, 0),
  };
  for (const rule of initial) control.add(rule);
  return control;
}
