import { existsSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { z } from 'zod';
import { redactDatabaseUrl } from './db/database-url.js';
import { ENGINE_DEFAULTS } from './engine/defaults.js';
import { LOG_LEVELS } from './logger.js';
import type { LogLevel } from './logger.js';

export type TelegramMode = 'live' | 'sandbox';

/** The user of the sandbox's local chat prompt, who is the admin when ADMIN_IDS is unset. */
export const SANDBOX_ADMIN_ID = 1;
/** Bot token of the embedded Bot API server; it accepts any token. */
export const SANDBOX_BOT_TOKEN = 'sandbox:switchboard';
/** App credentials handed to GramJS in sandbox mode, where nothing checks them. */
export const SANDBOX_API_ID = 1;
export const SANDBOX_API_HASH = '0'.repeat(32);
/** Fixed key so sandbox databases stay readable across restarts; refused in live mode. */
export const SANDBOX_SESSION_SECRET = 'switchboard-sandbox-development-key';
export const DEFAULT_DATABASE_PATH = './data/switchboard.db';
/** Where `npm start` serves the playground in sandbox mode: http://127.0.0.1:8080/. */
export const DEFAULT_PLAYGROUND_PORT = 8080;

/** What this process does when several share one database (README: Configuration, ROLE). */
export const PROCESS_ROLES = ['all', 'panel', 'worker'] as const;
export type ProcessRole = (typeof PROCESS_ROLES)[number];

/** A `host:port` address. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** The validated configuration. Durations are in ms unless the name says otherwise. */
export interface Config {
  readonly telegram: {
    readonly mode: TelegramMode;
    readonly apiId: number;
    readonly apiHash: string;
    /**
     * Every app credential new accounts take in turn: API_ID/API_HASH first, then API_CREDENTIALS'. In sandbox
     * mode with none set, the sandbox's own.
     */
    readonly credentials: readonly { readonly apiId: number; readonly apiHash: string }[];
  };
  /** A worker (ROLE=worker) has no bot: its token is '' and its admin list empty unless they are set. */
  readonly bot: {
    readonly token: string;
    /** undefined: Telegram's public Bot API in live, the embedded local server in sandbox. */
    readonly apiRoot: string | undefined;
    readonly adminIds: readonly number[];
    readonly reportChatId: number;
  };
  readonly database: {
    readonly path: string;
    /** The PostgreSQL URL (DATABASE_URL), a secret: never log or show it, show `displayUrl`. undefined: SQLite at `path`. */
    readonly url: string | undefined;
    /** `url` with its password replaced by `***`, for logs and /status. */
    readonly displayUrl: string | undefined;
  };
  readonly process: {
    readonly role: ProcessRole;
    /** How /status names this process (WORKER_NAME). @default host:pid */
    readonly workerName: string;
    /**
     * How long a worker's hold on an account lasts without renewal (LEASE_SECONDS), in ms: a dead worker's accounts
     * are taken over within this plus a third of it; renewals come every third. @default 30 s
     */
    readonly leaseMs: number;
  };
  readonly metrics: {
    /** Port of the metrics and health endpoint on 127.0.0.1 (METRICS_PORT); 0: any free port; undefined: off. */
    readonly port: number | undefined;
  };
  readonly security: { readonly sessionSecret: string };
  readonly engine: {
    readonly scrapeConcurrency: number;
    /** Shaped like the engine's `TimeoutOptions`, so it can be passed as is. */
    readonly timeouts: {
      readonly queueWaitMs: number;
      readonly lockMs: number;
      readonly run: { readonly scraping: number; readonly monitoring: number; readonly sending: number };
    };
    /** In seconds, like GramJS's `floodSleepThreshold` and the engine's `floodSleepThresholdS`. */
    readonly floodSleepThresholdS: number;
    readonly send: { readonly minIntervalMs: number };
    /** Per-account caps (README: Budgets): joins and messages per UTC day, username look-ups per UTC hour. */
    readonly budgets: { readonly join: number; readonly send: number; readonly resolve: number };
    /** Whether the accounts' GramJS work runs in a thread of its own (ACCOUNTS_THREAD). */
    readonly accountsThread: boolean;
  };
  readonly sandbox: {
    /** undefined: the built-in demo world. */
    readonly world: string | undefined;
    /** undefined: no trace. */
    readonly trace: string | undefined;
    /** Where this process serves its simulated Telegram to other processes (SANDBOX_SERVE); undefined: loopback only, a free port. */
    readonly serve: HostPort | undefined;
    /** The simulated Telegram another process serves (SANDBOX_CONNECT); undefined: this process hosts one. */
    readonly connect: HostPort | undefined;
    /** Port of the playground, the web chat on 127.0.0.1 (PLAYGROUND_PORT); 0: off. Always 0 in live mode. */
    readonly playgroundPort: number;
  };
  readonly log: { readonly level: LogLevel };
}

/** Bad configuration. The message is one line naming the variable and never contains a secret's value. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}

/** Values that are never echoed back in an error. */
const SECRET_VARIABLES = new Set(['BOT_TOKEN', 'API_HASH', 'API_CREDENTIALS', 'SESSION_SECRET']);
/** Values that hold a secret inside: echoed redacted (`redactDatabaseUrl`), or hidden when that is not possible. */
const URL_VARIABLES = new Set(['DATABASE_URL']);
const MAX_ECHO = 60;

interface Field<T> {
  readonly schema: z.ZodType<T, string>;
  /** Completes "NAME must be …". */
  readonly expected: string;
}

function wholeNumber(min: number, max: number): Field<number> {
  return {
    schema: z
      .string()
      .regex(/^\d+$/)
      .transform(Number)
      .pipe(z.number().int().min(min).max(max)),
    expected: `a whole number from ${min} to ${max}`,
  };
}

function seconds(min: number, max: number): Field<number> {
  const field = wholeNumber(min, max);
  return { schema: field.schema, expected: `a whole number of seconds from ${min} to ${max}` };
}

const DAY_S = 86_400;

function hostPort(minPort: number): Field<HostPort> {
  return {
    schema: z
      .string()
      .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/)
      .transform((s) => {
        const at = s.lastIndexOf(':');
        return { host: s.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(s.slice(at + 1)) };
      })
      .pipe(z.object({ host: z.string().min(1), port: z.number().int().min(minPort).max(65_535) })),
    expected: `host:port, such as 127.0.0.1:7777${minPort === 0 ? ' (port 0: any free port)' : ''}`,
  };
}

