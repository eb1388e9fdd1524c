import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { createAccountsRepository } from '../../src/db/repositories/accounts.js';
import { createPortMemberStore } from '../../src/db/repositories/member-store.js';
import { createOperationsRepository } from '../../src/db/repositories/operations.js';
import { openPostgresDatabase, type PostgresDatabaseHandle } from '../../src/db/postgres-client.js';
import { createSessionCipher } from '../../src/db/session-crypto.js';
import { sessionString } from '../../src/engine/clients/session-string.js';
import { FleetSubmitter } from '../../src/engine/distributed/fleet-submitter.js';
import { OperationQueue } from '../../src/engine/distributed/operation-queue.js';
import { scrapeOperation } from '../../src/engine/operations/scrape.js';
import type { RunnerDefinition } from '../../src/engine/types.js';
import type { TraceEntry, WorldInput } from '../../src/sandbox/index.js';
import { openSandbox, type OpenSandbox } from '../../src/sandbox/open-sandbox.js';
import { loadConfig, SANDBOX_SESSION_SECRET, type HostPort } from '../../src/config.js';
import { assignIdentity } from '../../src/engine/account-identity.js';
import type { DeviceProfile } from '../../src/engine/clients/device-profile.js';
import { adminUrl, createTestDatabase, type TestDatabase } from '../db/postgres.js';

const quiet = pino({ level: 'silent' });
const MAIN = resolve(import.meta.dirname, '../../src/main.ts');
/** How the test's own connections name themselves, so that {@link Fleet.dropConnections} spares them. */
const OWN_CONNECTIONS = 'fleet-test';

/** `host:port` (as a world thread reports it) as the config's SANDBOX_CONNECT holds it. */
function hostPort(address: string): HostPort {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: Number(address.slice(at + 1)) };
}

/** One worker process of a fleet under test. */
export interface FleetWorker {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal) once the process ended. */
  readonly exited: Promise<number | string>;
  /** What it logged and wrote to stderr, for a failing test to show. */
  output(): string;
}

export interface FleetOptions {
  readonly world: WorldInput;
  /** @default 2 */
  readonly scrapeConcurrency?: number;
  /** LEASE_SECONDS of the workers. @default 3 */
  readonly leaseSeconds?: number;
  /**
   * `host:port` of a simulated Telegram another process serves with `world` in it (the fleet bench hosts it in a
   * process of its own, so its CPU is measured apart); the fleet then hosts none and writes no trace.
   * @default undefined (this process hosts the world)
   */
  readonly connect?: string;
  /**
   * More runners the submitter accepts besides the scrape, for workers that register them too (a bench's no-op
   * run by a worker in the bench process).
   * @default []
   */
  readonly definitions?: readonly RunnerDefinition<never, unknown, never, unknown>[];
}

/**
 * A fleet under test: a simulated Telegram served on a loopback port (the test process hosts it and writes its
 * trace, unless `connect` names one served elsewhere), a fresh PostgreSQL database with the world's accounts in it,
 * a submitter (the panel's side of the queue), and worker processes started as `npm start` would start them with
 * ROLE=worker.
 */
export class Fleet {
  readonly dir: string;
  readonly tracePath: string;
  readonly workers: FleetWorker[] = [];
  readonly #panels: FleetWorker[] = [];
  #sandbox: OpenSandbox | undefined;
  /** Where the workers find the world: `host:port`. */
  #address: string | undefined;
  #database: TestDatabase | undefined;
  #db: PostgresDatabaseHandle | undefined;
  #queue: OperationQueue | undefined;
  #submitter: FleetSubmitter | undefined;
  readonly #options: FleetOptions;

  constructor(options: FleetOptions) {
    this.#options = options;
    this.dir = mkdtempSync(join(tmpdir(), 'switchboard-fleet-'));
    this.tracePath = join(this.dir, 'trace.jsonl');
  }

