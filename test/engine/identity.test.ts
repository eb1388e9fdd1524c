import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase, type DatabaseHandle } from '../../src/db/client.js';
import { createSessionCipher } from '../../src/db/session-crypto.js';
import { catalogueProfiles } from '../../src/engine/clients/device-catalogue.js';
import type { AppCredentials } from '../../src/engine/clients/telegram-client.js';
import { createEngine, type ClientFactory, type ClientRequest, type Engine } from '../../src/engine/index.js';
import { silentLogger } from './harness.js';

const cipher = createSessionCipher('identity-test-secret', { scryptCost: 1024 });
const hash = (n: number) => n.toString(16).padStart(32, 'a');
const POOL: AppCredentials[] = [100, 101, 102].map((apiId, i) => ({ apiId, apiHash: hash(i) }));
const known = new Set(catalogueProfiles().map((p) => JSON.stringify(p)));
const phone = (i: number) => `+1555000${String(i).padStart(4, '0')}`;

/** The engine's client port, recording what each connection is asked to present. */
function recordingClients(): ClientFactory<object> & { requests: ClientRequest[] } {
  const requests: ClientRequest[] = [];
  return {
    requests,
    async connect(request) {
      requests.push(request);
      return {};
    },
    async disconnect() {},
  };
}

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function open(path: string, credentials: readonly AppCredentials[] = POOL, clients = recordingClients()): { db: DatabaseHandle; engine: Engine<object>; clients: typeof clients } {
  const db = createDatabase(path);
  return { db, clients, engine: createEngine<object>({ db, logger: silentLogger(), cipher, credentials, clients }) };
}

const rawRows = (db: DatabaseHandle) =>
  db.sqlite.prepare('select id, api_id as apiId, api_hash_enc as apiHashEnc, device from accounts order by id').all() as Array<{ id: number; apiId: number | null; apiHashEnc: string | null; device: string | null }>;

