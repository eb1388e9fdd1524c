import { describe, expect, it } from 'vitest';
import { priorityOf } from '../../../src/engine/rules/priorities.js';

describe('priorities', () => {
  it('does take the request first, then the runner, then the type (R2)', () => {
    expect(priorityOf(7, 2, 'scraping')).toBe(7);
    expect(priorityOf(undefined, 2, 'scraping')).toBe(2);
    expect(priorityOf(undefined, undefined, 'monitoring')).toBe(10);
    expect(priorityOf(undefined, undefined, 'scraping')).toBe(5);
    expect(priorityOf(undefined, undefined, 'sending')).toBe(1);
    expect(priorityOf(1.5, undefined, 'sending')).toBeUndefined();
  });
});