  get db(): PostgresDatabaseHandle {
    if (!this.#db) throw new Error('the fleet is not started');
    return this.#db;
  }

  /** The fleet's database (the workers' DATABASE_URL). */
  get url(): string {
    if (!this.#database) throw new Error('the fleet is not started');
    return this.#database.url;
  }

  /** SANDBOX_CONNECT of its workers: where the world is served. */
  get address(): string {
    if (this.#address === undefined) throw new Error('the fleet is not started');
    return this.#address;
  }

  get submitter(): FleetSubmitter {
    if (!this.#submitter) throw new Error('the fleet is not started');
    return this.#submitter;
  }

  async start(): Promise<void> {
    const worldPath = join(this.dir, 'world.json');
    writeFileSync(worldPath, JSON.stringify(this.#options.world));
    const connect = this.#options.connect;
    this.#sandbox = connect
      ? await openSandbox({ worldPath: undefined, tracePath: undefined, serve: undefined, connect: hostPort(connect), logger: quiet })
      : await openSandbox({ worldPath, tracePath: this.tracePath, serve: { host: '127.0.0.1', port: 0 }, connect: undefined, logger: quiet });
    this.#address = connect ?? this.#sandbox.address;
    this.#database = await createTestDatabase();
    const own = new URL(this.#database.url);
    own.searchParams.set('application_name', OWN_CONNECTIONS);
    this.#db = await openPostgresDatabase(own.toString(), { logger: quiet });
    this.#queue = await OperationQueue.start({ connectionString: this.#database.url, logger: quiet });
    const accounts = createAccountsRepository(this.#db);
    const cipher = createSessionCipher(SANDBOX_SESSION_SECRET);
    // As the panel adds them: each with a device and the app credential of its own (README, Accounts).
    const { credentials } = loadConfig({}).telegram;
    const assigned: { apiId: number | null; device: DeviceProfile | null }[] = [];
    for (const account of this.#sandbox.info.accounts) {
      const session = await sessionString(account.dcId, account.authKey);
      const identity = assignIdentity({}, credentials, assigned, Math.random);
      const app = identity.credentials ?? credentials[0];
      if (app === undefined) throw new Error('no app credential to give the accounts');
      await accounts.insert(
        { phone: account.phone, label: account.firstName, sessionEnc: cipher.encrypt(session), apiId: app.apiId, apiHashEnc: cipher.encrypt(app.apiHash), device: identity.device },
        Date.now(),
      );
      assigned.push({ apiId: app.apiId, device: identity.device });
    }
    // The panel's side checks requests with the workers' own definitions.
    const scrape = scrapeOperation({ members: createPortMemberStore(this.#db) });
    this.#submitter = new FleetSubmitter({
      db: this.#db.sql,
      operations: createOperationsRepository(this.#db),
      accounts,
      queue: this.#queue,
      definitions: [scrape as unknown as RunnerDefinition<never, unknown, never, unknown>, ...(this.#options.definitions ?? [])],
    });
  }

  /** The environment a worker named `name` is started with (ROLE=worker on this fleet's database and world). */
  workerEnv(name: string, env: Record<string, string> = {}): Record<string, string> {
    return {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ROLE: 'worker',
      TELEGRAM_MODE: 'sandbox',
      DATABASE_URL: this.url,
      SANDBOX_CONNECT: this.address,
      WORKER_NAME: name,
      LEASE_SECONDS: String(this.#options.leaseSeconds ?? 3),
      SCRAPE_CONCURRENCY: String(this.#options.scrapeConcurrency ?? 2),
      LOG_LEVEL: process.env.FLEET_LOG_LEVEL ?? 'warn',
      ...env,
    };
  }

  /** Starts a worker process named `name`. */
  spawnWorker(name: string, env: Record<string, string> = {}): FleetWorker {
    return this.#spawn(name, this.workerEnv(name, env));
  }

  /**
   * Starts a panel process (ROLE=panel) as `npm start` would; `env` names its Bot API server (BOT_API_ROOT, BOT_TOKEN,
   * ADMIN_IDS). It is not one of {@link workers}, but it is killed at {@link stop} all the same.
   */
  spawnPanel(name: string, env: Record<string, string>): FleetWorker {
    const panel = this.#spawn(name, this.workerEnv(name, { ROLE: 'panel', ...env }));
    this.workers.splice(this.workers.indexOf(panel), 1);
    this.#panels.push(panel);
    return panel;
  }

  #spawn(name: string, env: Record<string, string>): FleetWorker {
    let err = '';
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Its log (stdout) and errors, kept for a failing test to show; FLEET_LOG_LEVEL also echoes them.
    const keep = (chunk: Buffer) => {
      err += chunk.toString();
      if (process.env.FLEET_LOG_LEVEL) process.stderr.write(`[${name}] ${chunk.toString()}`);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const exited = new Promise<number | string>((done) => child.once('exit', (code, signal) => done(code ?? signal ?? 'unknown')));
    const worker: FleetWorker = { name, child, exited, output: () => err };
    this.workers.push(worker);
    return worker;
  }

  /** Operations by status. */
  async statuses(): Promise<Record<string, number>> {
    const rows = await this.db.sql.all<{ status: string; n: number }>(sql`select status, count(*)::int as n from operations group by status`);
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  /** Distinct members stored per chat. */
  async membersPerChat(): Promise<Map<number, number>> {
    const rows = await this.db.sql.all<{ chat_id: number; n: number }>(sql`select chat_id, count(*)::int as n from chat_members group by chat_id`);
    return new Map(rows.map((r) => [Number(r.chat_id), Number(r.n)]));
  }

  /** Accounts each worker holds now, by worker name. */
  async holders(): Promise<Map<string, number>> {
    const rows = await this.db.sql.all<{ name: string; n: number }>(
      sql`select w.name, count(*)::int as n from account_leases l join workers w on w.id = l.worker_id where l.expires_at > ${Date.now()} group by w.name`,
    );
    return new Map(rows.map((r) => [r.name, Number(r.n)]));
  }

  /**
   * Ends every connection to the fleet's database (pg_terminate_backend) but the ones this test reads the results
   * with, as a PostgreSQL restart or failover would for the workers; asks from the server's maintenance database.
   * Returns how many it ended.
   */
  async dropConnections(): Promise<number> {
    if (!this.#database) throw new Error('the fleet is not started');
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ n: number }>(
        `select count(*) filter (where pg_terminate_backend(pid))::int as n from pg_stat_activity
         where datname = $1 and pid <> pg_backend_pid() and application_name is distinct from $2`,
        [this.#database.name, OWN_CONNECTIONS],
      );
      return rows[0]?.n ?? 0;
    } finally {
      await admin.end();
    }
  }

  trace(): TraceEntry[] {
    const text = readFileSync(this.tracePath, 'utf8').trim();
    return text === '' ? [] : text.split('\n').map((line) => JSON.parse(line) as TraceEntry);
  }

  async stop(): Promise<void> {
    const all = [...this.workers, ...this.#panels];
    for (const worker of all) if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
    await Promise.all(all.map((w) => w.exited));
    await this.#queue?.stop({ graceful: false }).catch(() => undefined);
    await this.#db?.close();
    await this.#sandbox?.stop();
    await this.#database?.drop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
