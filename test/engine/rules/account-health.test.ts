import { describe, expect, it } from 'vitest';
import { verdictLimits } from '../../../src/engine/rules/account-health.js';

describe('account health', () => {
  it('does treat a limit whose end has passed as no limit', () => {
    expect(verdictLimits({ kind: 'limited', until: null }, 100)).toBe(true);
    expect(verdictLimits({ kind: 'limited', until: 200 }, 100)).toBe(true);
    expect(verdictLimits({ kind: 'limited', until: 100 }, 100)).toBe(false);
    expect(verdictLimits({ kind: 'free' }, 100)).toBe(false);
  });
});
