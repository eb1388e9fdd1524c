import { describe, expect, it } from 'vitest';
import type { Failure } from '../../../src/engine/errors.js';
import { backoffDelay, decideMove, decideRetry, sleepsThrough } from '../../../src/engine/rules/retries.js';

const flood = (seconds: number): Failure => ({ kind: 'flood', seconds, message: `wait ${seconds} s` });

describe('retries', () => {
  it('does back off exponentially with equal jitter, capped', () => {
    expect(backoffDelay(1, { baseMs: 1000, maxMs: 60_000 }, () => 0)).toBe(500);
    expect(backoffDelay(1, { baseMs: 1000, maxMs: 60_000 }, () => 1)).toBe(1000);
    expect(backoffDelay(3, { baseMs: 1000, maxMs: 60_000 }, () => 1)).toBe(4000);
    expect(backoffDelay(20, { baseMs: 1000, maxMs: 60_000 }, () => 1)).toBe(60_000);
  });

  it('does sleep through flood waits up to the threshold only', () => {
    expect(sleepsThrough(flood(60), 60)).toBe(true);
    expect(sleepsThrough(flood(61), 60)).toBe(false);
    expect(sleepsThrough({ kind: 'transient', message: 'net' }, 60)).toBe(false);
  });

  it('does give up once the attempts reach the limit, saying how many', () => {
    const failure: Failure = { kind: 'transient', message: 'Telegram had a temporary problem.' };
    expect(decideRetry(2, 3, failure)).toEqual({ kind: 'backoff' });
    expect(decideRetry(3, 3, failure)).toEqual({ kind: 'finish', failure: { kind: 'transient', message: 'Telegram had a temporary problem. Gave up after 3 attempts.' } });
  });

  it('does move unpinned work until it moved too often', () => {
    expect(decideMove(10, 10, flood(600), null)).toEqual({ kind: 'requeue', notBefore: null, failure: flood(600) });
    expect(decideMove(11, 10, flood(600), null)).toEqual({ kind: 'finish', failure: { ...flood(600), message: 'wait 600 s It moved 10 times without finishing.' } });
  });

  it('does make pinned work wait out its own account cooldown, and fail for anything else', () => {
    const account = { waitable: true, cooldownUntil: 5000 };
    expect(decideMove(1, 10, flood(600), account)).toEqual({ kind: 'requeue', notBefore: 5000, failure: flood(600) });
    expect(decideMove(1, 10, flood(600), { ...account, waitable: false })).toEqual({ kind: 'finish', failure: flood(600) });
    expect(decideMove(11, 10, flood(600), account)).toEqual({ kind: 'finish', failure: flood(600) });
    const dead: Failure = { kind: 'dead', message: 'gone' };
    expect(decideMove(1, 10, dead, account)).toEqual({ kind: 'finish', failure: dead });
  });
});
