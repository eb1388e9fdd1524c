/**
 * Where the CPU of one 200-member participants page goes, part by part, along the path a scrape takes:
 * the sandbox server lists and serialises the page (GramJS's generic `getBytes()` as the route did, then
 * the fast writers it uses now), GramJS decodes the bytes and files the users in its entity caches, the
 * scrape maps the users to member rows, and the members repository writes them to SQLite. Each part is
 * timed alone over the same pages, so the next optimisation can be chosen by measurement.
 */
import { Api, extensions, Logger, TelegramClient } from 'telegram';
import { LogLevel } from 'telegram/extensions/Logger.js';
import { StringSession } from 'telegram/sessions/index.js';
import { createMembersRepository, type MemberInput } from '../src/db/repositories/members.js';
import { boundEntityCaches } from '../src/engine/clients/bounded-caches.js';
import { gramJsReadLong, installFastLongReader } from '../src/engine/clients/fast-long-reader.js';
import { listedMembers } from '../src/engine/operations/member-records.js';
import { listMembers } from '../src/sandbox/member-list.js';
import { participantsAnswer } from '../src/sandbox/tl-fast/participants-answer.js';
import { toLong } from '../src/sandbox/tl-long.js';
import { channelParticipant, entryApiUser } from '../src/sandbox/tl-objects.js';
import { encodeResult, readResult } from '../src/sandbox/tl-wire.js';
import { parseWorld } from '../src/sandbox/world-file.js';
import { createWorld, type SandboxAccount, type ChatState, type SandboxWorld } from '../src/sandbox/world.js';
import type { BenchResult } from './types.js';
import { collectGarbage, formatTable, isMain, median, round, settle, tempDatabase } from './util.js';

const PAGE = 200;
/** Pages per timed batch: enough that one batch takes tens of milliseconds even on the fast parts. */
const PAGES = 25;
const ROUNDS = 7;
const CHAT_ID = 1;
/** The fast path has to stay well under GramJS's generic serialiser, or it is not worth its code. */
const SERVER_TARGET = 0.2;

/** The world a scrape pages through: one big supergroup with a few admins, the scraping account a member. */
function pageWorld(): { world: SandboxWorld; viewer: SandboxAccount; chat: ChatState } {
  const world = createWorld(
    parseWorld({
      participantsCap: 1_000_000,
      accounts: [{ phone: '+15550000001', userId: 7_000_001, firstName: 'Bench', code: '11111', authorized: true }],
      chats: [{ id: CHAT_ID, kind: 'supergroup', username: 'pagechat', title: 'Pages', members: { from: 1, count: PAGES * ROUNDS * PAGE }, admins: [1, 17, 33] }],
    }),
    { startTimeline: false },
  );
  const viewer = world.accounts()[0] as SandboxAccount;
  const chat = world.chat(CHAT_ID) as ChatState;
  world.join(viewer, chat);
  return { world, viewer, chat };
}

/**
 * CPU milliseconds `work` takes over all of `inputs`, after a full GC so that it pays only for its own
 * garbage. CPU time of the process rather than wall time: the figure is what the page costs the
 * machine, and stays put while other processes load it. It includes V8's GC helper threads, which
 * compete with the panel on a 2-core machine like the rest.
 */
async function timed<I, O>(inputs: readonly I[], work: (input: I) => O): Promise<{ ms: number; outputs: O[] }> {
  collectGarbage();
  // V8 sweeps after a full GC on helper threads: let that finish, or its CPU lands on this part.
  await settle();
  const outputs: O[] = [];
  const start = process.cpuUsage();
  for (const input of inputs) outputs.push(work(input));
  const used = process.cpuUsage(start);
  return { ms: (used.user + used.system) / 1000, outputs };
}

type Part = 'serverGramJs' | 'serverFast' | 'decodeGramJs' | 'decode' | 'entities' | 'map' | 'sqlite';

