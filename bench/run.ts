import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './types.js';
import { formatTable, round, verdict } from './util.js';

/** One benchmark module: `bench/<file>` exporting `<exportName>(): Promise<BenchResult[]>`. */
interface Suite {
  /** What `npm run bench -- <name>` selects. */
  readonly name: string;
  readonly file: string;
  readonly exportName: string;
}

/**
 * Every benchmark, in the order they run. Add a line here for a new module; a module whose file is not
 * there yet is skipped, so suites being written elsewhere do not break the run.
 */
const SUITES: readonly Suite[] = [
  { name: 'engine', file: 'engine.ts', exportName: 'benchEngine' },
  { name: 'members', file: 'members.ts', exportName: 'benchMembers' },
  { name: 'page', file: 'page.ts', exportName: 'benchPage' },
  { name: 'scrape', file: 'scrape.ts', exportName: 'benchScrape' },
  { name: 'bot', file: 'bot.ts', exportName: 'benchBot' },
  { name: 'import', file: 'import.ts', exportName: 'benchImport' },
  { name: 'export', file: 'export.ts', exportName: 'benchExport' },
  { name: 'fleet', file: 'fleet.ts', exportName: 'benchFleet' },
  { name: 'dispatch', file: 'dispatch.ts', exportName: 'benchQueueDispatch' },
];

type BenchFn = () => Promise<BenchResult[]>;

async function load(suite: Suite): Promise<BenchFn | undefined> {
  const url = new URL(`./${suite.file}`, import.meta.url);
  if (!existsSync(fileURLToPath(url))) return undefined;
  const module = (await import(url.href)) as Record<string, unknown>;
  const fn = module[suite.exportName];
  if (typeof fn !== 'function') throw new Error(`bench/${suite.file} does not export ${suite.exportName}()`);
  return fn as BenchFn;
}

async function main(args: readonly string[]): Promise<number> {
  const wanted = args.filter((a) => !a.startsWith('-'));
  const unknown = wanted.filter((w) => !SUITES.some((s) => s.name === w));
  if (unknown.length > 0) {
    console.error(`unknown bench ${unknown.join(', ')}; known: ${SUITES.map((s) => s.name).join(', ')}`);
    return 2;
  }
  const selected = wanted.length === 0 ? SUITES : SUITES.filter((s) => wanted.includes(s.name));
  const results: BenchResult[] = [];
  const started = performance.now();
  for (const suite of selected) {
    const fn = await load(suite);
    if (!fn) {
      if (wanted.includes(suite.name)) console.error(`bench/${suite.file} does not exist yet`);
      continue;
    }
    const t0 = performance.now();
    console.error(`running ${suite.name}…`);
    results.push(...(await fn()));
    console.error(`  ${suite.name} took ${round((performance.now() - t0) / 1000, 1)} s`);
  }
  console.log(formatTable(results));
  const judged = results.map(verdict).filter((v) => v !== undefined);
  const failed = judged.filter((v) => !v).length;
  console.log(`\n${judged.length - failed} of ${judged.length} targets met in ${round((performance.now() - started) / 1000, 1)} s`);
  // Missed targets are findings, not crashes; `--strict` turns them into a failing exit code for CI gates.
  return failed > 0 && args.includes('--strict') ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
