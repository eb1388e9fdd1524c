import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findCycles, importGraph, importSpecifiers } from './import-cycles.js';

const ROOT = fileURLToPath(new URL('../src/', import.meta.url));

describe('imports of src', () => {
  it('form no cycle, type-only imports included', () => {
    const graph = importGraph(ROOT);
    // A reader that saw no imports would find no cycle either.
    expect(graph.get('bot/index.ts')?.has('bot/ports.ts')).toBe(true);
    expect(graph.get('sandbox/server/context.ts')?.has('sandbox/world.ts')).toBe(true);
    expect(findCycles(graph).map((cycle) => `${cycle.path.join(' → ')} (the circle: ${cycle.files.join(', ')})`)).toEqual([]);
  });

  it('are read from every form an import takes', () => {
    const source = [
      "import { a } from './a.js';",
      "import type { B } from './b.js';",
      'import {',
      '  c,',
      '  type C,',
      "} from '../c.js';",
      "export { d } from './d.js';",
      "export type * from './e.js';",
      "import './f.js';",
      "type G = import('./g.js').G;",
      "// import { h } from './h.js';",
      "const url = 'https://example.org/'; import { i } from './i.js';",
    ].join('\n');
    expect(importSpecifiers(source).sort()).toEqual(['../c.js', './a.js', './b.js', './d.js', './e.js', './f.js', './g.js', './i.js']);
  });

  it('finds a cycle however long, and none in a tree', () => {
    const graph = (edges: Record<string, string[]>) => new Map(Object.entries(edges).map(([from, to]) => [from, new Set(to)]));
    expect(findCycles(graph({ 'a.ts': ['b.ts'], 'b.ts': ['c.ts'], 'c.ts': ['a.ts', 'd.ts'], 'd.ts': [] }))).toEqual([{ files: ['a.ts', 'b.ts', 'c.ts'], path: ['a.ts', 'b.ts', 'c.ts', 'a.ts'] }]);
    expect(findCycles(graph({ 'a.ts': ['a.ts'] }))).toEqual([{ files: ['a.ts'], path: ['a.ts', 'a.ts'] }]);
    expect(findCycles(graph({ 'a.ts': ['b.ts', 'c.ts'], 'b.ts': ['c.ts'], 'c.ts': [] }))).toEqual([]);
  });
});