const fields = {
  TELEGRAM_MODE: {
    schema: z.string().transform((s) => s.toLowerCase()).pipe(z.enum(['live', 'sandbox'])),
    expected: '"live" or "sandbox"',
  },
  BOT_TOKEN: {
    schema: z.string().regex(/^\d+:[A-Za-z0-9_-]{20,}$/),
    expected: 'a bot token from @BotFather, like 123456789:AA… (digits, a colon, then letters)',
  },
  BOT_API_ROOT: {
    schema: z
      .url({ protocol: /^https?$/ })
      .transform((s) => s.replace(/\/+$/, '')),
    expected: 'an http(s) URL such as http://127.0.0.1:8081',
  },
  ADMIN_IDS: {
    schema: z
      .string()
      .transform((s) => s.split(',').map((part) => part.trim()).filter((part) => part !== ''))
      .pipe(
        z
          .array(z.string().regex(/^\d+$/).transform(Number).pipe(z.number().int().positive().max(Number.MAX_SAFE_INTEGER)))
          .min(1),
      )
      .transform((ids) => [...new Set(ids)]),
    expected: 'a comma-separated list of positive Telegram user ids, like 12345,67890',
  },
  API_ID: wholeNumber(1, 2_147_483_647),
  API_HASH: {
    schema: z.string().regex(/^[0-9a-fA-F]{32}$/),
    expected: 'the 32 hexadecimal characters shown on my.telegram.org',
  },
  API_CREDENTIALS: {
    schema: z
      .string()
      .transform((s) => s.split(',').map((part) => part.trim()).filter((part) => part !== ''))
      .pipe(
        z
          .array(
            z
              .string()
              .regex(/^\d{1,10}:[0-9a-fA-F]{32}$/)
              .transform((pair) => ({ apiId: Number(pair.slice(0, pair.indexOf(':'))), apiHash: pair.slice(pair.indexOf(':') + 1).toLowerCase() }))
              .pipe(z.object({ apiId: z.number().int().min(1).max(2_147_483_647), apiHash: z.string() })),
          )
          .min(1)
          .refine((list) => new Set(list.map((c) => c.apiId)).size === list.length),
      ),
    expected: 'a comma-separated list of app credentials id:hash (an app id, a colon, its 32 hexadecimal hash characters), each app id once',
  },
  DATABASE_PATH: { schema: z.string().min(1), expected: 'a file path' },
  DATABASE_URL: {
    schema: z.string().refine((s) => {
      try {
        return ['postgres:', 'postgresql:'].includes(new URL(s).protocol);
      } catch {
        return false;
      }
    }),
    expected: 'a PostgreSQL URL such as postgres://user:password@127.0.0.1:5432/switchboard (postgres:// or postgresql://)',
  },
  ROLE: {
    schema: z.string().transform((s) => s.toLowerCase()).pipe(z.enum(PROCESS_ROLES)),
    expected: '"all", "panel" or "worker"',
  },
  WORKER_NAME: {
    // Control characters would break the /status line that shows it.
    schema: z.string().max(100).regex(/^[^\p{Cc}]+$/u),
    expected: 'a name of at most 100 characters on one line',
  },
  LEASE_SECONDS: seconds(3, 600),
  METRICS_PORT: {
    ...wholeNumber(0, 65_535),
    expected: 'a port from 1 to 65535 (0: any free port, which is logged)',
  },
  SESSION_SECRET: { schema: z.string().min(16), expected: 'at least 16 characters long' },
  SCRAPE_CONCURRENCY: wholeNumber(1, 100),
  REPORT_CHAT_ID: {
    schema: z
      .string()
      .regex(/^-?\d+$/)
      .transform(Number)
      .pipe(z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).refine((n) => n !== 0)),
    expected: 'a Telegram chat id (a non-zero whole number, negative for groups)',
  },
  SANDBOX_WORLD: {
    schema: z.string().refine((p) => existsSync(p) && statSync(p).isFile()),
    expected: 'the path of an existing world file',
  },
  SANDBOX_TRACE: { schema: z.string().min(1), expected: 'a file path' },
  SANDBOX_SERVE: hostPort(0),
  SANDBOX_CONNECT: hostPort(1),
  PLAYGROUND_PORT: {
    ...wholeNumber(0, 65_535),
    expected: 'a port from 1 to 65535, or 0 to turn the playground off',
  },
  LOG_LEVEL: {
    schema: z.string().transform((s) => s.toLowerCase()).pipe(z.enum(LOG_LEVELS)),
    expected: `one of ${LOG_LEVELS.join(', ')}`,
  },
  QUEUE_WAIT_TIMEOUT_S: seconds(1, DAY_S),
  LOCK_TIMEOUT_S: seconds(1, DAY_S),
  SCRAPE_TIMEOUT_S: seconds(1, DAY_S),
  MONITOR_TIMEOUT_S: seconds(1, 7 * DAY_S),
  SEND_TIMEOUT_S: seconds(1, DAY_S),
  FLOOD_SLEEP_THRESHOLD_S: seconds(0, DAY_S),
  SEND_MIN_INTERVAL_S: seconds(0, DAY_S),
  SEND_DAILY_CAP: wholeNumber(1, 100_000),
  JOIN_DAILY_CAP: wholeNumber(1, 10_000),
  RESOLVE_HOURLY_CAP: wholeNumber(1, 100_000),
  ACCOUNTS_THREAD: {
    schema: z.string().transform((s) => s.toLowerCase()).pipe(z.enum(['on', 'off'])).transform((s) => s === 'on'),
    expected: '"on" or "off"',
  },
} satisfies Record<string, Field<unknown>>;

