import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitorsRepository } from '../../src/db/repositories/monitors.js';
import type { MonitorHit } from '../../src/engine/index.js';
import { createWorld, parseWorld, type SandboxWorld, type TraceEntry, type WorldInput } from '../../src/sandbox/index.js';
import { until } from '../until.js';
import { createTelegramHarness, submitOk, worldAccounts, type TelegramHarness } from './telegram-harness.js';

let h: TelegramHarness | undefined;
let world: SandboxWorld | undefined;
let dir: string | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
  await world?.stop();
  world = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const INPUT: WorldInput = {
  latencyMs: 0,
  accounts: worldAccounts(1),
  // History from before the monitor: never read back as hits (the watch starts from the newest message).
  chats: [{ id: 7501, kind: 'supergroup', username: 'catchup', title: 'Catch-up', members: { from: 1, count: 20 }, messages: { count: 30, days: 1, authors: { from: 1, count: 5 } } }],
};

describe('Monitor catch-up', () => {
  it('does alert the messages posted while no watch ran, once each, when the monitor is armed again after a restart', async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-catch-up-'));
    const path = join(dir, 'monitor.db');
    world = createWorld(parseWorld(INPUT));
    const chat = world.chat(7501)!;
    const first = await createTelegramHarness(INPUT, { path, world });
    h = first;
    const firstHits: MonitorHit[] = [];
    first.engine.events.on('monitor:hit', (hit) => firstHits.push(hit));
    const started = await first.engine.waitFor(submitOk(first.engine, { kind: 'monitor', params: { target: '@catchup', keywords: ['ticket'] } }).id);
    const monitorId = (started.result as { monitorId: number }).monitorId;
    const monitors = createMonitorsRepository(first.db);
    // Armed on a chat of 30 messages: it starts from the newest.
    await until(async () => (await monitors.get(monitorId))?.lastMessageId === 30, 'the watch to note where it starts');
    world.postChatMessage(chat, { kind: 'pool', n: 2 }, 'a ticket for friday'); // 31, alerted live
    await until(() => firstHits.length === 1, 'the live hit');
    // A clean stop writes what the watch looked at.
    await first.stop(true);
    h = undefined;
    const kept = createMonitorsRepository(first.db);
    expect((await kept.get(monitorId))?.lastMessageId).toBe(31);
    // Never backwards: a watch ending late, after the next one read further, changes nothing.
    expect(await kept.advance(monitorId, 30)).toBe(false);
    // As a watch killed before it wrote its progress would leave it: the catch-up reads the live hit again too.
    first.db.sqlite.prepare('update monitors set last_message_id = 30 where id = ?').run(monitorId);
    first.db.close();

    // Nobody watches now.
    world.postChatMessage(chat, { kind: 'pool', n: 3 }, 'a spare ticket for saturday'); // 32
    world.postChatMessage(chat, { kind: 'pool', n: 4 }, 'nothing to see here'); // 33
    world.postChatMessage(chat, { kind: 'pool', n: 5 }, 'last ticket, sunday'); // 34

    // The restart arms the monitor again (TelegramOperations.start), with its listener on before it reads back.
    const hits: MonitorHit[] = [];
    h = await createTelegramHarness(INPUT, { path, world, onEngine: (engine) => engine.events.on('monitor:hit', (hit) => hits.push(hit)) });
    const again = createMonitorsRepository(h.db);
    await until(() => hits.length === 2, async () => `the two missed hits: ${JSON.stringify(hits)} ${JSON.stringify(await again.get(monitorId))} ${JSON.stringify(h?.engine.getAccount(1)?.state)}`);
    expect(hits.map((hit) => [hit.messageId, hit.text, hit.senderName])).toEqual([
      [32, 'a spare ticket for saturday', 'First3 Last3'],
      [34, 'last ticket, sunday', 'First5 Last5'],
    ]);
    // Live again after the catch-up.
    world.postChatMessage(chat, { kind: 'pool', n: 6 }, 'ticket swap anyone?'); // 35
    await until(() => hits.length === 3, 'the live hit after the catch-up');
    expect(hits[2]).toMatchObject({ messageId: 35 });
    expect(await again.countHits(monitorId)).toBe(4);
    expect((await again.get(monitorId))?.hits).toBe(4);
    expect((await again.recentHits(10, monitorId)).map((hit) => hit.messageId).sort((a, b) => a - b)).toEqual([31, 32, 34, 35]);
    expect(await h.operations.stopMonitor(monitorId)).toBe(true);
    const engine = h.engine;
    await until(() => engine.getAccount(1)?.state === 'idle', 'the watch to end');
    expect((await again.get(monitorId))?.lastMessageId).toBe(35);
  });

  it('does read back again, on the next arm, what a watch whose read back failed could not', async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-catch-up-'));
    const path = join(dir, 'monitor.db');
    const accounts = worldAccounts(1);
    // The first arm reads where it starts (call 1); the read back of the second fails once (call 2).
    const input: WorldInput = { ...INPUT, accounts, faults: [{ account: accounts[0]!.phone, method: 'messages.GetHistory', afterCalls: 1, error: 'FLOOD_WAIT_30', times: 1 }] };
    const trace: TraceEntry[] = [];
    world = createWorld(parseWorld(input), { traceEntries: trace });
    const chat = world.chat(7501)!;
    const arm = async (onHit: (hit: MonitorHit) => void) => {
      h = await createTelegramHarness(input, { path, world, onEngine: (engine) => engine.events.on('monitor:hit', onHit) });
      return h;
    };
    const first = await arm(() => undefined);
    const started = await first.engine.waitFor(submitOk(first.engine, { kind: 'monitor', params: { target: '@catchup', keywords: ['ticket'] } }).id);
    const monitorId = (started.result as { monitorId: number }).monitorId;
    await until(async () => (await createMonitorsRepository(first.db).get(monitorId))?.lastMessageId === 30, 'the watch to note where it starts');
    await first.stop();
    world.postChatMessage(chat, { kind: 'pool', n: 2 }, 'a missed ticket'); // 31

    const secondHits: MonitorHit[] = [];
    const second = await arm((hit) => secondHits.push(hit));
    await until(() => trace.some((entry) => entry.method === 'messages.GetHistory' && 'error' in entry), 'the read back to fail');
    world.postChatMessage(chat, { kind: 'pool', n: 3 }, 'a live ticket'); // 32
    await until(() => secondHits.length === 1, 'the live hit');
    expect(secondHits[0]).toMatchObject({ messageId: 32 });
    await second.stop();
    // It noted no progress: 31 was never looked at, and the next arm reads back from 30 again.
    const third: MonitorHit[] = [];
    const last = await arm((hit) => third.push(hit));
    await until(() => third.length === 1, 'the hit read back');
    expect(third[0]).toMatchObject({ messageId: 31, text: 'a missed ticket' });
    // A live hit comes after everything read back (one ordered stream).
    world.postChatMessage(chat, { kind: 'pool', n: 4 }, 'one more ticket'); // 33
    await until(() => third.length === 2, 'the live hit after the read back');
    await last.stop(true);
    h = undefined;
    // 32, read back too, was alerted already; the clean stop wrote what was looked at.
    expect(third.map((hit) => hit.messageId)).toEqual([31, 33]);
    const rows = createMonitorsRepository(last.db);
    expect(await rows.countHits(monitorId)).toBe(3);
    expect((await rows.get(monitorId))?.lastMessageId).toBe(33);
    last.db.close();
  });
});
