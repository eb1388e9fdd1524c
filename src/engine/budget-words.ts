import { countOf, NOUNS, type BudgetAction } from './budget.js';

/** `14:05 UTC`, or with its date when it is not within the next day. */
export function formatUtc(t: number, now: number): string {
  const iso = new Date(t).toISOString();
  const time = `${iso.slice(11, 16)} UTC`;
  return t - now < 86_400_000 ? time : `${iso.slice(0, 10)} ${time}`;
}

export interface RefusalFacts {
  readonly accountId: number;
  readonly action: BudgetAction;
  readonly used: number;
  /** Set aside for work already waiting on the account. */
  readonly held: number;
  /** The cap in force now. */
  readonly cap: number;
  readonly halved: boolean;
  readonly freeAt: number | null;
  readonly now: number;
}

/**
 * Why an account cannot afford a run, in plain words, e.g. "Account #2 has used its 20 joins for today;
 * it can join again at 00:00 UTC."
 */
export function budgetRefusal(facts: RefusalFacts): string {
  const { accountId, action, used, held, cap, halved, freeAt, now } = facts;
  const noun = NOUNS[action];
  const capWords = `${countOf(action, cap)} ${noun.window}${halved ? ' (halved after Telegram flood-limited it)' : ''}`;
  const why =
    cap === 0
      ? `Account #${accountId} may make no ${noun.plural} for now: its cap is halved to 0 after Telegram flood-limited it`
      : used >= cap
      ? `Account #${accountId} has used its ${capWords}`
      : held > 0
        ? `Account #${accountId} has no ${noun.plural} left ${noun.window}: the last of its ${capWords} are set aside for work already waiting`
        : `Account #${accountId} cannot make that many ${noun.plural} within its ${capWords}`;
  const when = freeAt === null ? 'its cap is too small for this operation' : `it can ${noun.verb} again at ${formatUtc(freeAt, now)}`;
  return `${why}; ${when}.`;
}

/** Why unpinned work waits: no account can afford it now. */
export function budgetWait(action: BudgetAction, freeAt: number, now: number): string {
  return `No account has ${NOUNS[action].plural} left ${NOUNS[action].window}; waiting until ${formatUtc(freeAt, now)}.`;
}
