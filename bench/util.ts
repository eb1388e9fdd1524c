import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createDatabase, type DatabaseHandle } from '../src/db/client.js';
import type { BenchResult } from './types.js';

/** Whether the module at `moduleUrl` is the script node was started with (`tsx bench/x.ts`). */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && moduleUrl === pathToFileURL(script).href;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** A small seeded PRNG in [0, 1), so random workloads are the same in every run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Rounds to `digits` decimals. */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export interface TempDatabase {
  readonly db: DatabaseHandle;
  /** Closes the database and deletes its folder. */
  dispose(): void;
}

/** A migrated database in a fresh temp folder: a real file, so WAL and fsync costs are real. */
export function tempDatabase(): TempDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
  const db = createDatabase(join(dir, 'bench.db'));
  return {
    db,
    dispose() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let gc: (() => void) | undefined;

/** Runs a full garbage collection, so that runs and memory figures do not inherit the previous run's garbage. */
export function collectGarbage(): void {
  if (!gc) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed) gc = exposed;
    else {
      // Benches run under plain `tsx`, without --expose-gc: switch the flag on and fetch gc from a fresh context.
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    }
  }
  gc();
}

/** Lets pending timers and I/O callbacks run, so one run's leftovers do not land in the next one's timing. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 20));
}

const TARGET = /^\s*(ratio|value)\s*(<=|>=|<|>)\s*(-?[\d.]+)/;

/** The result's own verdict, or one derived from a `ratio <= N` style target; undefined when there is none. */
export function verdict(result: BenchResult): boolean | undefined {
  if (result.pass !== undefined) return result.pass;
  const match = result.target === undefined ? null : TARGET.exec(result.target);
  if (!match) return undefined;
  const [, field, op, bound] = match;
  const actual = field === 'ratio' ? result.ratio : result.value;
  if (actual === undefined || !Number.isFinite(actual)) return false;
  const limit = Number(bound);
  switch (op) {
    case '<=':
      return actual <= limit;
    case '>=':
      return actual >= limit;
    case '<':
      return actual < limit;
    default:
      return actual > limit;
  }
}

/** Up to two decimals for small figures, none for whole or large ones, thousands separated. */
export function formatValue(value: number | undefined): string {
  if (value === undefined) return '';
  if (!Number.isFinite(value)) return String(value);
  const digits = Number.isInteger(value) || Math.abs(value) >= 1000 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** The results as an aligned text table, notes listed under it. */
export function formatTable(results: readonly BenchResult[]): string {
  const header = ['name', 'value', 'unit', 'baseline', 'ratio', 'target', 'pass'];
  const rows = results.map((r) => {
    const pass = verdict(r);
    return [
      r.name,
      formatValue(r.value),
      r.unit,
      formatValue(r.baseline),
      r.ratio === undefined ? '' : `${formatValue(r.ratio)}×`,
      r.target ?? '',
      pass === undefined ? '' : pass ? 'pass' : 'FAIL',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const numeric = new Set([1, 3, 4]);
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  const notes = results.filter((r) => r.note !== undefined);
  if (notes.length > 0) out.push('', ...notes.map((r) => `* ${r.name}: ${r.note ?? ''}`));
  return out.join('\n');
}
