import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';

/** pino's levels, plus `silent` to turn logging off. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const REDACTED = '[redacted]';

/** Object keys whose values are secrets wherever they appear (top level and two levels down). */
const SECRET_KEYS = [
  'token',
  'botToken',
  'apiHash',
  'session',
  'sessionString',
  'sessionSecret',
  'password',
  'code',
  'phoneCode',
  'secret',
  'authKey',
] as const;

const REDACT_PATHS = [
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
  // The loaded configuration is the one object that holds every secret at once.
  'config.bot.token',
  'config.telegram.apiHash',
  'config.telegram.credentials[*].apiHash',
  'config.security.sessionSecret',
];

/**
 * Shapes of secrets that are scrubbed even when nobody registered their value: bot tokens
 * (`123456789:AA…`, e.g. inside a Bot API URL of an error message), long base64 runs (GramJS
 * session strings and encrypted session envelopes are a few hundred base64 characters), and proxy
 * passwords and MTProxy secrets inside URLs.
 */
const SECRET_PATTERNS: readonly RegExp[] = [
  /\d{5,}:[A-Za-z0-9_-]{30,}/g,
  /[A-Za-z0-9+/_-]{200,}={0,2}/g,
  // The password of a URL (`socks5://user:PASSWORD@host:port`) and an MTProxy link's `secret=` (README, Proxies).
  /(?<=:\/\/[^\s:@/"]*:)[^\s"]*(?=@)/g,
  /(?<=[?&]secret=)[^\s&"]+/gi,
];

/** Secrets shorter than this are not scrubbed from free text: replacing them would mangle every line. */
const MIN_SECRET_LENGTH = 4;

/**
 * Replaces every occurrence of each secret in `text` (also in its JSON-escaped form) and anything
 * shaped like a bot token or a session string with `[redacted]`. Use it on error messages before they
 * are logged or shown to a user.
 */
export function redactText(text: string, secrets: Iterable<string> = []): string {
  const values = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    values.add(secret);
    values.add(JSON.stringify(secret).slice(1, -1));
  }
  // Longest first, so a secret that contains another is not left half-scrubbed.
  let out = text;
  for (const value of [...values].sort((a, b) => b.length - a.length)) {
    if (out.includes(value)) out = out.replaceAll(value, REDACTED);
  }
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, REDACTED);
  return out;
}

/**
 * `code` is also the field of Node's system errors (`ECONNRESET`) and of RPC/HTTP status numbers, which
 * are needed to diagnose failures; only values that could be a login code are hidden.
 */
function censor(value: unknown, path: string[]): unknown {
  if (path[path.length - 1] === 'code') {
    if (typeof value === 'string' && /^[A-Z][A-Z0-9_]*$/.test(value)) return value;
    if (typeof value === 'number' && value < 1000) return value;
  }
  return REDACTED;
}

export interface LoggerOptions {
  /**
   * Lowest level written.
   * @default 'info'
   */
  level?: LogLevel;
  /**
   * Where JSON lines go.
   * @default stdout
   */
  destination?: DestinationStream;
  /**
   * Secret values (bot token, API hash, session strings…) scrubbed from every line, wherever they
   * appear — messages, error messages and stacks, any field. Read on every write, so a `Set` that
   * grows later (e.g. as account sessions are loaded) keeps protecting.
   * @default []
   */
  secrets?: Iterable<string>;
  /**
   * `name` field of every line.
   * @default 'switchboard'
   */
  name?: string;
}

/**
 * Creates the application logger. Secrets are removed twice: by key (`token`, `apiHash`, `session`,
 * `password`, … via pino's redaction) and by value (`secrets` and secret-shaped text, on the final line).
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const { level = 'info', destination = pino.destination({ dest: 1, sync: true }), secrets = [], name = 'switchboard' } = options;
  return pino(
    {
      name,
      level,
      redact: { paths: REDACT_PATHS, censor },
      hooks: { streamWrite: (line) => redactText(line, secrets) },
    },
    destination,
  );
}
