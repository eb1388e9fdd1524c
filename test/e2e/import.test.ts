import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { SANDBOX_API_ID } from '../../src/config.js';
import { createAuditRepository } from '../../src/db/repositories/audit.js';
import { createSessionCipher } from '../../src/db/session-crypto.js';
import { createAccountStore } from '../../src/engine/account-store.js';
import { catalogueProfiles } from '../../src/engine/clients/device-catalogue.js';
import { storedDeviceProfile, type DeviceProfile } from '../../src/engine/clients/device-profile.js';
import type { BotApiServer, BotChatMessage } from '../../src/sandbox/bot-api/index.js';
import type { WorldInput } from '../../src/sandbox/index.js';
import { until } from '../until.js';
import { botApiOf, panelApps } from './panel-app.js';
import { gramjsString, pyrogramFile, pyrogramString, tdataZip, telethonFile, telethonString, testKey, zipOf } from '../sessions/fixtures.js';

const ADMIN = { id: 1, first_name: 'Admin' };
const key = (n: number) => testKey(`import-e2e-${n}`);
/** Account n: +1555000000n, user 7000000+n, on DC (n % 5) + 1, with the key `key(n)`; only #1 is held at start. */
const account = (n: number) => ({
  phone: `+1555${String(n).padStart(7, '0')}`,
  userId: 7_000_000 + n,
  firstName: `Acc${n}`,
  code: '12345',
  authorized: n === 1,
  authKey: key(n).toString('hex'),
  dc: (n % 5) + 1,
});
const dc = (n: number) => (n % 5) + 1;
const DC_IP: Record<number, string> = { 1: '149.154.175.53', 2: '149.154.167.51', 3: '149.154.175.100', 4: '149.154.167.91', 5: '91.108.56.130' };

const world = (accounts: number): WorldInput => ({ latencyMs: 0, accounts: Array.from({ length: accounts }, (_, i) => account(i + 1)), chats: [] });

const panels = panelApps('switchboard-import-');

async function startPanel(input: WorldInput): Promise<{ app: App; server: BotApiServer }> {
  const app = await panels.start(input, { progressIntervalMs: 50 });
  return { app, server: botApiOf(app) };
}

const isAnswer = (m: BotChatMessage) => /^(✅|❌) Import of/.test(m.text ?? '');

/** Sends what `send` sends and waits for the import's final answer. */
async function importing(server: BotApiServer, send: () => BotChatMessage): Promise<{ answer: string; sent: BotChatMessage }> {
  const answer = server.waitFor(isAnswer, 30_000);
  const sent = send();
  return { answer: (await answer).text ?? '', sent };
}

const phones = (a: App) => a.engine.listAccounts().map((x) => x.phone);
const userMessages = (server: BotApiServer) => server.history(ADMIN.id).filter((m) => m.sender === 'user');
const readTrace = () => panels.trace();

const isCatalogueProfile = (profile: DeviceProfile | null) =>
  profile !== null && catalogueProfiles().some((p) => JSON.stringify(p) === JSON.stringify(profile));

