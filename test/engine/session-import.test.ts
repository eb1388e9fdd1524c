import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { telegramClientFactory } from '../../src/engine/clients/client-factory.js';
import { createSessionImporter } from '../../src/engine/session-import.js';
import { createWorld, parseWorld, SANDBOX_CREDENTIALS, sandboxTransport, worldEndpoint, type SandboxWorld } from '../../src/sandbox/index.js';
import { readText, type SessionItem } from '../../src/sessions/index.js';
import { createSessionCipher } from '../../src/db/session-crypto.js';
import { createHarness, silentLogger } from './harness.js';
import { telethonString, testKey } from '../sessions/fixtures.js';

const ACCOUNTS = 4;
const keyOf = (n: number) => testKey(`importer-${n}`);
let world: SandboxWorld;

beforeAll(() => {
  world = createWorld(
    parseWorld({
      accounts: Array.from({ length: ACCOUNTS }, (_, i) => ({
        phone: `+1555000${String(i + 1).padStart(4, '0')}`,
        userId: 7_000_001 + i,
        firstName: `Acc${i + 1}`,
        code: '12345',
        authorized: false,
        authKey: keyOf(i).toString('hex'),
        dc: 2,
      })),
      chats: [],
    }),
  );
});
afterAll(async () => {
  await world.stop();
});

/** A session for world account `n` (0-based), or a key nobody holds for n = -1. */
const session = (n: number): SessionItem => readText(telethonString(2, '149.154.167.51', 443, n < 0 ? testKey('nobody') : keyOf(n)))[0] as SessionItem;

describe('createSessionImporter', () => {
  it('adds the first copy of each account, answers later copies with its number and dead keys as dead, in any order', async () => {
    const clients = telegramClientFactory({ credentials: SANDBOX_CREDENTIALS, transport: sandboxTransport(worldEndpoint(world)) });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: -1, max: ACCOUNTS - 1 }), { minLength: 1, maxLength: 10 }), fc.integer({ min: 1, max: 4 }), async (picks, concurrency) => {
        const { engine, db } = await createHarness(0, { cipher: createSessionCipher('test-secret', { scryptCost: 1024 }), credentials: [SANDBOX_CREDENTIALS] });
        try {
          const importer = createSessionImporter({ engine, probe: (s, identity) => clients.loginClient(s, identity), logger: silentLogger(), concurrency });
          let progress = 0;
          const lines = await importer.importAll(
            picks.map((n) => session(n)),
            (done) => (progress = done),
          );
          expect(progress).toBe(picks.length);
          const idOf = new Map<number, number>();
          lines.forEach((line, i) => {
            const n = picks[i] as number;
            if (n < 0) return expect(line.outcome.kind).toBe('dead');
            const known = idOf.get(n);
            if (known === undefined) {
              expect(line.outcome.kind).toBe('added');
              if (line.outcome.kind === 'added') idOf.set(n, line.outcome.accountId);
            } else expect(line.outcome).toEqual({ kind: 'present', accountId: known });
          });
          expect(engine.listAccounts().map((a) => a.telegramUserId).sort()).toEqual([...idOf.keys()].map((n) => 7_000_001 + n).sort());
        } finally {
          await engine.stop();
          db.close();
        }
      }),
      { numRuns: 15 },
    );
  }, 120_000);

  it('answers a check that does not end in time as not checked, storing nothing', async () => {
    const { engine, db } = await createHarness(0, { cipher: createSessionCipher('test-secret', { scryptCost: 1024 }), credentials: [SANDBOX_CREDENTIALS] });
    try {
      // The stand-in for a network that never answers: the probe's connection never opens.
      const importer = createSessionImporter({ engine, probe: () => new Promise(() => undefined), logger: silentLogger(), timeoutMs: 20 });
      const lines = await importer.importAll([session(0)]);
      expect(lines).toEqual([{ source: 'string', outcome: { kind: 'failed', reason: 'Telegram did not answer within 1 s' } }]);
      expect(engine.listAccounts()).toEqual([]);
    } finally {
      await engine.stop();
      db.close();
    }
  });
});
