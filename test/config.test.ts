import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CONFIG_VARIABLES,
  ConfigError,
  DEFAULT_DATABASE_PATH,
  SANDBOX_ADMIN_ID,
  SANDBOX_API_HASH,
  SANDBOX_API_ID,
  SANDBOX_BOT_TOKEN,
  SANDBOX_SESSION_SECRET,
  loadConfig,
  loadDotEnv,
} from '../src/config.js';

const TOKEN = '123456789:AAHfQ9x_secret-token-value-0123456789';
const API_HASH = '0123456789abcdef0123456789abcdef';
const SESSION_SECRET = 'a-long-random-session-secret';

const LIVE = {
  TELEGRAM_MODE: 'live',
  BOT_TOKEN: TOKEN,
  API_ID: '123456',
  API_HASH,
  ADMIN_IDS: '111,222',
  SESSION_SECRET,
} satisfies NodeJS.ProcessEnv;

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('starts the sandbox with defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.telegram.mode).toBe('sandbox');
    expect(config.telegram.credentials).toEqual([{ apiId: SANDBOX_API_ID, apiHash: SANDBOX_API_HASH }]);
    expect(config.bot.token).toBe(SANDBOX_BOT_TOKEN);
    expect(config.bot.apiRoot).toBeUndefined();
    expect(config.bot.adminIds).toEqual([SANDBOX_ADMIN_ID]);
    expect(config.bot.reportChatId).toBe(SANDBOX_ADMIN_ID);
    expect(config.database.path).toBe(DEFAULT_DATABASE_PATH);
    expect(config.security.sessionSecret).toBe(SANDBOX_SESSION_SECRET);
    expect(config.sandbox).toEqual({ world: undefined, trace: undefined, serve: undefined, connect: undefined, playgroundPort: 8080 });
    expect(config.log.level).toBe('info');
    expect(config.database).toEqual({ path: DEFAULT_DATABASE_PATH, url: undefined, displayUrl: undefined });
    expect(config.process).toEqual({ role: 'all', workerName: `${hostname()}:${process.pid}`, leaseMs: 30_000 });
    expect(config.metrics).toEqual({ port: undefined });
    expect(config.engine).toEqual({
      scrapeConcurrency: 5,
      timeouts: { queueWaitMs: 60_000, lockMs: 30_000, run: { scraping: 300_000, monitoring: 3_600_000, sending: 60_000 } },
      floodSleepThresholdS: 60,
      send: { minIntervalMs: 30_000 },
      budgets: { join: 20, send: 50, resolve: 100 },
      accountsThread: true,
    });
  });

  it('treats empty variables as unset', () => {
    const empty = Object.fromEntries(CONFIG_VARIABLES.map((name) => [name, '']));
    expect(loadConfig(empty)).toEqual(loadConfig({}));
  });

  it('returns a frozen object', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.engine.timeouts.run)).toBe(true);
  });

  it('accepts any bot token in sandbox mode', () => {
    expect(loadConfig({ BOT_TOKEN: 'whatever' }).bot.token).toBe('whatever');
  });

  it('switches to live mode when API_ID is set', () => {
    const { TELEGRAM_MODE: _, ...rest } = LIVE;
    expect(loadConfig(rest).telegram.mode).toBe('live');
  });

  it('reads a complete live configuration', () => {
    const config = loadConfig({
      ...LIVE,
      BOT_API_ROOT: 'http://127.0.0.1:8081/',
      ADMIN_IDS: ' 111 , 222,111 ',
      DATABASE_PATH: '/var/lib/switchboard.db',
      SCRAPE_CONCURRENCY: '12',
      REPORT_CHAT_ID: '-1001234567890',
      SANDBOX_TRACE: './trace.jsonl',
      LOG_LEVEL: 'DEBUG',
      QUEUE_WAIT_TIMEOUT_S: '10',
      LOCK_TIMEOUT_S: '5',
      SCRAPE_TIMEOUT_S: '600',
      MONITOR_TIMEOUT_S: '7200',
      SEND_TIMEOUT_S: '20',
      FLOOD_SLEEP_THRESHOLD_S: '0',
      SEND_MIN_INTERVAL_S: '0',
      SEND_DAILY_CAP: '10',
      JOIN_DAILY_CAP: '5',
      RESOLVE_HOURLY_CAP: '250',
      ACCOUNTS_THREAD: 'OFF',
    });
    expect(config.telegram).toEqual({ mode: 'live', apiId: 123456, apiHash: API_HASH, credentials: [{ apiId: 123456, apiHash: API_HASH }] });
    expect(config.bot).toEqual({ token: TOKEN, apiRoot: 'http://127.0.0.1:8081', adminIds: [111, 222], reportChatId: -1001234567890 });
    expect(config.database.path).toBe('/var/lib/switchboard.db');
    expect(config.security.sessionSecret).toBe(SESSION_SECRET);
    expect(config.sandbox.trace).toBe('./trace.jsonl');
    expect(config.log.level).toBe('debug');
    expect(config.engine).toEqual({
      scrapeConcurrency: 12,
      timeouts: { queueWaitMs: 10_000, lockMs: 5_000, run: { scraping: 600_000, monitoring: 7_200_000, sending: 20_000 } },
      floodSleepThresholdS: 0,
      send: { minIntervalMs: 0 },
      budgets: { join: 5, send: 10, resolve: 250 },
      accountsThread: false,
    });
  });

  it('reads the budget caps, each on its own, and keeps the defaults of the others', () => {
    expect(loadConfig({ JOIN_DAILY_CAP: '1' }).engine.budgets).toEqual({ join: 1, send: 50, resolve: 100 });
    expect(loadConfig({ RESOLVE_HOURLY_CAP: '100000' }).engine.budgets).toEqual({ join: 20, send: 50, resolve: 100_000 });
    expect(loadConfig({ SEND_DAILY_CAP: ' 7 ' }).engine.budgets).toEqual({ join: 20, send: 7, resolve: 100 });
    expect(configError({ JOIN_DAILY_CAP: '0' }).message).toBe('JOIN_DAILY_CAP must be a whole number from 1 to 10000 (got "0")');
    expect(configError({ RESOLVE_HOURLY_CAP: 'lots' }).message).toBe('RESOLVE_HOURLY_CAP must be a whole number from 1 to 100000 (got "lots")');
  });

  it('defaults the report chat to the first admin', () => {
    expect(loadConfig({ ...LIVE, ADMIN_IDS: '333,111' }).bot.reportChatId).toBe(333);
  });

  it.each(['BOT_TOKEN', 'API_ID', 'API_HASH', 'ADMIN_IDS', 'SESSION_SECRET'] as const)(
    'requires %s in live mode',
    (variable) => {
      const error = configError({ ...LIVE, [variable]: undefined });
      expect(error.variable).toBe(variable);
      expect(error.message).toBe(error.message.split('\n')[0]);
      expect(error.message).toMatch(new RegExp(`^${variable} is required when TELEGRAM_MODE is live`));
    },
  );

  it('refuses the sandbox development key in live mode', () => {
    const error = configError({ ...LIVE, SESSION_SECRET: SANDBOX_SESSION_SECRET });
    expect(error.variable).toBe('SESSION_SECRET');
    expect(error.message).not.toContain(SANDBOX_SESSION_SECRET);
  });

  it('names the variable and the value in one line', () => {
    const error = configError({ SCRAPE_CONCURRENCY: 'abc' });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ConfigError');
    expect(error.variable).toBe('SCRAPE_CONCURRENCY');
    expect(error.message).toBe('SCRAPE_CONCURRENCY must be a whole number from 1 to 100 (got "abc")');
  });

  it.each([
    ['TELEGRAM_MODE', 'staging'],
    ['BOT_API_ROOT', 'ftp://example.org'],
    ['BOT_API_ROOT', 'not a url'],
    ['ADMIN_IDS', '12,abc'],
    ['ADMIN_IDS', '0'],
    ['ADMIN_IDS', ','],
    ['API_ID', '-5'],
    ['API_ID', '1.5'],
    ['SCRAPE_CONCURRENCY', '0'],
    ['SCRAPE_CONCURRENCY', '101'],
    ['SCRAPE_CONCURRENCY', '1e2'],
    ['REPORT_CHAT_ID', '0'],
    ['REPORT_CHAT_ID', 'me'],
    ['SANDBOX_WORLD', '/does/not/exist.json'],
    ['LOG_LEVEL', 'verbose'],
    ['QUEUE_WAIT_TIMEOUT_S', '0'],
    ['LOCK_TIMEOUT_S', '-1'],
    ['SCRAPE_TIMEOUT_S', 'ten'],
    ['MONITOR_TIMEOUT_S', '99999999'],
    ['SEND_TIMEOUT_S', '1.5'],
    ['FLOOD_SLEEP_THRESHOLD_S', 'x'],
    ['SEND_MIN_INTERVAL_S', '-3'],
    ['SEND_DAILY_CAP', '0'],
    ['JOIN_DAILY_CAP', '0'],
    ['JOIN_DAILY_CAP', '20.5'],
    ['JOIN_DAILY_CAP', '10001'],
    ['JOIN_DAILY_CAP', 'twenty'],
    ['RESOLVE_HOURLY_CAP', '0'],
    ['RESOLVE_HOURLY_CAP', '-100'],
    ['RESOLVE_HOURLY_CAP', '100001'],
    ['ROLE', 'boss'],
    ['ROLE', 'workers'],
    ['WORKER_NAME', 'two\nlines'],
    ['METRICS_PORT', '65536'],
    ['METRICS_PORT', '-1'],
    ['METRICS_PORT', 'http'],
    ['LEASE_SECONDS', '2'],
    ['LEASE_SECONDS', '601'],
  ])('rejects %s=%s with one line naming it', (variable, value) => {
    const error = configError({ [variable]: value });
    expect(error.variable).toBe(variable);
    expect(error.message).not.toContain('\n');
    expect(error.message.startsWith(`${variable} must be `)).toBe(true);
    expect(error.message).toContain(JSON.stringify(value));
  });

  it('shortens long values it echoes', () => {
    const error = configError({ LOG_LEVEL: 'x'.repeat(500) });
    expect(error.message.length).toBeLessThan(200);
  });

  it.each([
    ['BOT_TOKEN', { ...LIVE, BOT_TOKEN: 'not-a-token-but-a-secret' }, 'not-a-token-but-a-secret'],
    ['API_HASH', { ...LIVE, API_HASH: 'secret-hash-that-is-wrong' }, 'secret-hash-that-is-wrong'],
    ['SESSION_SECRET', { ...LIVE, SESSION_SECRET: 'shortsecret' }, 'shortsecret'],
    ['SESSION_SECRET', { SESSION_SECRET: 'shortsecret' }, 'shortsecret'],
  ])('never echoes the value of %s', (variable, env, secret) => {
    const error = configError(env);
    expect(error.variable).toBe(variable);
    expect(error.message).not.toContain(secret);
    expect(error.message).toContain('(value hidden)');
    expect(error.cause).toBeUndefined();
  });

  it('reads API_CREDENTIALS as more app credentials after API_ID/API_HASH, in their order', () => {
    const second = 'ABCDEF0123456789abcdef0123456789';
    const third = 'fedcba9876543210fedcba9876543210';
    const config = loadConfig({ ...LIVE, API_CREDENTIALS: ` 2040:${second} , 777:${third},` });
    expect(config.telegram.credentials).toEqual([
      { apiId: 123456, apiHash: API_HASH },
      { apiId: 2040, apiHash: second.toLowerCase() },
      { apiId: 777, apiHash: third },
    ]);
    expect(loadConfig({ API_CREDENTIALS: `2040:${second}` }).telegram.credentials).toEqual([
      { apiId: SANDBOX_API_ID, apiHash: SANDBOX_API_HASH },
      { apiId: 2040, apiHash: second.toLowerCase() },
    ]);
  });

  it.each([
    ['a hash that is too short', `2040:${API_HASH.slice(1)}`],
    ['no colon', `2040${API_HASH}`],
    ['an id that is not a number', `abc:${API_HASH}`],
    ['an id of 0', `0:${API_HASH}`],
    ['an id past 2^31-1', `2147483648:${API_HASH}`],
    ['one app id twice', `2040:${API_HASH},2040:${'f'.repeat(32)}`],
    ['a bad second entry', `2040:${API_HASH},777:${'g'.repeat(32)}`],
  ])('refuses API_CREDENTIALS with %s in one line naming it, never echoing a hash', (_, value) => {
    const error = configError({ ...LIVE, API_CREDENTIALS: value });
    expect(error.variable).toBe('API_CREDENTIALS');
    expect(error.message).not.toContain('\n');
    expect(error.message).toMatch(/^API_CREDENTIALS must be a comma-separated list of app credentials id:hash/);
    expect(error.message).toContain('(value hidden)');
    expect(error.message).not.toContain(API_HASH);
    expect(error.message).not.toContain(API_HASH.slice(1));
    expect(error.cause).toBeUndefined();
  });

  it('refuses API_CREDENTIALS that repeat API_ID, without echoing the hash', () => {
    const error = configError({ ...LIVE, API_CREDENTIALS: `123456:${'e'.repeat(32)}` });
    expect(error.message).toBe('API_CREDENTIALS must not list the app id 123456 again: it is API_ID already');
  });

  it('reads where to serve the simulated Telegram, or whose to use, and refuses both at once or in live mode', () => {
    expect(loadConfig({ SANDBOX_SERVE: '0.0.0.0:7777' }).sandbox.serve).toEqual({ host: '0.0.0.0', port: 7777 });
    expect(loadConfig({ SANDBOX_SERVE: '127.0.0.1:0' }).sandbox.serve).toEqual({ host: '127.0.0.1', port: 0 });
    expect(loadConfig({ SANDBOX_CONNECT: 'sandbox.local:7777' }).sandbox.connect).toEqual({ host: 'sandbox.local', port: 7777 });
    expect(loadConfig({ SANDBOX_CONNECT: '[::1]:7777' }).sandbox.connect).toEqual({ host: '::1', port: 7777 });
    expect(configError({ SANDBOX_CONNECT: '127.0.0.1:0' }).message).toBe('SANDBOX_CONNECT must be host:port, such as 127.0.0.1:7777 (got "127.0.0.1:0")');
    expect(configError({ SANDBOX_SERVE: '7777' }).variable).toBe('SANDBOX_SERVE');
    expect(configError({ SANDBOX_SERVE: 'localhost:99999' }).variable).toBe('SANDBOX_SERVE');
    const both = configError({ SANDBOX_SERVE: '127.0.0.1:7777', SANDBOX_CONNECT: '127.0.0.1:7778' });
    expect(both.variable).toBe('SANDBOX_CONNECT');
    expect(both.message).toMatch(/exclude each other/);
    expect(configError({ ...LIVE, SANDBOX_SERVE: '127.0.0.1:7777' }).message).toBe('SANDBOX_SERVE only works when TELEGRAM_MODE is sandbox');
    expect(configError({ ...LIVE, SANDBOX_CONNECT: '127.0.0.1:7777' }).variable).toBe('SANDBOX_CONNECT');
  });

  it('reads the playground port: 8080 by default, 0 turns it off, never on in live mode', () => {
    expect(loadConfig({ PLAYGROUND_PORT: '9090' }).sandbox.playgroundPort).toBe(9090);
    expect(loadConfig({ PLAYGROUND_PORT: '0' }).sandbox.playgroundPort).toBe(0);
    expect(loadConfig(LIVE).sandbox.playgroundPort).toBe(0);
    expect(loadConfig({ ...LIVE, PLAYGROUND_PORT: '0' }).sandbox.playgroundPort).toBe(0);
    expect(configError({ PLAYGROUND_PORT: '65536' }).message).toBe('PLAYGROUND_PORT must be a port from 1 to 65535, or 0 to turn the playground off (got "65536")');
    expect(configError({ PLAYGROUND_PORT: 'http' }).variable).toBe('PLAYGROUND_PORT');
    expect(configError({ ...LIVE, PLAYGROUND_PORT: '8080' }).message).toBe('PLAYGROUND_PORT only works when TELEGRAM_MODE is sandbox (0 turns the playground off)');
  });

  it('reads whether the accounts run in a thread of their own', () => {
    expect(loadConfig({ ACCOUNTS_THREAD: 'off' }).engine.accountsThread).toBe(false);
    expect(loadConfig({ ACCOUNTS_THREAD: 'On' }).engine.accountsThread).toBe(true);
    expect(configError({ ACCOUNTS_THREAD: 'maybe' }).message).toBe('ACCOUNTS_THREAD must be "on" or "off" (got "maybe")');
  });

  it('reads DATABASE_URL, postgres:// or postgresql://, and shows it only with its password hidden', () => {
    const url = 'postgres://switchboard:s3cret-pass@db.internal:5432/switchboard';
    const config = loadConfig({ DATABASE_URL: url });
    expect(config.database).toEqual({ path: DEFAULT_DATABASE_PATH, url, displayUrl: 'postgres://switchboard:***@db.internal:5432/switchboard' });
    expect(loadConfig({ DATABASE_URL: 'postgresql://127.0.0.1/test' }).database.displayUrl).toBe('postgresql://127.0.0.1/test');
    expect(loadConfig({ DATABASE_URL: 'POSTGRES://u@h/db' }).database.url).toBe('POSTGRES://u@h/db');
  });

  it.each([
    ['another scheme', 'mysql://root:s3cret-pass@127.0.0.1/db', '(got "mysql://root:***@127.0.0.1/db")'],
    ['a password parameter', 'http://h/db?password=s3cret-pass', '(got "http://h/db?password=***")'],
    ['no URL at all', 'host=db password=s3cret-pass', '(value hidden)'],
  ])('refuses DATABASE_URL with %s in one line naming it, never echoing its password', (_, value, shown) => {
    const error = configError({ DATABASE_URL: value });
    expect(error.variable).toBe('DATABASE_URL');
    expect(error.message).not.toContain('\n');
    expect(error.message).not.toContain('s3cret-pass');
    expect(error.message).toBe(`DATABASE_URL must be a PostgreSQL URL such as postgres://user:password@127.0.0.1:5432/switchboard (postgres:// or postgresql://) ${shown}`);
    expect(error.cause).toBeUndefined();
  });

  it('reads ROLE, and refuses panel or worker without DATABASE_URL in one line naming DATABASE_URL', () => {
    const url = 'postgres://u:pw@127.0.0.1:5432/db';
    expect(loadConfig({ ROLE: 'Panel', DATABASE_URL: url }).process.role).toBe('panel');
    expect(loadConfig({ ROLE: 'worker', DATABASE_URL: url }).process.role).toBe('worker');
    expect(loadConfig({ ROLE: 'all' }).process.role).toBe('all');
    for (const role of ['panel', 'worker']) {
      const error = configError({ ROLE: role });
      expect(error.variable).toBe('DATABASE_URL');
      expect(error.message).toBe(`DATABASE_URL is required when ROLE is ${role}: the processes share one PostgreSQL database (postgres://user:password@host:5432/db)`);
    }
    expect(configError({ ROLE: 'boss' }).message).toBe('ROLE must be "all", "panel" or "worker" (got "boss")');
  });

  it('needs no BOT_TOKEN or ADMIN_IDS for a worker, even in live mode; a panel still does', () => {
    const { BOT_TOKEN: _token, ADMIN_IDS: _admins, ...rest } = LIVE;
    const url = 'postgres://u:pw@127.0.0.1:5432/db';
    const worker = loadConfig({ ...rest, ROLE: 'worker', DATABASE_URL: url });
    expect(worker.bot).toEqual({ token: '', apiRoot: undefined, adminIds: [], reportChatId: 0 });
    expect(worker.telegram.mode).toBe('live');
    expect(configError({ ...rest, ROLE: 'panel', DATABASE_URL: url }).variable).toBe('BOT_TOKEN');
    expect(configError({ ...rest, BOT_TOKEN: TOKEN, ROLE: 'panel', DATABASE_URL: url }).variable).toBe('ADMIN_IDS');
    // What a worker still needs to drive the accounts.
    expect(configError({ ...rest, ROLE: 'worker', DATABASE_URL: url, SESSION_SECRET: undefined }).variable).toBe('SESSION_SECRET');
  });

  it('names this process after WORKER_NAME', () => {
    expect(loadConfig({ WORKER_NAME: ' worker-eu-1 ' }).process.workerName).toBe('worker-eu-1');
    expect(configError({ WORKER_NAME: 'x'.repeat(101) }).message).toMatch(/^WORKER_NAME must be a name of at most 100 characters on one line/);
  });

  it('reads METRICS_PORT: off when unset, 0 for any free port', () => {
    expect(loadConfig({ METRICS_PORT: '9464' }).metrics.port).toBe(9464);
    expect(loadConfig({ METRICS_PORT: '0' }).metrics.port).toBe(0);
    expect(configError({ METRICS_PORT: '70000' }).message).toBe('METRICS_PORT must be a port from 1 to 65535 (0: any free port, which is logged) (got "70000")');
  });

  it('accepts an existing world file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-config-'));
    try {
      const world = join(dir, 'world.json');
      writeFileSync(world, '{}');
      expect(loadConfig({ SANDBOX_WORLD: world }).sandbox.world).toBe(world);
      expect(configError({ SANDBOX_WORLD: dir }).variable).toBe('SANDBOX_WORLD');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('loadDotEnv', () => {
  let dir: string;
  const keys = ['SWITCHBOARD_TEST_A', 'SWITCHBOARD_TEST_B', 'SWITCHBOARD_TEST_C'] as const;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-dotenv-'));
  });
  afterEach(() => {
    for (const key of keys) delete process.env[key];
    rmSync(dir, { recursive: true, force: true });
  });

  it('does nothing when the file is missing', () => {
    expect(loadDotEnv(join(dir, '.env'))).toBe(false);
  });

  it('fills unset and empty variables without overriding set ones', () => {
    const file = join(dir, '.env');
    writeFileSync(file, '# comment\nSWITCHBOARD_TEST_A=from-file\nSWITCHBOARD_TEST_B=from-file\nSWITCHBOARD_TEST_C=from-file\n');
    process.env.SWITCHBOARD_TEST_A = 'from-env';
    process.env.SWITCHBOARD_TEST_B = '';
    expect(loadDotEnv(file)).toBe(true);
    expect(process.env.SWITCHBOARD_TEST_A).toBe('from-env');
    expect(process.env.SWITCHBOARD_TEST_B).toBe('from-file');
    expect(process.env.SWITCHBOARD_TEST_C).toBe('from-file');
  });

  it('keeps empty variables the file does not mention', () => {
    const file = join(dir, '.env');
    writeFileSync(file, 'SWITCHBOARD_TEST_A=from-file\n');
    process.env.SWITCHBOARD_TEST_B = '';
    loadDotEnv(file);
    expect(process.env.SWITCHBOARD_TEST_B).toBe('');
  });
});

describe('.env.example', () => {
  it('reads LEASE_SECONDS as the lease time in ms', () => {
    expect(loadConfig({ LEASE_SECONDS: '3' }).process.leaseMs).toBe(3000);
  });

  it('documents every variable', () => {
    const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    for (const variable of CONFIG_VARIABLES) expect(example).toMatch(new RegExp(`^# ${variable}=`, 'm'));
  });
});
