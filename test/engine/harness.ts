import pino from 'pino';
import { createDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { createEngine, type Engine, type EngineOptions } from '../../src/engine/index.js';

export const silentLogger = () => pino({ level: 'silent' });

export interface Harness {
  db: DatabaseHandle;
  engine: Engine;
}

/** An engine on an in-memory database with the real migrations and `accounts` ready accounts. */
export async function createHarness(
  accounts: number,
  options: Partial<EngineOptions> & { register?: (engine: Engine) => void; path?: string } = {},
): Promise<Harness> {
  const db = options.db ?? createDatabase(options.path ?? ':memory:');
  const engine = createEngine({ logger: silentLogger(), ...options, db });
  options.register?.(engine);
  for (let i = 0; i < accounts; i += 1) {
    const result = await engine.addAccount({ phone: `+1555000${String(i + 1).padStart(4, '0')}` });
    if (result.kind !== 'ok') throw new Error(result.message);
  }
  await engine.start();
  return { db, engine };
}
