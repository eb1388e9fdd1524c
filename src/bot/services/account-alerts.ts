import type { Api } from 'grammy';
import type { Logger } from 'pino';
import type { Account, AccountCheck, AccountState } from '../../engine/types.js';
import { sameVerdict, verdictText } from '../check-verdict.js';
import { accountName } from '../format.js';
import type { PanelEngine } from '../ports.js';
import { subscribe, type Unsubscribe } from './subscribe.js';

export interface AccountAlertsOptions {
  readonly api: Pick<Api, 'sendMessage'>;
  readonly engine: Pick<PanelEngine, 'events'>;
  /** Where the alerts go (REPORT_CHAT_ID, by default the first admin). */
  readonly chatId: number;
  readonly logger: Logger;
}

const ALERTS: Partial<Record<AccountState, (account: Account) => string>> = {
  dead: (a) => `💀 Account ${accountName(a)} is dead${a.stateReason ? `: ${a.stateReason}` : ''}. It has left rotation; its waiting work moves to other accounts. Log it in again or remove it.`,
  limited: (a) => `🟠 Account ${accountName(a)} is limited by Telegram${a.stateReason ? `: ${a.stateReason}` : ''}. It has left rotation; work pinned to it fails.`,
};

/** Whether the account is out of rotation because of its last @SpamBot verdict (the verdict alert says so then). */
function limitedBySpamBot(account: Account): boolean {
  return account.state === 'limited' && account.check?.verdict === 'limited' && (account.stateReason ?? '').startsWith('limited by @SpamBot');
}

function verdictAlert(account: Account, previous: AccountCheck | null): string | undefined {
  const check = account.check;
  if (!check || sameVerdict(previous, check)) return undefined;
  // A first check that finds the account free is no news.
  if (previous === null && check.verdict === 'free') return undefined;
  const change = previous === null ? `@SpamBot says: ${verdictText(check)}` : `@SpamBot’s verdict changed: ${verdictText(previous)} → ${verdictText(check)}`;
  const after =
    check.verdict === 'free'
      ? 'It is in rotation.'
      : account.state === 'dead'
        ? 'It is dead as well.'
        : check.until === null
          ? 'It has left rotation until a check finds it free.'
          : 'It has left rotation and comes back by itself then.';
  return `🔎 Account ${accountName(account)}: ${change}. ${after}`;
}

/**
 * Tells the admins when an account leaves rotation for good (README.md, "Engine rules", R10): dead or
 * limited; of every change of @SpamBot's verdict (README.md, "Account checks"), from a /check or the daily round;
 * and when a @SpamBot limit ended by its date.
 */
export class AccountAlerts {
  readonly #options: AccountAlertsOptions;
  #unsubscribe: Unsubscribe | undefined;

  constructor(options: AccountAlertsOptions) {
    this.#options = options;
  }

  attach(): void {
    this.#unsubscribe ??= subscribe(this.#options.engine, {
      'account:state': (account, previous) => this.#onState(account, previous),
      'account:check': (account, previous) => this.#send(account, verdictAlert(account, previous)),
    });
  }

  detach(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  #onState(account: Account, previous: AccountState): void {
    if (previous === account.state) return;
    if (previous === 'limited' && account.state !== 'dead' && account.check?.verdict === 'limited' && account.check.until !== null) {
      // Still "limited until" at its last check, and back now: the date passed.
      this.#send(account, `🟢 Account ${accountName(account)} is back in rotation: its @SpamBot limit ended (${verdictText(account.check)}).`);
      return;
    }
    const render = ALERTS[account.state];
    if (!render || limitedBySpamBot(account)) return;
    this.#send(account, render(account));
  }

  #send(account: Account, text: string | undefined): void {
    if (text === undefined) return;
    this.#options.api.sendMessage(this.#options.chatId, text).catch((error: unknown) => {
      this.#options.logger.warn({ err: error, accountId: account.id }, 'could not send an account alert');
    });
  }
}
