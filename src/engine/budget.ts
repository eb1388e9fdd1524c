/**
 * Per-account action budgets (README: Budgets): how many joins, messages and username look-ups an account
 * may make, in which window, and what a halving does. Pure facts and arithmetic; the ledger keeps the counts.
 */

/** The Telegram calls that are budgeted: channels.JoinChannel / messages.ImportChatInvite, messages.SendMessage, contacts.ResolveUsername. */
export type BudgetAction = 'join' | 'send' | 'resolve';

export const BUDGET_ACTIONS: readonly BudgetAction[] = ['join', 'send', 'resolve'];

/** The most calls of each action one run may make; an action left out is not needed. */
export type BudgetNeeds = Partial<Readonly<Record<BudgetAction, number>>>;

/** The cap of each action per account, per window (before any halving). */
export type BudgetCaps = Readonly<Record<BudgetAction, number>>;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Windows are calendar UTC windows: a day from 00:00 UTC for joins and sends, an hour from :00 for
 * look-ups. One counter per window is what `account_budgets` holds, and "today" on the account screen
 * then means the UTC date, with no per-call history to keep.
 */
export const WINDOW_MS: Readonly<Record<BudgetAction, number>> = { join: DAY_MS, send: DAY_MS, resolve: HOUR_MS };

/** How long a cap stays halved after a PEER_FLOOD or a long flood wait on its action. */
export const HALVING_MS = DAY_MS;

export function windowStart(action: BudgetAction, t: number): number {
  return t - (t % WINDOW_MS[action]);
}

export function windowEnd(action: BudgetAction, t: number): number {
  return windowStart(action, t) + WINDOW_MS[action];
}

/** The cap in force at `t`: halved (rounded down) while `halvedUntil` is ahead. */
export function capAt(cap: number, halvedUntil: number | null, t: number): number {
  return halvedUntil !== null && halvedUntil > t ? Math.floor(cap / 2) : cap;
}

/** The budgeted action a Telegram method spends, if any (GramJS names a request by its TL name). */
export function actionOfMethod(method: string | undefined): BudgetAction | undefined {
  switch (method) {
    case 'contacts.ResolveUsername':
      return 'resolve';
    case 'channels.JoinChannel':
    case 'messages.ImportChatInvite':
      return 'join';
    case 'messages.SendMessage':
      return 'send';
    default:
      return undefined;
  }
}

/**
 * What one run of an operation may spend. A runner calls `take` right before each budgeted Telegram
 * call; past what it was granted, `take` throws and the call is never made.
 */
export interface RunBudget {
  take(action: BudgetAction): void;
  /** What is left of the grant for the action. */
  remaining(action: BudgetAction): number;
}

/** A budget with nothing in it, for runs of operations that need none. */
export const NO_BUDGET: RunBudget = {
  take(action) {
    throw new BudgetOverrunError(action, 0);
  },
  remaining: () => 0,
};

/** A runner tried to spend more than its run was granted: a bug in its declared needs, stopped before Telegram saw it. */
export class BudgetOverrunError extends Error {
  override readonly name = 'BudgetOverrunError';
  constructor(
    readonly action: BudgetAction,
    readonly granted: number,
  ) {
    super(`The operation tried to make more ${NOUNS[action].plural} than the ${granted} its run was granted; nothing was sent.`);
  }
}

/** Words for each action in plain English. */
export const NOUNS: Readonly<Record<BudgetAction, { readonly one: string; readonly plural: string; readonly verb: string; readonly window: string }>> = {
  join: { one: 'join', plural: 'joins', verb: 'join', window: 'for today' },
  send: { one: 'message', plural: 'messages', verb: 'send messages', window: 'for today' },
  resolve: { one: 'username look-up', plural: 'username look-ups', verb: 'look up usernames', window: 'this hour' },
};

/** `1 join`, `20 joins`. */
export function countOf(action: BudgetAction, n: number): string {
  return `${n} ${n === 1 ? NOUNS[action].one : NOUNS[action].plural}`;
}