type Fields = typeof fields;
type Variable = keyof Fields;
type ValueOf<V extends Variable> = z.output<Fields[V]['schema']>;

/** Every variable Switchboard reads. */
export const CONFIG_VARIABLES = Object.keys(fields) as readonly Variable[];

function echo(variable: string, raw: string): string {
  if (SECRET_VARIABLES.has(variable)) return '(value hidden)';
  if (URL_VARIABLES.has(variable)) {
    const redacted = redactDatabaseUrl(raw);
    if (redacted === undefined) return '(value hidden)';
    raw = redacted;
  }
  const shown = raw.length > MAX_ECHO ? `${raw.slice(0, MAX_ECHO)}…` : raw;
  return `(got ${JSON.stringify(shown)})`;
}

function read<V extends Variable>(env: NodeJS.ProcessEnv, variable: V): ValueOf<V> | undefined {
  const raw = env[variable]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const field: Field<ValueOf<V>> = fields[variable] as Field<ValueOf<V>>;
  const parsed = field.schema.safeParse(raw);
  // The zod issue is deliberately not attached as `cause`: it carries the input, which may be a secret.
  if (!parsed.success) throw new ConfigError(variable, `${variable} must be ${field.expected} ${echo(variable, raw)}`);
  return parsed.data;
}

