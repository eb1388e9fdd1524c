import type { TelegramClient } from 'telegram';
import { createDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { createSessionCipher } from '../../src/db/session-crypto.js';
import { createEngine, type Engine, type EngineOptions } from '../../src/engine/index.js';
import { createLoginService, type LoginService } from '../../src/engine/login.js';
import { classifyTelegramError, registerTelegramOperations, type TelegramOperations } from '../../src/engine/operations/index.js';
import { telegramClientFactory } from '../../src/engine/clients/client-factory.js';
import {
  createWorld,
  parseWorld,
  SANDBOX_CREDENTIALS,
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
  engine: Engine<TelegramClient | undefined>;
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
  engine?: Partial<EngineOptions<TelegramClient | undefined>>;
  trace?: TraceEntry[];
  world?: SandboxWorld;
}

/** The real engine, real GramJS clients and the sandbox world, on a fresh database. */
export async function createTelegramHarness(input: WorldInput, options: TelegramHarnessOptions = {}): Promise<TelegramHarness> {
  const trace = options.trace ?? [];
  const world = options.world ?? createWorld(parseWorld(input), { traceEntries: trace });
  const db = createDatabase(options.path ?? ':memory:');
  const clients = telegramClientFactory({ credentials: SANDBOX_CREDENTIALS, transport: sandboxTransport(worldEndpoint(world)) });
  const engine = createEngine<TelegramClient | undefined>({
    db,
    logger: silentLogger(),
    clients,
    classify: classifyTelegramError,
    cipher: createSessionCipher('test-secret', { scryptCost: 1024 }),
    ...options.engine,
  });
  const operations = registerTelegramOperations(engine, {
    db,
    scrape: { participantsCap: world.participantsCap },
    send: { minIntervalMs: 0 },
    health: { enabled: false },
  });
  const login = createLoginService({ engine, loginClient: (session) => clients.loginClient(session), ...SANDBOX_CREDENTIALS });
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
  operations.start();
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
      if (!options.world) await world.stop();
      if (!keepDb) db.close();
    },
  };
}

export function submitOk(engine: Engine<TelegramClient | undefined>, request: Parameters<Engine['submit']>[0]) {
  const result = engine.submit(request);
  if (result.kind !== 'queued') throw new Error(`refused: ${result.message}`);
  return result.operation;
}

/** `n` logged-in world accounts: +15550000001…, user ids 7000001…. */
export const worldAccounts = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ phone: `+1555000${String(i + 1).padStart(4, '0')}`, userId: 7_000_001 + i, firstName: `Ops${i + 1}`, code: '12345', authorized: true }));

/** Pool user n's id (SPEC §5). */
export const poolId = (n: number) => 10_000_000 + n;
