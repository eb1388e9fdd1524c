import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { InputFile } from 'grammy';
import type { ExportFormat } from '../src/bot/export/export-request.js';
import { sendExport, type ExportJob } from '../src/bot/export/send-export.js';
import { createDatabase } from '../src/db/client.js';
import { createPortMemberReader } from '../src/db/repositories/member-reader-port.js';
import { createMembersRepository } from '../src/db/repositories/members.js';
import { poolMember } from './pool-members.js';
import type { BenchResult } from './types.js';
import { formatTable, isMain, median, round, tempDatabase } from './util.js';

const MEMBERS = 200_000;
const CHAT_ID = 1001;
const RUNS = 3;
const PEAK_RSS_MB = 250;
const FORMATS: readonly ExportFormat[] = ['csv', 'json', 'xlsx'];


/** A database file holding one chat of MEMBERS members; its path, and how to delete it. */
function seed(): { path: string; dispose(): void } {
  const temp = tempDatabase();
  const members = createMembersRepository(temp.db);
  const now = Date.now();
  members.upsertChat({ id: CHAT_ID, kind: 'supergroup', username: 'hugechat', title: 'Huge chat' }, now);
  for (let start = 1; start <= MEMBERS; start += 1000) {
    const page = Array.from({ length: Math.min(1000, MEMBERS - start + 1) }, (_, i) => poolMember(start + i, now));
    members.storeMembers(CHAT_ID, page, { source: 'participants', now });
  }
  const path = temp.db.sqlite.name;
  temp.db.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  return { path, dispose: () => temp.dispose() };
}

interface ChildReport {
  readonly format: ExportFormat;
  /** Median ms of one export. */
  readonly ms: number;
  readonly bytes: number;
  readonly files: number;
  readonly rows: number;
  /** Peak resident set of the process, MB: before the first export, and over all of them. */
  readonly rssBefore: number;
  readonly rssPeak: number;
}

function runChild(format: ExportFormat, path: string): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--export-child', format, path], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    child.once('message', (report) => resolve(report as ChildReport));
    child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`the ${format} export process exited with ${code}`))));
  });
}

const maxRssMb = () => process.resourceUsage().maxRSS / 1024;

/** In the child: one export of the whole chat by the bot's code, into a sink that reads every byte as an upload does. */
async function childExport(format: ExportFormat, path: string): Promise<void> {
  const db = createDatabase(path);
  // Read as the panel reads: through the SQL port.
  const members = createPortMemberReader(db);
  const chat = await members.findChat(CHAT_ID);
  if (!chat) throw new Error('the bench chat is not stored');
  let bytes = 0;
  const sink = {
    async sendDocument(_chatId: number | string, document: InputFile | string) {
      if (typeof document === 'string') throw new Error('expected a file');
      for await (const chunk of (await document.toRaw()) as AsyncIterable<Uint8Array>) bytes += chunk.length;
      return {} as never;
    },
  };
  const rssBefore = maxRssMb();
  const job: ExportJob = { chats: [chat], format, filter: {}, extra: false, count: await members.countMembers(CHAT_ID), now: Date.now() };
  const t0 = performance.now();
  const sent = await sendExport(sink, members, 1, job);
  const ms = performance.now() - t0;
  db.close();
  process.send?.({ format, ms, bytes, files: sent.files.length, rows: sent.rows, rssBefore, rssPeak: maxRssMb() } satisfies ChildReport);
}

/** The exports of one format: the median time, the highest peak. */
function summarise(runs: readonly ChildReport[]): ChildReport {
  const last = runs.at(-1);
  if (!last) throw new Error('no run');
  return {
    ...last,
    ms: median(runs.map((r) => r.ms)),
    rssBefore: Math.max(...runs.map((r) => r.rssBefore)),
    rssPeak: Math.max(...runs.map((r) => r.rssPeak)),
  };
}

export async function benchExport(): Promise<BenchResult[]> {
  const db = seed();
  try {
    const reports: ChildReport[] = [];
    // A process per export, one after the other, so one format's memory never hides another's. The
    // formats take turns so that a machine busier at one moment does not favour one of them.
    const runs = new Map<ExportFormat, ChildReport[]>(FORMATS.map((f) => [f, []]));
    for (let run = 0; run < RUNS; run += 1) for (const format of FORMATS) runs.get(format)?.push(await runChild(format, db.path));
    for (const format of FORMATS) reports.push(summarise(runs.get(format) ?? []));
    const csv = reports.find((r) => r.format === 'csv');
    if (!csv) throw new Error('no CSV baseline');
    return reports.flatMap((r): BenchResult[] => {
      if (r.rows !== MEMBERS) throw new Error(`the ${r.format} export wrote ${r.rows} rows instead of ${MEMBERS}`);
      return [
        {
          name: `export.${r.format}.time`,
          value: round(r.ms, 0),
          unit: 'ms',
          baseline: round(csv.ms, 0),
          ratio: round(r.ms / csv.ms, 2),
          note: `${MEMBERS.toLocaleString('en-US')} members, ${r.files} file${r.files === 1 ? '' : 's'}, ${round(r.bytes / 1024 / 1024, 1)} MB; median of ${RUNS} processes; baseline = the CSV export in this run`,
        },
        {
          name: `export.${r.format}.peakRss`,
          value: round(r.rssPeak, 0),
          unit: 'MB',
          target: `value <= ${PEAK_RSS_MB}`,
          note: `highest maxRSS of ${RUNS} processes of one export each (${round(r.rssBefore, 0)} MB before the first export: Node, tsx, SQLite, grammY, exceljs loaded)`,
        },
      ];
    });
  } finally {
    db.dispose();
  }
}

if (process.argv[2] === '--export-child') {
  await childExport(process.argv[3] as ExportFormat, process.argv[4] as string);
  process.exit(0);
} else if (isMain(import.meta.url)) {
  process.stdout.write(`${formatTable(await benchExport())}\n`);
}