function requiredInLive<T>(variable: Variable, value: T | undefined, hint: string): T {
  if (value === undefined) throw new ConfigError(variable, `${variable} is required when TELEGRAM_MODE is live (${hint})`);
  return value;
}

/**
 * Validates the environment and returns the configuration, or throws a ConfigError naming the first
 * bad variable. Empty values count as unset.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const apiIdGiven = read(env, 'API_ID');
  const mode: TelegramMode = read(env, 'TELEGRAM_MODE') ?? (apiIdGiven === undefined ? 'sandbox' : 'live');
  const live = mode === 'live';
  const role = read(env, 'ROLE') ?? 'all';
  const databaseUrl = read(env, 'DATABASE_URL');
  if (role !== 'all' && databaseUrl === undefined) {
    throw new ConfigError('DATABASE_URL', `DATABASE_URL is required when ROLE is ${role}: the processes share one PostgreSQL database (postgres://user:password@host:5432/db)`);
  }
  // A worker never talks to the Bot API (README: Configuration, ROLE): it needs neither token nor admins.
  const worker = role === 'worker';
  const given = {
    // The local Bot API server accepts any token, so its format is only checked in live mode.
    token: live ? read(env, 'BOT_TOKEN') : env.BOT_TOKEN?.trim() || undefined,
    apiHash: read(env, 'API_HASH'),
    adminIds: read(env, 'ADMIN_IDS'),
    sessionSecret: read(env, 'SESSION_SECRET'),
  };

  const extra = read(env, 'API_CREDENTIALS') ?? [];
  let telegram: Omit<Config['telegram'], 'credentials'>;
  let token: string;
  let adminIds: readonly number[];
  let sessionSecret: string;
  if (live) {
    telegram = {
      mode,
      apiId: requiredInLive('API_ID', apiIdGiven, 'the app id from my.telegram.org'),
      apiHash: requiredInLive('API_HASH', given.apiHash, 'the app hash from my.telegram.org'),
    };
    token = worker ? (given.token ?? '') : requiredInLive('BOT_TOKEN', given.token, 'ask @BotFather for one');
    adminIds = worker ? (given.adminIds ?? []) : requiredInLive('ADMIN_IDS', given.adminIds, 'the Telegram user ids allowed to use the panel');
    sessionSecret = requiredInLive('SESSION_SECRET', given.sessionSecret, 'a long random key that encrypts sessions');
    if (sessionSecret === SANDBOX_SESSION_SECRET) {
      throw new ConfigError('SESSION_SECRET', 'SESSION_SECRET must not be the sandbox development key in live mode');
    }
  } else {
    telegram = { mode, apiId: apiIdGiven ?? SANDBOX_API_ID, apiHash: given.apiHash ?? SANDBOX_API_HASH };
    token = given.token ?? SANDBOX_BOT_TOKEN;
    adminIds = given.adminIds ?? [SANDBOX_ADMIN_ID];
    sessionSecret = given.sessionSecret ?? SANDBOX_SESSION_SECRET;
  }

  const credentials = [{ apiId: telegram.apiId, apiHash: telegram.apiHash }, ...extra];
  if (extra.some((c) => c.apiId === telegram.apiId)) {
    throw new ConfigError('API_CREDENTIALS', `API_CREDENTIALS must not list the app id ${telegram.apiId} again: it is ${live ? 'API_ID' : 'the sandbox app id or API_ID'} already`);
  }

  return deepFreeze({
    telegram: { ...telegram, credentials },
    bot: {
      token,
      apiRoot: read(env, 'BOT_API_ROOT'),
      adminIds,
      // A worker without admins reports nowhere: it has no bot to report with.
      reportChatId: read(env, 'REPORT_CHAT_ID') ?? adminIds[0] ?? 0,
    },
    database: {
      path: read(env, 'DATABASE_PATH') ?? DEFAULT_DATABASE_PATH,
      url: databaseUrl,
      displayUrl: databaseUrl === undefined ? undefined : redactDatabaseUrl(databaseUrl),
    },
    process: { role, workerName: read(env, 'WORKER_NAME') ?? `${hostname()}:${process.pid}`, leaseMs: (read(env, 'LEASE_SECONDS') ?? 30) * 1000 },
    metrics: { port: read(env, 'METRICS_PORT') },
    security: { sessionSecret },
    engine: {
      scrapeConcurrency: read(env, 'SCRAPE_CONCURRENCY') ?? ENGINE_DEFAULTS.scrapeConcurrency,
      timeouts: {
        queueWaitMs: msOf(read(env, 'QUEUE_WAIT_TIMEOUT_S'), ENGINE_DEFAULTS.queueWaitMs),
        lockMs: msOf(read(env, 'LOCK_TIMEOUT_S'), ENGINE_DEFAULTS.lockMs),
        run: {
          scraping: msOf(read(env, 'SCRAPE_TIMEOUT_S'), ENGINE_DEFAULTS.run.scraping),
          monitoring: msOf(read(env, 'MONITOR_TIMEOUT_S'), ENGINE_DEFAULTS.run.monitoring),
          sending: msOf(read(env, 'SEND_TIMEOUT_S'), ENGINE_DEFAULTS.run.sending),
        },
      },
      floodSleepThresholdS: read(env, 'FLOOD_SLEEP_THRESHOLD_S') ?? ENGINE_DEFAULTS.floodSleepThresholdS,
      send: { minIntervalMs: msOf(read(env, 'SEND_MIN_INTERVAL_S'), ENGINE_DEFAULTS.send.minIntervalMs) },
      budgets: {
        join: read(env, 'JOIN_DAILY_CAP') ?? ENGINE_DEFAULTS.budgets.join,
        send: read(env, 'SEND_DAILY_CAP') ?? ENGINE_DEFAULTS.budgets.send,
        resolve: read(env, 'RESOLVE_HOURLY_CAP') ?? ENGINE_DEFAULTS.budgets.resolve,
      },
      accountsThread: read(env, 'ACCOUNTS_THREAD') ?? true,
    },
    sandbox: sandboxConfig(env, live),
    log: { level: read(env, 'LOG_LEVEL') ?? 'info' },
  });
}

/** A variable in seconds as ms, or the default (already in ms). */
const msOf = (seconds: number | undefined, defaultMs: number): number => (seconds === undefined ? defaultMs : seconds * 1000);

