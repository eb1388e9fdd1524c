import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, SANDBOX_SESSION_SECRET } from '../../src/config.js';
import { createSessionCipher } from '../../src/db/session-crypto.js';
import { createPanelApp, type PanelApp } from '../../src/panel-app.js';
import type { WorldInput } from '../../src/sandbox/index.js';
import { silentLogger } from '../engine/harness.js';
import { guardConformance } from '../sandbox/bot-api/conformance-guard.js';
import { until } from '../until.js';
import { Fleet } from './fleet-harness.js';
import type { BotApiServer } from '../../src/sandbox/bot-api/index.js';
import { gramjsString, testKey } from '../sessions/fixtures.js';

const ADMIN = { id: 1, first_name: 'Admin' };
const NEW_PHONE = '+15550000031';
const WORLD: WorldInput = {
  latencyMs: 5,
  accounts: [
    { phone: '+15550000001', userId: 7_000_001, firstName: 'Ops', code: '11111', authorized: true },
    { phone: NEW_PHONE, userId: 7_000_031, firstName: 'Fresh', code: '31313', authorized: false },
    // Not logged in at start: its session is imported.
    { phone: '+15550000032', userId: 7_000_032, firstName: 'Carried', code: '32323', authorized: false, authKey: testKey('fleet-import').toString('hex'), dc: 2 },
  ],
  chats: [],
};
const SLOW = { intervalMs: 50, tries: Number(process.env.FLEET_TRIES ?? 1200) };

let fleet: Fleet | undefined;
let panel: PanelApp | undefined;
afterEach(async () => {
  await panel?.stop();
  panel = undefined;
  await fleet?.stop();
  fleet = undefined;
});

/** A fleet of one worker with its panel (sandbox, PostgreSQL), and the panel's admin chat. */
async function startFleet(): Promise<{ fleet: Fleet; panel: PanelApp; chat: BotApiServer }> {
  const f = new Fleet({ world: WORLD, leaseSeconds: 3 });
  fleet = f;
  await f.start();
  const config = loadConfig({ ROLE: 'panel', DATABASE_URL: f.url, SANDBOX_CONNECT: f.address, LEASE_SECONDS: '3' });
  const p = await createPanelApp({ config, logger: silentLogger(), botOptions: { progressIntervalMs: 100 } });
  panel = p;
  guardConformance(p.botApi);
  await p.start();
  const chat = p.botApi;
  if (!chat) throw new Error('no embedded Bot API server');
  f.spawnWorker('worker-a');
  return { fleet: f, panel: p, chat };
}

describe('Logins on a panel of a fleet', () => {
  it('does log an account in by phone and code on the panel, store it sealed, and a worker take it up', { timeout: 120_000 }, async () => {
    const { fleet: f, chat } = await startFleet();

    const askPhone = chat.waitFor((m) => m.sender === 'bot' && /phone/i.test(m.text ?? ''), 10_000);
    chat.userSends(ADMIN, '/addaccount');
    await askPhone;
    const askCode = chat.waitFor((m) => m.sender === 'bot' && /code/i.test(m.text ?? ''), 20_000);
    chat.userSends(ADMIN, NEW_PHONE);
    await askCode;
    const added = chat.waitFor((m) => m.sender === 'bot' && (m.text ?? '').startsWith('✅ Account #'), 20_000);
    chat.userSends(ADMIN, '31313');
    expect((await added).text).toMatch(/^✅ Account #\d+ Fresh \(\+1555…0031\) added\.$/);

    const row = await f.db.sql.get<{ id: number; session_enc: string; telegram_user_id: number | null }>(sql`select id, session_enc, telegram_user_id from accounts where phone = ${NEW_PHONE}`);
    expect(row?.session_enc).toBeTruthy();
    expect(createSessionCipher(SANDBOX_SESSION_SECRET).decrypt(row?.session_enc ?? '').length).toBeGreaterThan(100);
    expect(Number(row?.telegram_user_id)).toBe(7_000_031);
    // No pending login is left in the store.
    expect(await f.db.sql.all(sql`select key from kv where key like 'login:%'`)).toEqual([]);
    await until(async () => (await f.db.sql.all(sql`select 1 from account_leases where account_id = ${row?.id} and expires_at > ${Date.now()}`)).length === 1, 'a worker to take the new account up', SLOW);
    const status = chat.waitFor((m) => m.sender === 'bot' && (m.text ?? '').startsWith('📟'), 20_000);
    chat.userSends(ADMIN, '/status');
    expect((await status).text).toMatch(new RegExp(`worker-a · 2 accounts: .*#${row?.id}`));
  });

  it('does /import a session on the panel: checked with Telegram, stored sealed, taken up by a worker', { timeout: 120_000 }, async () => {
    const { fleet: f, chat } = await startFleet();
    const prompt = chat.waitFor((m) => m.sender === 'bot' && (m.text?.startsWith('Send the sessions now') ?? false), 10_000);
    chat.userSends(ADMIN, '/import');
    await prompt;
    const answer = chat.waitFor((m) => m.sender === 'bot' && /^(✅|❌) Import of/.test(m.text ?? ''), 30_000);
    chat.userSends(ADMIN, gramjsString(2, '149.154.167.51', 443, testKey('fleet-import')));
    expect((await answer).text).toMatch(/^✅ Import of 1 session: 1 added, 0 already present/);
    const row = await f.db.sql.get<{ id: number; session_enc: string }>(sql`select id, session_enc from accounts where phone = '+15550000032'`);
    expect(row?.session_enc).toBeTruthy();
    await until(async () => (await f.db.sql.all(sql`select 1 from account_leases where account_id = ${row?.id} and expires_at > ${Date.now()}`)).length === 1, 'a worker to take the imported account up', SLOW);
  });
});
