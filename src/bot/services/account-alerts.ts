import type { Api } from 'grammy';
import type { Logger } from 'pino';
import type { Account, AccountState } from '../../engine/types.js';
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

/** Tells the admins when an account leaves rotation for good (README.md, "Engine rules", R10): dead or limited. */
export class AccountAlerts {
  readonly #options: AccountAlertsOptions;
  #unsubscribe: Unsubscribe | undefined;

  constructor(options: AccountAlertsOptions) {
    this.#options = options;
  }

  attach(): void {
    this.#unsubscribe ??= subscribe(this.#options.engine, { 'account:state': (account, previous) => this.#on(account, previous) });
  }

  detach(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  #on(account: Account, previous: AccountState): void {
    const render = ALERTS[account.state];
    if (!render || previous === account.state) return;
    this.#options.api.sendMessage(this.#options.chatId, render(account)).catch((error: unknown) => {
      this.#options.logger.warn({ err: error, accountId: account.id }, 'could not send an account alert');
    });
  }
}
