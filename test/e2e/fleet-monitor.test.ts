import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createPanelApp, type PanelApp } from '../../src/panel-app.js';
import type { BotApiServer, BotChatMessage } from '../../src/sandbox/bot-api/index.js';
import { createTelegramServer, createWorld, parseWorld, type SandboxWorld, type WorldInput } from '../../src/sandbox/index.js';
import { serveSandbox, type SandboxSocketServer } from '../../src/sandbox/wire/socket-server.js';
import { silentLogger } from '../engine/harness.js';
import { guardConformance } from '../sandbox/bot-api/conformance-guard.js';
import { until } from '../until.js';
import { Fleet, type FleetWorker } from './fleet-harness.js';
import { worldAccounts } from './telegram-harness.js';

const ADMIN = { id: 1, first_name: 'Admin' };
const CHAT = { id: 7401, kind: 'supergroup' as const, username: 'fleetbikes', title: 'Fleet bikes', members: { from: 300_000, count: 50 } };
const WORLD: WorldInput = { latencyMs: 5, accounts: worldAccounts(4), chats: [CHAT] };
/** Long enough for worker processes to start, arm and take over; every wait ends as soon as its condition holds. */
const SLOW = { intervalMs: 50, tries: Number(process.env.FLEET_TRIES ?? 2400) };

let fleet: Fleet | undefined;
let panel: PanelApp | undefined;
let world: SandboxWorld | undefined;
let served: SandboxSocketServer | undefined;
afterEach(async () => {
  await panel?.stop();
  panel = undefined;
  await fleet?.stop();
  fleet = undefined;
  await served?.close();
  served = undefined;
  await world?.stop();
  world = undefined;
});

const alerts = (server: BotApiServer): BotChatMessage[] => server.history(ADMIN.id).filter((m) => m.sender === 'bot' && (m.text ?? '').includes('🔔'));
/** How many alerts quote `text` (a batch of hits is one message, each hit in it once). */
const alertsOf = (server: BotApiServer, text: string): number => alerts(server).reduce((n, m) => n + ((m.text ?? '').split(text).length - 1), 0);