function sandboxConfig(env: NodeJS.ProcessEnv, live: boolean): Config['sandbox'] {
  const serve = read(env, 'SANDBOX_SERVE');
  const connect = read(env, 'SANDBOX_CONNECT');
  if (live && serve) throw new ConfigError('SANDBOX_SERVE', 'SANDBOX_SERVE only works when TELEGRAM_MODE is sandbox');
  if (live && connect) throw new ConfigError('SANDBOX_CONNECT', 'SANDBOX_CONNECT only works when TELEGRAM_MODE is sandbox');
  if (serve && connect) {
    throw new ConfigError('SANDBOX_CONNECT', 'SANDBOX_CONNECT and SANDBOX_SERVE exclude each other: a process either hosts the simulated Telegram or uses another one');
  }
  const playgroundPort = read(env, 'PLAYGROUND_PORT');
  if (live && playgroundPort) throw new ConfigError('PLAYGROUND_PORT', 'PLAYGROUND_PORT only works when TELEGRAM_MODE is sandbox (0 turns the playground off)');
  return {
    world: read(env, 'SANDBOX_WORLD'),
    trace: read(env, 'SANDBOX_TRACE'),
    serve,
    connect,
    playgroundPort: live ? 0 : (playgroundPort ?? DEFAULT_PLAYGROUND_PORT),
  };
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (typeof child === 'object' && child !== null) deepFreeze(child as object);
  }
  return Object.freeze(value);
}

/**
 * Loads `path` into process.env if the file exists. Variables already set win over the file; empty
 * ones count as unset, so the file fills them.
 */
export function loadDotEnv(path = '.env'): boolean {
  if (!existsSync(path)) return false;
  // process.loadEnvFile never overrides a set variable, empty or not: unset the empty ones first.
  const empty = Object.keys(process.env).filter((key) => process.env[key] === '');
  for (const key of empty) delete process.env[key];
  try {
    process.loadEnvFile(path);
  } finally {
    for (const key of empty) process.env[key] ??= '';
  }
  return true;
}
