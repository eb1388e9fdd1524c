import type { Logger } from 'pino';
import { ConformanceViolationError } from '../errors.js';
import type { RequestParams } from '../request-body.js';
import { loadBotApiSpec, type BotApiSpec } from './bot-api-spec.js';
import { checkRequest } from './request-check.js';
import { checkResponse } from './response-check.js';

/** One call the server answered: what the client sent and the JSON text it got back. */
export interface BotApiExchange {
  /** The method name as the client wrote it in the URL. */
  readonly method: string;
  /** The decoded parameters; undefined when the call was refused before they were read (401, 413, a broken body). */
  readonly params: RequestParams | undefined;
  readonly status: number;
  /** The response body as sent. */
  readonly body: string;
}

/** A way an exchange broke the Bot API specification. */
export interface ConformanceViolation {
  /** As the specification spells it, or as the client wrote it when the Bot API has no such method. */
  readonly method: string;
  readonly side: 'request' | 'response';
  /** `params`, `params.reply_markup.inline_keyboard[0][0]`, `result.chat`, `response.parameters`… */
  readonly path: string;
  readonly problem: string;
}

/** `getChat result.accepted_gift_types: missing required field gifts_from_channels` */
export function formatViolation(violation: ConformanceViolation): string {
  return `${violation.method} ${violation.path}: ${violation.problem}`;
}

/** Checks exchanges against the Bot API specification and keeps what it found. */
export interface ConformanceRecorder {
  /** Checks one exchange; returns its violations (also kept). Never throws. */
  record(exchange: BotApiExchange): readonly ConformanceViolation[];
  /** How many exchanges were checked. */
  readonly exchanges: number;
  /** Violations found so far, oldest first (at most `keep`). */
  violations(): readonly ConformanceViolation[];
  /** Returns the violations found so far and forgets them. */
  take(): ConformanceViolation[];
  /** Throws `ConformanceViolationError` listing every violation found so far, and forgets them. */
  assertNone(): void;
}

export interface ConformanceRecorderOptions {
  /**
   * Where violations are logged, at warn: each distinct one once, so a broken answer repeated on every
   * call does not flood the log.
   * @default not logged
   */
  readonly logger?: Logger;
  /**
   * The specification to check against.
   * @default the Bot API version shipped in `src/sandbox/bot-api/spec/`
   */
  readonly spec?: BotApiSpec;
  /**
   * Most violations kept in memory; older ones are dropped first.
   * @default 1000
   */
  readonly keep?: number;
}

export function createConformanceRecorder(options: ConformanceRecorderOptions = {}): ConformanceRecorder {
  const { logger, keep = 1000 } = options;
  let spec = options.spec;
  let found: ConformanceViolation[] = [];
  const logged = new Set<string>();
  let exchanges = 0;

  const check = (exchange: BotApiExchange): ConformanceViolation[] => {
    spec ??= loadBotApiSpec();
    const method = spec.method(exchange.method);
    const name = method?.name ?? exchange.method;
    const violations: ConformanceViolation[] = [];
    if (method === undefined) {
      violations.push({ method: name, side: 'request', path: 'method', problem: `the Bot API (${spec.version}) has no such method` });
    } else if (exchange.params !== undefined) {
      for (const p of checkRequest(spec, method, exchange.params)) violations.push({ method: name, side: 'request', ...p });
    }
    let body: unknown;
    try {
      body = JSON.parse(exchange.body) as unknown;
    } catch {
      violations.push({ method: name, side: 'response', path: 'response', problem: 'is not JSON' });
      return violations;
    }
    for (const p of checkResponse(spec, method, exchange.status, body)) violations.push({ method: name, side: 'response', ...p });
    return violations;
  };

  return {
    record(exchange) {
      exchanges += 1;
      let violations: ConformanceViolation[];
      try {
        violations = check(exchange);
      } catch (error) {
        // The checker must never take the server down with it.
        logger?.error({ err: error, method: exchange.method }, 'the Bot API conformance check failed');
        return [];
      }
      for (const violation of violations) {
        const line = formatViolation(violation);
        if (!logged.has(line) && logged.size < 10_000) {
          logged.add(line);
          logger?.warn({ method: violation.method, side: violation.side, path: violation.path }, `Bot API conformance: ${line}`);
        }
      }
      found.push(...violations);
      if (found.length > keep) found = found.slice(found.length - keep);
      return violations;
    },
    get exchanges() {
      return exchanges;
    },
    violations: () => [...found],
    take() {
      const taken = found;
      found = [];
      return taken;
    },
    assertNone() {
      const taken = found;
      found = [];
      if (taken.length > 0) throw new ConformanceViolationError(taken.map(formatViolation));
    },
  };
}
