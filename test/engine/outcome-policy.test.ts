import { describe, expect, it } from 'vitest';
import type { Failure } from '../../src/engine/errors.js';
import { decideAfterRun, decideAfterWait, decideBudgetWait, type RunEnd } from '../../src/engine/outcome-policy.js';

const failed = (failure: Failure, patch: Partial<RunEnd> = {}): RunEnd => ({ outcome: { ok: false, failure }, cancelRequested: false, abort: undefined, ...patch });
const flood = (seconds: number, method?: string): Failure => ({ kind: 'flood', seconds, message: `A flood wait of ${seconds} s.`, ...(method ? { method } : {}) });

describe('decideAfterRun', () => {
  it('does succeed a run that returned, even when a cancel came too late to stop it', () => {
    expect(decideAfterRun({ outcome: { ok: true }, cancelRequested: true, abort: undefined })).toEqual({ effects: [], decision: { kind: 'succeed' } });
  });

  it('does end a failed run as cancelled once an admin asked, whatever stopped it', () => {
    const end = failed({ kind: 'transient', message: 'net' }, { cancelRequested: true, abort: { kind: 'timeout', message: 'too long' } });
    expect(decideAfterRun(end)).toEqual({ effects: [], decision: { kind: 'finish', failure: { kind: 'cancelled', message: 'Cancelled by an admin.' } } });
  });

  it('does interrupt on shutdown, requeue on a move and move on a removal, before looking at the failure', () => {
    const failure = flood(600, 'messages.SendMessage');
    expect(decideAfterRun(failed(failure, { abort: { kind: 'shutdown', message: 'bye' } })).decision).toEqual({ kind: 'interrupt' });
    expect(decideAfterRun(failed(failure, { abort: { kind: 'moved', message: 'cooling' } }))).toEqual({
      effects: [],
      decision: { kind: 'requeue', notBefore: null, failure: null },
    });
    expect(decideAfterRun(failed(failure, { abort: { kind: 'removed', message: 'Account #1 was removed.' } }))).toEqual({
      effects: [],
      decision: { kind: 'move', failure: { kind: 'no_account', message: 'Account #1 was removed.' } },
    });
  });

  it('does halve the budget of a budgeted call, then cool the account and move the work on a long flood wait', () => {
    const failure = flood(600, 'messages.SendMessage');
    expect(decideAfterRun(failed(failure))).toEqual({
      effects: [
        { kind: 'halve', action: 'send' },
        { kind: 'cool', seconds: 600, method: 'messages.SendMessage' },
      ],
      decision: { kind: 'move', failure },
    });
  });

  it('does not halve anything for a call that has no budget', () => {
    expect(decideAfterRun(failed(flood(90))).effects).toEqual([{ kind: 'cool', seconds: 90, method: null }]);
  });

  it('does mark a dead or limited account and move the work (R10)', () => {
    const dead: Failure = { kind: 'dead', message: 'AUTH_KEY_UNREGISTERED' };
    expect(decideAfterRun(failed(dead))).toEqual({ effects: [{ kind: 'mark', health: 'dead', reason: 'AUTH_KEY_UNREGISTERED' }], decision: { kind: 'move', failure: dead } });
    const limited: Failure = { kind: 'limited', message: 'PEER_FLOOD', method: 'messages.SendMessage' };
    expect(decideAfterRun(failed(limited))).toEqual({
      effects: [
        { kind: 'halve', action: 'send' },
        { kind: 'mark', health: 'limited', reason: 'PEER_FLOOD' },
      ],
      decision: { kind: 'move', failure: limited },
    });
  });

  it('does retry transient failures and timeouts, wait for budget when short of it, and finish anything else', () => {
    const transient: Failure = { kind: 'transient', message: 'RPC_CALL_FAIL' };
    const timeout: Failure = { kind: 'timeout', message: 'too long' };
    const noBudget: Failure = { kind: 'no_budget', message: 'no sends left', freeAt: 5 };
    const error: Failure = { kind: 'error', message: 'boom' };
    expect(decideAfterRun(failed(transient)).decision).toEqual({ kind: 'retry', failure: transient });
    expect(decideAfterRun(failed(timeout)).decision).toEqual({ kind: 'retry', failure: timeout });
    expect(decideAfterRun(failed(noBudget)).decision).toEqual({ kind: 'wait_budget', failure: noBudget });
    expect(decideAfterRun(failed(error))).toEqual({ effects: [], decision: { kind: 'finish', failure: error } });
  });
});

describe('decideAfterWait', () => {
  const other: Failure = { kind: 'error', message: 'boom' };

  it('does place the operation again at once when budget came free', () => {
    expect(decideAfterWait({ budgetFreed: true, abort: { kind: 'moved', message: 'Budget came free.' }, failure: other })).toEqual({ kind: 'place_again' });
  });

  it('does decide by the kind of abort that ended the wait', () => {
    const end = (kind: 'cancelled' | 'timeout' | 'shutdown' | 'moved' | 'removed') => decideAfterWait({ budgetFreed: false, abort: { kind, message: `${kind}!` }, failure: { kind: 'timeout', message: 'waited' } });
    expect(end('shutdown')).toEqual({ kind: 'forget' });
    expect(end('moved')).toEqual({ kind: 'requeue', notBefore: null, failure: null });
    expect(end('removed')).toEqual({ kind: 'move', failure: { kind: 'no_account', message: 'removed!' } });
    expect(end('timeout')).toEqual({ kind: 'retry', failure: { kind: 'timeout', message: 'waited' } });
    expect(end('cancelled')).toEqual({ kind: 'finish', failure: { kind: 'cancelled', message: 'cancelled!' } });
  });

  it('does finish with the classified failure when something else ended the wait', () => {
    expect(decideAfterWait({ budgetFreed: false, abort: undefined, failure: other })).toEqual({ kind: 'finish', failure: other });
  });
});

describe('decideBudgetWait', () => {
  const failure = (freeAt: number | null) => ({ kind: 'no_budget', message: 'none left', freeAt }) as const;

  it('does place unpinned work again, elsewhere or later', () => {
    expect(decideBudgetWait(false, failure(1000))).toEqual({ kind: 'requeue', notBefore: null, failure: failure(1000) });
  });

  it('does make pinned work wait until its account has budget, or fail when it never will', () => {
    expect(decideBudgetWait(true, failure(1000))).toEqual({ kind: 'requeue', notBefore: 1000, failure: failure(1000) });
    expect(decideBudgetWait(true, failure(null))).toEqual({ kind: 'finish', failure: failure(null) });
  });
});