/** µs per page of every part, median over the rounds. */
async function measure(): Promise<Record<Part, number>> {
  const { world, viewer, chat } = pageWorld();
  const request = new Api.channels.GetParticipants({
    channel: new Api.InputChannel({ channelId: toLong(CHAT_ID), accessHash: toLong(0) }),
    filter: new Api.ChannelParticipantsRecent(),
    offset: 0,
    limit: PAGE,
    hash: toLong(0),
  });
  // A client that never connects: what `client.invoke` does with a result needs only its session and caches.
  const client = new TelegramClient(new StringSession(''), 1, 'bench', { baseLogger: new Logger(LogLevel.NONE) });
  boundEntityCaches(client);
  const temp = tempDatabase();
  const members = createMembersRepository(temp.db);
  members.upsertChat({ id: CHAT_ID, kind: 'supergroup', title: 'Pages', username: 'pagechat' });

  const samples: Record<Part, number[]> = { serverGramJs: [], serverFast: [], decodeGramJs: [], decode: [], entities: [], map: [], sqlite: [] };
  const reader = extensions.BinaryReader.prototype as unknown as { readLong: typeof gramJsReadLong };
  const perPage = (part: Part, ms: number) => samples[part].push((ms * 1000) / PAGES);
  const listing = (offset: number) => listMembers(world, chat, { kind: 'recent' }, offset, PAGE);

  const gramJs = (offset: number): Buffer => {
    const page = listing(offset);
    return encodeResult(
      new Api.channels.ChannelParticipants({
        count: page.count,
        participants: page.entries.map((e) => channelParticipant(world, viewer, chat, e)),
        chats: [],
        users: page.entries.map((e) => entryApiUser(world, viewer, e)),
      }),
    );
  };
  const fast = (offset: number): Buffer => encodeResult(participantsAnswer(world, viewer, chat, listing(offset)));

  try {
    for (let round = 0; round < ROUNDS; round++) {
      // Fresh members every round, so the SQLite part inserts, as a first scrape does.
      const offsets = Array.from({ length: PAGES }, (_, i) => (round * PAGES + i) * PAGE);
      // Alternated, so that neither server path always runs on a warmer or busier machine.
      const servers = round % 2 === 0 ? (['serverGramJs', 'serverFast'] as const) : (['serverFast', 'serverGramJs'] as const);
      let bytes: Buffer[] = [];
      for (const part of servers) {
        const run = await timed(offsets, part === 'serverFast' ? fast : gramJs);
        perPage(part, run.ms);
        if (part === 'serverFast') bytes = run.outputs;
      }
      // GramJS's own 64-bit reader against the one our clients install, alternated like the servers.
      const readers = round % 2 === 0 ? (['decodeGramJs', 'decode'] as const) : (['decode', 'decodeGramJs'] as const);
      let decoded: { ms: number; outputs: Api.channels.ChannelParticipants[] } = { ms: 0, outputs: [] };
      for (const part of readers) {
        if (part === 'decode') installFastLongReader();
        else reader.readLong = gramJsReadLong;
        const run = await timed(bytes, (b) => readResult(request, b) as Api.channels.ChannelParticipants);
        perPage(part, run.ms);
        if (part === 'decode') decoded = run;
      }
      installFastLongReader();
      const pages = decoded.outputs;
      if (pages.some((p) => p.participants.length !== PAGE)) throw new Error('a bench page does not hold 200 members');
      // What GramJS's `invoke` does with every result before returning it (client/users.js).
      perPage(
        'entities',
        (
          await timed(pages, (result) => {
            client.session.processEntities(result);
            client._entityCache.add(result);
          })
        ).ms,
      );
      const seenAt = Date.now();
      const mapped = await timed(pages, (page): MemberInput[] => listedMembers(page.participants, page.users, seenAt));
      perPage('map', mapped.ms);
      const now = Date.now();
      perPage('sqlite', (await timed(mapped.outputs, (rows) => members.storeMembers(CHAT_ID, rows, { source: 'participants', now, since: now }))).ms);
    }
  } finally {
    temp.dispose();
    void world.stop();
  }
  return {
    serverGramJs: median(samples.serverGramJs),
    serverFast: median(samples.serverFast),
    decodeGramJs: median(samples.decodeGramJs),
    decode: median(samples.decode),
    entities: median(samples.entities),
    map: median(samples.map),
    sqlite: median(samples.sqlite),
  };
}

/** One 200-member participants page, part by part, in CPU µs, with each part's share of the page. */
export async function benchPage(): Promise<BenchResult[]> {
  const us = await measure();
  const client = us.decode + us.entities + us.map + us.sqlite;
  const total = us.serverFast + client;
  const totalBefore = us.serverGramJs + us.decodeGramJs + us.entities + us.map + us.sqlite;
  const share = (value: number) => `${round((100 * value) / total, 1)}% of the page`;
  const row = (name: string, value: number, note: string): BenchResult => ({ name, value: round(value, 0), unit: 'CPU µs/page', note: `${share(value)}; ${note}` });
  return [
    {
      name: 'page.server.gramjs',
      value: round(us.serverGramJs, 0),
      unit: 'CPU µs/page',
      note: `${round((100 * us.serverGramJs) / totalBefore, 1)}% of the page as it was; the sandbox route before the fast path: listMembers, GramJS objects from tl-objects.ts, generic getBytes()`,
    },
    {
      name: 'page.server.fast',
      value: round(us.serverFast, 0),
      unit: 'CPU µs/page',
      baseline: round(us.serverGramJs, 0),
      ratio: round(us.serverFast / us.serverGramJs, 3),
      target: `ratio <= ${SERVER_TARGET}`,
      note: `${share(us.serverFast)}; the route now: listMembers and the tl-fast writers; baseline = page.server.gramjs in this run`,
    },
    {
      name: 'page.client.decode.gramjs',
      value: round(us.decodeGramJs, 0),
      unit: 'CPU µs/page',
      note: `${round((100 * us.decodeGramJs) / totalBefore, 1)}% of the page as it was; GramJS reading the answer as its sender does (request.readResult) with its own 64-bit reader`,
    },
    {
      name: 'page.client.decode',
      value: round(us.decode, 0),
      unit: 'CPU µs/page',
      baseline: round(us.decodeGramJs, 0),
      ratio: round(us.decode / us.decodeGramJs, 2),
      note: `${share(us.decode)}; the same, with the native 64-bit reader our clients install (fast-long-reader.ts); baseline = page.client.decode.gramjs in this run`,
    },
    row('page.client.entities', us.entities, 'what client.invoke does with a result: session.processEntities and _entityCache.add (bounded as the engine bounds them)'),
    row('page.map', us.map, "member-records.ts's listedMembers: participants and users to member rows"),
    row('page.sqlite', us.sqlite, 'members.storeMembers of 200 new members into a migrated WAL database file'),
    {
      name: 'page.total',
      value: round(total, 0),
      unit: 'CPU µs/page',
      baseline: round(totalBefore, 0),
      ratio: round(total / totalBefore, 2),
      note: `sum of the parts now (client side alone: ${round(client, 0)} µs); baseline = the same sum as it was: GramJS getBytes() on the server and GramJS's own 64-bit reader`,
    },
  ];
}

if (isMain(import.meta.url)) {
  console.log(formatTable(await benchPage()));
}