describe('Monitors in a fleet: a panel and two workers on PostgreSQL', () => {
  it('does arm /monitor on a worker, alert its hits in the panel chat, re-arm it on the other worker after a kill -9 reading back what it missed, and stop it', { timeout: 240_000 }, async () => {
    // The world lives in this thread, served to the workers, so the test can post into its chat.
    world = createWorld(parseWorld(WORLD));
    served = await serveSandbox(createTelegramServer(world), { host: '127.0.0.1', port: 0 });
    fleet = new Fleet({ world: WORLD, connect: served.address, leaseSeconds: 3 });
    await fleet.start();
    const f = fleet;
    const config = loadConfig({ ROLE: 'panel', DATABASE_URL: f.url, SANDBOX_CONNECT: f.address, LEASE_SECONDS: '3' });
    panel = await createPanelApp({ config, logger: silentLogger(), botOptions: { progressIntervalMs: 100 } });
    guardConformance(panel.botApi);
    await panel.start();
    const chat = panel.botApi!;
    // At info, a worker's output tells when it took, lost and re-armed what: shown by a wait that times out.
    const env = { LOG_LEVEL: process.env.FLEET_LOG_LEVEL ?? 'info' };
    const workers = new Map<string, FleetWorker>([
      ['worker-a', f.spawnWorker('worker-a', env)],
      ['worker-b', f.spawnWorker('worker-b', env)],
    ]);
    let monitorId = 0;
    /** What a timed-out wait shows: the monitor, its operations and hits, the leases, the alerts and each worker's output. */
    const diagnose = (what: string) => async () => {
      const rows = async (query: ReturnType<typeof sql>) => JSON.stringify(await f.db.sql.all(query));
      return [
        what,
        `monitor: ${await rows(sql`select * from monitors where id = ${monitorId}`)}`,
        `monitor operations: ${await rows(sql`select id, status, pinned_account_id, assigned_account_id, params, error_message, created_at, started_at, finished_at from operations where kind = 'monitor' order by id`)}`,
        `hits: ${await rows(sql`select message_id, text, at from monitor_hits order by id`)}`,
        `leases: ${await rows(sql`select l.account_id, w.name, l.expires_at, ${Date.now()} as now from account_leases l join workers w on w.id = l.worker_id order by l.account_id`)}`,
        `alerts: ${JSON.stringify(alerts(chat).map((m) => m.text))}`,
        ...[...workers].map(([name, worker]) => `--- ${name}\n${worker.output()}`),
      ].join('\n');
    };
    await until(async () => {
      const holders = await f.holders();
      return (holders.get('worker-a') ?? 0) > 0 && (holders.get('worker-b') ?? 0) > 0;
    }, diagnose('both workers to hold accounts'), SLOW);

    chat.userSends(ADMIN, `/monitor add @${CHAT.username} bike`);
    const armed = await chat
      .waitFor((m) => m.sender === 'bot' && /Monitor #\d+ is watching Fleet bikes/.test(m.text ?? ''), 60_000)
      .catch(async (error: unknown) => {
        throw new Error(await diagnose('the monitor to be armed')(), { cause: error });
      });
    monitorId = Number(/Monitor #(\d+)/.exec(armed.text ?? '')?.[1]);
    const placed = async () => (await f.db.sql.get<{ account_id: number | null }>(sql`select account_id from monitors where id = ${monitorId}`))?.account_id ?? null;
    const accountId = await placed();
    expect(accountId).not.toBeNull();

    const room = world.chat(CHAT.id)!;
    world.postChatMessage(room, { kind: 'pool', n: 3 }, 'selling my old bike, first come');
    world.postChatMessage(room, { kind: 'pool', n: 4 }, 'no keyword in this one');
    await until(() => alertsOf(chat, 'selling my old bike') === 1, diagnose('the first alert in the admin chat'), SLOW);
    expect(alerts(chat)[0]?.text).toContain(`monitor #${monitorId}`);

    // The worker holding the monitor's account dies: the other takes the account's lease and arms the monitor again.
    const holderName = async (id: number) =>
      (await f.db.sql.get<{ name: string }>(sql`select w.name from account_leases l join workers w on w.id = l.worker_id where l.account_id = ${id} and l.expires_at > ${Date.now()}`))?.name;
    // Workers balancing their accounts may be handing it over right now: the victim is whoever holds it next.
    let holder: string | undefined;
    await until(async () => (holder = await holderName(accountId!)) !== undefined, diagnose('a worker to hold the monitor’s account'), SLOW);
    const victim = workers.get(holder!)!;
    victim.child.kill('SIGKILL');
    expect(await victim.exited).toBe('SIGKILL');
    const killedAt = Date.now();
    // No watch runs now (the survivor waits for the victim's lease to run out): the next one reads it back.
    world.postChatMessage(room, { kind: 'pool', n: 7 }, 'a bike posted while nobody watched');
    const survivor = holder === 'worker-a' ? 'worker-b' : 'worker-a';
    // The monitor may have been armed again before (a hand-off while the workers balanced their accounts): the re-arm
    // awaited is the one after the kill.
    const rearmed = async () =>
      (await f.db.sql.get<{ n: number }>(
        sql`select count(*)::int as n from operations where kind = 'monitor' and status = 'succeeded' and params like ${`%"monitorId":${monitorId}%`} and created_at >= ${killedAt}`,
      ))?.n ?? 0;
    await until(async () => (await holderName(accountId!)) === survivor && (await rearmed()) >= 1, diagnose(`${survivor} to take the account and re-arm the monitor`), SLOW);
    // Armed by one process at a time: no other unfinished arm of it.
    expect(await f.db.sql.all(sql`select id from operations where kind = 'monitor' and status <> 'succeeded'`)).toEqual([]);
    await until(() => alertsOf(chat, 'posted while nobody watched') >= 1, diagnose('the alert of the message posted while no watch ran'), SLOW);

    world.postChatMessage(room, { kind: 'pool', n: 5 }, 'another bike for sale, cheap');
    await until(() => alertsOf(chat, 'another bike for sale') >= 1, diagnose('the alert after the takeover'), SLOW);

    chat.userSends(ADMIN, `/monitor stop ${monitorId}`);
    await chat.waitFor((m) => m.sender === 'bot' && (m.text ?? '').startsWith(`⏹ Monitor #${monitorId}`), 30_000);
    // The survivor ends the watch at once: its account is no longer monitoring (it told the panel so). With no watch
    // left anywhere, a later message cannot be a hit.
    await until(async () => (await panel!.engine.getAccount(accountId!))?.state === 'idle', diagnose('the watch to end on the survivor'), SLOW);
    world.postChatMessage(room, { kind: 'pool', n: 6 }, 'last bike, after the stop');
    const hitsAfterStop = async () => (await f.db.sql.get<{ n: number }>(sql`select count(*)::int as n from monitor_hits where text like '%after the stop%'`))?.n ?? 0;
    chat.userSends(ADMIN, '/monitor list');
    const list = await chat.waitFor((m) => m.sender === 'bot' && (m.text ?? '').startsWith('Monitors: 0 active'), 30_000);
    expect(list.text).toContain(`⏹ #${monitorId} @${CHAT.username} · bike · 3 hits · stopped`);
    expect(await hitsAfterStop()).toBe(0);
    expect(alertsOf(chat, 'after the stop')).toBe(0);
    // Each message alerted exactly once, before, during (read back) and after the takeover.
    expect(alertsOf(chat, 'selling my old bike')).toBe(1);
    expect(alertsOf(chat, 'posted while nobody watched')).toBe(1);
    expect(alertsOf(chat, 'another bike for sale')).toBe(1);
    expect(alertsOf(chat, 'no keyword')).toBe(0);
  });
});