describe('/import, end to end', () => {
  it('adds accounts from pasted GramJS, Telethon and Pyrogram strings, one line each, and deletes the message', async () => {
    const { app: a, server } = await startPanel(world(4));
    const prompt = server.waitFor((m) => m.text?.startsWith('Send the sessions now') ?? false);
    server.userSends(ADMIN, '/import');
    await prompt;
    const text = [gramjsString(dc(2), DC_IP[dc(2)] as string, 443, key(2)), telethonString(dc(3), DC_IP[dc(3)] as string, 443, key(3)), pyrogramString(dc(4), key(4), 7_000_004)].join('\n');
    const { answer, sent } = await importing(server, () => server.userSends(ADMIN, text));
    expect(answer).toBe(['✅ Import of 3 sessions: 3 added, 0 already present, 0 not logged in, 0 unreadable.', '', 'string 1: added as #2', 'string 2: added as #3', 'string 3: added as #4'].join('\n'));
    expect(userMessages(server).map((m) => m.messageId)).not.toContain(sent.messageId);
    expect(phones(a)).toEqual(['+15550000001', '+15550000002', '+15550000003', '+15550000004']);
    expect(a.engine.getAccount(3)).toMatchObject({ telegramUserId: 7_000_003, firstName: 'Acc3' });
    // The stored session is the account's: the engine connects it as that account.
    await expect.poll(() => a.engine.getAccount(4)?.state, { timeout: 10_000 }).toBe('idle');
  });

  it('adds a Telethon .session with its .json sidecar from a zip: the sidecar’s device and app are used and stored', async () => {
    const { app: a, server } = await startPanel(world(3));
    const zip = zipOf([
      ['sessions/15550000002.session', telethonFile(dc(2), DC_IP[dc(2)] as string, 443, key(2))],
      ['sessions/15550000002.json', Buffer.from(JSON.stringify({ app_id: 2040, app_hash: 'b18441a1ff607e10a989891a5462e627', device: 'Galaxy S23', sdk: 'SDK 34', app_version: '10.14.5 (5107)', lang_code: 'de', system_lang_code: 'de-DE', twoFA: 'pw' }))],
      ['sessions/other.session', pyrogramFile(dc(3), key(3), 7_000_003)],
    ]);
    const { answer, sent } = await importing(server, () => server.userSendsDocument(ADMIN, { file_name: 'batch.zip', bytes: zip, caption: '/import' }));
    expect(answer.split('\n').slice(2)).toEqual(['batch.zip: sessions/15550000002.session: added as #2', 'batch.zip: sessions/other.session: added as #3']);
    expect(userMessages(server).map((m) => m.messageId)).not.toContain(sent.messageId);
    const store = createAccountStore(a.db);
    const row = store.get(2);
    expect(row?.device).toEqual({ deviceModel: 'Galaxy S23', systemVersion: 'SDK 34', appVersion: '10.14.5 (5107)', langCode: 'de', systemLangCode: 'de-DE' });
    expect(row?.apiId).toBe(2040);
    expect(row?.apiHashEnc).not.toContain('b18441a1');
    expect(createSessionCipher(a.config.security.sessionSecret).decrypt(row?.apiHashEnc as string)).toBe('b18441a1ff607e10a989891a5462e627');
    // Without a sidecar the account is given a catalogue device and the configured app, as any new account.
    const plain = store.get(3);
    expect(plain?.apiId).toBe(SANDBOX_API_ID);
    expect(isCatalogueProfile(storedDeviceProfile(plain?.device))).toBe(true);
    await a.stop();
    // The who-am-I check presented the sidecar's device and app to Telegram, and for the session without
    // one the device the account then kept: every connection of either says the same.
    const inits = readTrace().filter((t) => t.method === 'InitConnection' && t.account === '+15550000002');
    expect(inits.some((t) => t.deviceModel === 'Galaxy S23' && t.apiId === 2040 && t.langCode === 'de')).toBe(true);
    const plainInits = readTrace().filter((t) => t.method === 'InitConnection' && t.account === '+15550000003');
    expect(plainInits.length).toBeGreaterThan(0);
    expect(plainInits.every((t) => t.deviceModel === storedDeviceProfile(plain?.device)?.deviceModel && t.apiId === SANDBOX_API_ID)).toBe(true);
    expect(readFileSync(panels.path('trace.jsonl'), 'utf8')).not.toContain('b18441a1');
  });

  it('adds a Pyrogram .session file and a zipped tdata folder with its passcode; a wrong passcode adds nothing', async () => {
    const { app: a, server } = await startPanel(world(3));
    const prompt = server.waitFor((m) => m.text?.startsWith('Send the sessions now') ?? false);
    server.userSends(ADMIN, '/import');
    await prompt;
    const first = await importing(server, () => server.userSendsDocument(ADMIN, { file_name: 'acc.session', bytes: pyrogramFile(dc(2), key(2), 7_000_002) }));
    expect(first.answer.split('\n').slice(2)).toEqual(['acc.session: added as #2']);
    const tdata = tdataZip([{ dcId: dc(3), key: key(3), userId: 7_000_003 }], 'open sesame');
    const wrong = await importing(server, () => server.userSendsDocument(ADMIN, { file_name: 'tdata.zip', bytes: tdata, caption: '/import sesame' }));
    expect(wrong.answer).toBe(['❌ Import of 1 session: 0 added, 0 already present, 0 not logged in, 1 unreadable.', '', 'tdata.zip: tdata: unreadable: the local passcode is wrong'].join('\n'));
    expect(phones(a)).toHaveLength(2);
    const right = await importing(server, () => server.userSendsDocument(ADMIN, { file_name: 'tdata.zip', bytes: tdata, caption: '/import open sesame' }));
    expect(right.answer.split('\n').slice(2)).toEqual(['tdata.zip: tdata account 1: added as #3']);
    expect(userMessages(server).map((m) => m.messageId)).not.toContain(right.sent.messageId);
    // The passcode is a secret too: the audit trail keeps none of it.
    // Each update's row is written once its handler is done, just after the answer went out.
    const repo = createAuditRepository(a.db);
    await until(async () => (await repo.recent(50)).filter((row) => row.action.includes('import')).length >= 2, 'the two /import captions to be audited');
    expect(JSON.stringify(await repo.recent(50))).not.toContain('sesame');
  });

  it('answers duplicates with the existing account, dead keys and bad input in plain words, and stores nothing for them', async () => {
    const { app: a, server } = await startPanel(world(3));
    const truncated = telethonFile(2, DC_IP[2] as string, 443, key(9)).subarray(0, 3000);
    const zip = zipOf([
      ['1-held.session', telethonFile(dc(1), DC_IP[dc(1)] as string, 443, key(1))],
      ['2-new.session', telethonFile(dc(2), DC_IP[dc(2)] as string, 443, key(2))],
      ['3-again.session', telethonFile(dc(2), DC_IP[dc(2)] as string, 443, key(2))],
      ['4-dead.session', telethonFile(2, DC_IP[2] as string, 443, testKey('nobody'))],
      ['5-wrong-dc.session', telethonFile(dc(3) === 5 ? 1 : 5, DC_IP[5] as string, 443, key(3))],
      ['6-truncated.session', truncated],
      ['7-short-key.session', telethonFile(2, DC_IP[2] as string, 443, key(3).subarray(0, 128))],
      ['8-unknown-dc.session', telethonFile(9, DC_IP[2] as string, 443, key(3))],
      ['9-random.bin', Buffer.from(Array.from({ length: 500 }, (_, i) => (i * 7919) % 256))],
    ]);
    const { answer } = await importing(server, () => server.userSendsDocument(ADMIN, { file_name: 'mixed.zip', bytes: zip, caption: '/import' }));
    expect(answer.split('\n')).toEqual([
      '✅ Import of 9 sessions: 1 added, 2 already present, 2 not logged in, 4 unreadable.',
      '',
      'mixed.zip: 1-held.session: already present as #1',
      'mixed.zip: 2-new.session: added as #2',
      'mixed.zip: 3-again.session: already present as #2',
      'mixed.zip: 4-dead.session: not logged in (the key is dead)',
      'mixed.zip: 5-wrong-dc.session: not logged in (the key is dead)',
      'mixed.zip: 6-truncated.session: unreadable: it is a damaged or cut-off SQLite file',
      'mixed.zip: 7-short-key.session: unreadable: its auth key is 128 bytes long, not 256',
      'mixed.zip: 8-unknown-dc.session: unreadable: it names data center 9, which Telegram does not have (it has 1 to 5)',
      'mixed.zip: 9-random.bin: unreadable: it is not a session in any format I know (GramJS, Telethon, Pyrogram, Telegram Desktop)',
    ]);
    expect(phones(a)).toEqual(['+15550000001', '+15550000002']);
  });

  it('refuses a zip with ../ names and a zip bomb whole, adding nothing', async () => {
    const { app: a, server } = await startPanel(world(2));
    const evil = Buffer.from(zipOf([['xx/2.session', telethonFile(dc(2), DC_IP[dc(2)] as string, 443, key(2))]]).toString('latin1').split('xx/').join('../'), 'latin1');
    const first = await importing(server, () => server.userSendsDocument(ADMIN, { file_name: 'evil.zip', bytes: evil, caption: '/import' }));
    expect(first.answer.split('\n')[2]).toBe('evil.zip: unreadable: it holds a file whose path leaves the archive (../ or an absolute path); nothing in it was read');
    const bomb = zipOf(Array.from({ length: 9 }, (_, i) => [`zeros${i}`, Buffer.alloc(8 * 1024 * 1024)] as const), { level: 1 });
    const second = await importing(server, () => server.userSendsDocument(ADMIN, { file_name: 'bomb.zip', bytes: bomb, caption: '/import' }));
    expect(second.answer.split('\n')[2]).toBe('bomb.zip: unreadable: it unpacks to more than 64 MB; send the sessions in smaller archives');
    expect(phones(a)).toEqual(['+15550000001']);
  });

  it('takes strings with the command itself, keeps no argument in the audit trail, and closes its window at another command', async () => {
    const { app: a, server } = await startPanel(world(3));
    const inline = await importing(server, () => server.userSends(ADMIN, `/import ${gramjsString(dc(2), DC_IP[dc(2)] as string, 443, key(2))}`));
    expect(inline.answer.split('\n').slice(2)).toEqual(['string: added as #2']);
    expect(userMessages(server).map((m) => m.messageId)).not.toContain(inline.sent.messageId);
    const repo = createAuditRepository(a.db);
    await until(async () => (await repo.recent(20)).some((row) => row.action.includes('import')), 'the /import to be audited');
    expect((await repo.recent(20)).filter((row) => row.action.includes('import')).map((row) => row.args)).toEqual(['[redacted]']);
    const prompt = server.waitFor((m) => m.text?.startsWith('Send the sessions now') ?? false);
    server.userSends(ADMIN, '/import');
    await prompt;
    const status = server.waitFor((m) => m.text?.startsWith('📟') ?? false, 10_000);
    server.userSends(ADMIN, '/status');
    await status;
    // The window is closed: a document without a caption is not taken as a session any more.
    const refusal = server.waitFor((m) => m.text?.includes('.txt') ?? false);
    server.userSendsDocument(ADMIN, { file_name: 'acc.session', bytes: pyrogramFile(dc(3), key(3), 7_000_003) });
    await refusal;
    expect(phones(a)).toEqual(['+15550000001', '+15550000002']);
  });

  it('imports 200 sessions from one zip with one progress message, and answers with a document', async () => {
    const { app: a, server } = await startPanel(world(201));
    const zip = zipOf(Array.from({ length: 200 }, (_, i) => [`s/${i + 2}.session`, telethonFile(dc(i + 2), DC_IP[dc(i + 2)] as string, 443, key(i + 2))] as const));
    const sent: BotChatMessage[] = [];
    let edits = 0;
    server.onBotMessage((event) => {
      if (event.kind === 'sent') sent.push(event.message);
      if (event.kind === 'edited') edits += 1;
    });
    const document = server.waitFor((m) => m.document !== undefined, 120_000);
    const { answer } = await importing(server, () => server.userSendsDocument(ADMIN, { file_name: 'many.zip', bytes: zip, caption: '/import' }));
    expect(answer).toBe('✅ Import of 200 sessions: 200 added, 0 already present, 0 not logged in, 0 unreadable.\nThe answer for each session is in the file below.');
    const file = await document;
    const lines = server.files.get(file.document?.file_id as string)?.bytes.toString('utf8').trim().split('\n');
    expect(lines).toHaveLength(200);
    expect(lines?.[0]).toBe('many.zip: s/2.session: added as #2');
    // One progress message (edited as it went) and the document: not one message per session.
    expect(sent.map((m) => (m.document ? 'document' : (m.text ?? '').slice(0, 1)))).toEqual(['⏳', 'document']);
    expect(edits).toBeGreaterThanOrEqual(1);
    expect(phones(a)).toHaveLength(201);
  }, 180_000);
});
