import { describe, expect, it } from 'vitest';
import { FAST_SCHEMA_MATCHES, schemaMismatches } from '../../../src/sandbox/tl-fast/schema.js';

describe('fast writer schema', () => {
  it('matches the TL schema of the installed GramJS, so pages take the fast path', () => {
    // A failure here after a GramJS upgrade names the constructors whose writers need updating.
    expect(schemaMismatches()).toEqual([]);
    expect(FAST_SCHEMA_MATCHES).toBe(true);
  });
});
