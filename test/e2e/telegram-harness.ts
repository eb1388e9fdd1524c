import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { createSessionCipher } from '../../src/db/session-crypto.js';
import { createEngine, type Engine, type EngineOptions } from '../../src/engine/index.js';
import { createLoginService, type LoginService } from '../../src/engine/login.js';
import { startAccountThread } from '../../src/engine/account-thread/account-thread.js';
import { classifyTelegramError, registerTelegramOperations, telegramRunners, type TelegramOperations } from '../../src/engine/operations/index.js';
import { serveSandbox } from '../../src/sandbox/wire/socket-server.js';
import { telegramClientFactory } from '../../src/engine/clients/client-factory.js';
import {
  createWorld,
  parseWorld,
  SANDBOX_CREDENTIALS,
  sandboxServer,
  sandboxTransport,
  worldEndpoint,
  worldSession,
  type SandboxWorld,
  type TraceEntry,
  type WorldInput,
} from '../../src/sandbox/index.js';
import { silentLogger } from '../engine/harness.js';

export interface TelegramHarness {
  world: SandboxWorld;
  db: DatabaseHandle;
  engine: Engine<unknown>;
  operations: TelegramOperations;
  login: LoginService;
  trace: TraceEntry[];
  /** Stops the engine and the world; closes the database unless `keepDb`. */
  stop(keepDb?: boolean): Promise<void>;
}

export interface TelegramHarnessOptions {
  path?: string;
  /** Accounts (by phone) to register; default: every authorized account of the world. */
  accounts?: string[];
  engine?: Partial<EngineOptions<unknown>>;
  trace?: TraceEntry[];
  world?: SandboxWorld;
  /**
   * Run the accounts' GramJS work in the accounts thread, as `npm start` does: the world is then served
   * over a loopback socket, and the database is a file (a temporary one unless `path` is given).
   * @default false
   */
  threaded?: boolean;
  /** Called with the engine before it starts: to listen to what its start already emits (a re-armed monitor's hits). */
  onEngine?: (engine: Engine<unknown>) => void;
}

/** The real engine, real GramJS clients and the sandbox world, on a fresh database. */
export async function createTelegramHarness(input: WorldInput, options: TelegramHarnessOptions = {}): Promise<TelegramHarness> {
  const trace = options.trace ?? [];
  const world = options.world ?? createWorld(parseWorld(input), { traceEntries: trace });
  const temp = options.threaded && !options.path ? mkdtempSync(join(tmpdir(), 'switchboard-threaded-')) : undefined;
  const db = createDatabase(options.path ?? (temp ? join(temp, 'harness.db') : ':memory:'));
  const clients = telegramClientFactory({ transport: sandboxTransport(worldEndpoint(world)) });
  const runnerOptions = { db, scrape: { participantsCap: world.participantsCap }, send: { minIntervalMs: 0 }, health: { enabled: false } };
  const served = options.threaded ? await serveSandbox(sandboxServer(world)) : undefined;
  const thread = served
    ? await startAccountThread({
        databasePath: db.path,
        sandbox: served.address,
        floodSleepThreshold: 0,
        scrape: runnerOptions.scrape,
        send: { minIntervalMs: 0 },
        logger: silentLogger(),
      })
    : undefined;
  const engine = createEngine<unknown>({
    db,
    logger: silentLogger(),
    clients: thread ? thread.clients : clients,
    classify: classifyTelegramError,
    cipher: createSessionCipher('test-secret', { scryptCost: 1024 }),
    credentials: [SANDBOX_CREDENTIALS],
    ...options.engine,
  });
  options.onEngine?.(engine);
  const reports = { onHit: engine.emitMonitorHit.bind(engine), recordHealthCheck: engine.recordHealthCheck.bind(engine) };
  const local = telegramRunners(runnerOptions, reports);
  thread?.reportTo(reports);
  const operations = registerTelegramOperations(engine, runnerOptions, thread ? thread.remote(local) : local);
  const login = createLoginService({ engine, loginClient: (session, identity) => clients.loginClient(session, identity) });
  const phones = options.accounts ?? world.accounts().filter((a) => a.authorized).map((a) => a.phone);
  // Accounts load at start: ask the database which ones a previous run registered.
  const known = new Set((db.sqlite.prepare('select phone from accounts').all() as Array<{ phone: string }>).map((a) => a.phone));
  for (const phone of phones) {
    if (known.has(phone)) continue;
    // As if exported from Telegram: the world hands out a logged-in session of each of its accounts.
    const added = await engine.addAccount({ phone, session: await worldSession(world, phone) });
    if (added.kind !== 'ok') throw new Error(added.message);
  }
  await engine.start();
  await operations.start();
  return {
    world,
    db,
    engine,
    operations,
    login,
    trace,
    async stop(keepDb = false) {
      await login.stop();
      await engine.stop();
      await thread?.stop();
      await served?.close();
      if (!options.world) await world.stop();
      if (!keepDb) db.close();
      if (temp && !keepDb) rmSync(temp, { recursive: true, force: true });
    },
  };
}

export function submitOk(engine: Engine<unknown>, request: Parameters<Engine['submit']>[0]) {
  const result = engine.submit(request);
  if (result.kind !== 'queued') throw new Error(`refused: ${result.message}`);
  return result.operation;
}

/** `n` logged-in world accounts: +15550000001…, user ids 7000001…. */
export const worldAccounts = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ phone: `+1555000${String(i + 1).padStart(4, '0')}`, userId: 7_000_001 + i, firstName: `Ops${i + 1}`, code: '12345', authorized: true }));

/** Pool user n's id (docs/sandbox.md, The user pool). */
export const poolId = (n: number) => 10_000_000 + n;