describe('Unit: engine identities (device and app credential per account)', () => {
  it('does give each new account a catalogue profile and the next credential in turn, the hash encrypted at rest', async () => {
    const { db, engine } = open(':memory:');
    for (let i = 1; i <= 5; i += 1) expect((await engine.addAccount({ phone: phone(i), session: 's' })).kind).toBe('ok');
    const accounts = engine.listAccounts();
    expect(accounts.map((a) => a.apiId)).toEqual([100, 101, 102, 100, 101]);
    for (const account of accounts) expect(known.has(JSON.stringify(account.device))).toBe(true);
    expect(new Set(accounts.map((a) => JSON.stringify(a.device))).size).toBe(5);
    for (const [i, row] of rawRows(db).entries()) {
      expect(row.apiHashEnc).not.toContain(POOL[i % 3]!.apiHash);
      expect(cipher.decrypt(row.apiHashEnc!)).toBe(POOL[i % 3]!.apiHash);
      expect(JSON.parse(row.device!)).toEqual(accounts[i]!.device);
    }
    db.close();
  });

  it("does keep a request's own device and credential (an imported sidecar's)", async () => {
    const { db, engine } = open(':memory:');
    const device = { deviceModel: 'PC 64bit', systemVersion: 'Linux', appVersion: '4.8.1', langCode: 'ru', systemLangCode: 'ru-RU' };
    const result = await engine.addAccount({ phone: phone(1), session: 's', device, credentials: { apiId: 2040, apiHash: hash(9) } });
    expect(result.kind === 'ok' && result.account).toMatchObject({ apiId: 2040, device });
    expect(cipher.decrypt(rawRows(db)[0]!.apiHashEnc!)).toBe(hash(9));
    db.close();
  });

  it('does refuse, and store nothing, when a credential cannot be encrypted', async () => {
    const db = createDatabase(':memory:');
    const engine = createEngine({ db, logger: silentLogger(), credentials: POOL });
    const result = await engine.addAccount({ phone: phone(1) });
    expect(result).toEqual({ kind: 'refused', message: 'App credentials cannot be stored: SESSION_SECRET is not configured.' });
    expect(rawRows(db)).toEqual([]);
    db.close();
  });

  it('does present the stored credential and device on every connection, unchanged across a restart with other credentials configured', async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-identity-'));
    const path = join(dir, 'identity.db');
    const first = open(path);
    for (let i = 1; i <= 2; i += 1) await first.engine.addAccount({ phone: phone(i), session: 's' });
    await first.engine.start();
    const before = first.engine.listAccounts().map((a) => ({ apiId: a.apiId, device: a.device }));
    await first.engine.stop();
    first.db.close();

    // The next run lists its credentials in another order, with a new one first: nothing assigned changes.
    const second = open(path, [{ apiId: 555, apiHash: hash(5) }, ...POOL].reverse());
    await second.engine.start();
    // start() connects every account before it returns.
    expect(second.clients.requests).toHaveLength(2);
    expect(second.engine.listAccounts().map((a) => ({ apiId: a.apiId, device: a.device }))).toEqual(before);
    for (const request of [...first.clients.requests, ...second.clients.requests]) {
      const mine = before[request.accountId - 1]!;
      expect(request.device).toEqual(mine.device);
      expect(request.credentials).toEqual(POOL.find((c) => c.apiId === mine.apiId));
    }
    await second.engine.stop();
    second.db.close();
  });

  it('does give accounts stored without a device or credential theirs once at start, and keeps them after', async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-identity-'));
    const path = join(dir, 'identity.db');
    const first = open(path);
    for (let i = 1; i <= 3; i += 1) await first.engine.addAccount({ phone: phone(i), session: 's' });
    // As a database from before devices and credentials were stored has them.
    first.db.sqlite.prepare('update accounts set device = null, api_id = null, api_hash_enc = null').run();
    first.db.close();

    const second = open(path);
    await second.engine.start();
    const assigned = rawRows(second.db);
    expect(assigned.map((r) => r.apiId)).toEqual([100, 101, 102]);
    for (const row of assigned) expect(known.has(JSON.stringify(JSON.parse(row.device!)))).toBe(true);
    await second.engine.stop();
    second.db.close();

    const third = open(path);
    await third.engine.start();
    expect(rawRows(third.db)).toEqual(assigned);
    await third.engine.stop();
    third.db.close();
  });

  it("does tell a login the identity its account will keep: a new phone's is the next assignment, a known phone's its own", async () => {
    const { db, engine } = open(':memory:');
    await engine.addAccount({ phone: phone(1), session: 's' });
    const fresh = engine.identityFor(phone(2))!;
    expect(fresh.credentials).toEqual(POOL[1]);
    expect(known.has(JSON.stringify(fresh.device))).toBe(true);
    const added = await engine.addAccount({ phone: phone(2), session: 's', ...fresh });
    expect(added.kind === 'ok' && added.account).toMatchObject({ apiId: 101, device: fresh.device });
    expect(engine.identityFor(phone(2))).toEqual(fresh);
    const bare = open(':memory:', []);
    expect(bare.engine.identityFor(phone(3))).toBeUndefined();
    bare.db.close();
    db.close();
  });

  it('does let logins under way take turns too, each phone keeping its answer until it is added', async () => {
    const { db, engine } = open(':memory:');
    const a = engine.identityFor(phone(1))!;
    const b = engine.identityFor(phone(2))!;
    expect([a.credentials.apiId, b.credentials.apiId]).toEqual([100, 101]);
    expect(a.device).not.toEqual(b.device);
    expect(engine.identityFor(phone(1))).toEqual(a);
    await engine.addAccount({ phone: phone(1), session: 's', ...a });
    // Added: the registry answers for it now; a third login takes the next credential.
    expect(engine.identityFor(phone(1))).toEqual(a);
    expect(engine.identityFor(phone(3))!.credentials.apiId).toBe(102);
    db.close();
  });

  it('does never change an identity once assigned, whatever later runs configure (property)', async () => {
    const credentialsArb = fc.uniqueArray(fc.integer({ min: 1, max: 50 }), { minLength: 0, maxLength: 4 }).map((ids) => ids.map((apiId) => ({ apiId, apiHash: hash(apiId) })));
    await fc.assert(
      fc.asyncProperty(credentialsArb, credentialsArb, fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }), async (firstPool, laterPool, own) => {
        const db = createDatabase(':memory:');
        const first = createEngine({ db, logger: silentLogger(), cipher, credentials: firstPool });
        for (const [i, imported] of own.entries()) {
          const request = imported ? { device: catalogueProfiles()[i]!, credentials: { apiId: 900 + i, apiHash: hash(900 + i) } } : {};
          expect((await first.addAccount({ phone: phone(i + 1), ...request })).kind).toBe('ok');
        }
        await first.start();
        const assigned = rawRows(db).map((r) => ({ ...r, apiHash: r.apiHashEnc && cipher.decrypt(r.apiHashEnc) }));
        await first.stop();
        // Later runs: another configuration, each starting again on the same database.
        for (const pool of [laterPool, firstPool]) {
          const next = createEngine({ db, logger: silentLogger(), cipher, credentials: pool });
          await next.start();
          const now = rawRows(db).map((r) => ({ ...r, apiHash: r.apiHashEnc && cipher.decrypt(r.apiHashEnc) }));
          for (const [i, row] of now.entries()) {
            const before = assigned[i]!;
            expect(row.device).toBe(before.device);
            // An account stored without a credential (none configured then) may get one later, once.
            if (before.apiId !== null) expect({ apiId: row.apiId, apiHash: row.apiHash }).toEqual({ apiId: before.apiId, apiHash: before.apiHash });
            else if (pool.length > 0) expect(pool.map((c) => c.apiId)).toContain(row.apiId);
          }
          for (const [i, row] of now.entries()) assigned[i] = { ...row };
          await next.stop();
        }
        db.close();
      }),
      { numRuns: 25 },
    );
  });
});
