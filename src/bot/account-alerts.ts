import type { Api } from 'grammy';
import type { Logger } from 'pino';
import type { Account, AccountState } from '../engine/types.js';
import type { PanelEngine } from './deps.js';
import { accountName } from './format.js';

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

/** Tells the admins when an account leaves rotation for good (R10): dead or limited. */
export class AccountAlerts {
  readonly #o: AccountAlertsOptions;
  readonly #listener = (account: Account, previous: AccountState) => {
    const render = ALERTS[account.state];
    if (!render || previous === account.state) return;
    this.#o.api.sendMessage(this.#o.chatId, render(account)).catch((error: unknown) => {
      this.#o.logger.warn({ err: error, accountId: account.id }, 'could not send an account alert');
    });
  };
  #attached = false;

  constructor(options: AccountAlertsOptions) {
    this.#o = options;
  }

  attach(): void {
    if (this.#attached) return;
    this.#attached = true;
    this.#o.engine.events.on('account:state', this.#listener);
  }

  detach(): void {
    if (!this.#attached) return;
    this.#attached = false;
    this.#o.engine.events.off('account:state', this.#listener);
  }
}
